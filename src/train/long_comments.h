// Synthetic long comments: several harmless texts around one toxic text, all from the
// same split. Perspective scores such a comment by its worst part; a model that only
// saw short texts averages the toxic sentence away. These teach the network's max
// pooling what the worst part is worth.
#pragma once
#include <cstdint>
#include <vector>

#include "train/labelled_text.h"

namespace comity {

struct LongCommentSpec {
  std::size_t count = 0;        // comments to build per split (train; dev gets count / 8)
  float harmless_below = 0.1f;  // TOXICITY reference score of a harmless part
  float toxic_from = 0.7f;      // TOXICITY reference score of the toxic part
  std::uint32_t min_parts = 3, max_parts = 12;  // harmless parts around it
};

// Builds comments from the soft-labelled (reference-scored) examples of `split` and
// returns them with dataset = `dataset_index`. Each attribute's target is the highest
// target of the parts, kept only where every part has one. Deterministic in `seed`.
std::vector<LabelledText> build_long_comments(const std::vector<LabelledText>& examples,
                                              Split split, const LongCommentSpec& spec,
                                              std::size_t count, std::uint64_t seed,
                                              std::uint32_t dataset_index);

}  // namespace comity
