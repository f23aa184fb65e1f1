#include "train/long_comments.h"

#include <algorithm>

#include "common/splitmix.h"

namespace comity {
std::vector<LabelledText> build_long_comments(const std::vector<LabelledText>& examples,
                                              Split split, const LongCommentSpec& spec,
                                              std::size_t count, std::uint64_t seed,
                                              std::uint32_t dataset_index) {
  constexpr std::size_t kToxicity = 0;
  constexpr std::uint8_t kToxicityBit = 1u << kToxicity;
  std::vector<std::uint32_t> harmless, toxic;
  for (std::uint32_t i = 0; i < examples.size(); ++i) {
    const LabelledText& ex = examples[i];
    if (ex.split != split || !(ex.soft & kToxicityBit)) continue;
    if (ex.target[kToxicity] < spec.harmless_below) harmless.push_back(i);
    if (ex.target[kToxicity] >= spec.toxic_from) toxic.push_back(i);
  }
  std::vector<LabelledText> out;
  if (harmless.empty() || toxic.empty() || spec.max_parts < spec.min_parts) return out;
  out.reserve(count);
  std::uint64_t state = seed;
  for (std::size_t c = 0; c < count; ++c) {
    const LabelledText& bad = examples[toxic[splitmix64(state) % toxic.size()]];
    const std::uint32_t parts =
        spec.min_parts +
        static_cast<std::uint32_t>(splitmix64(state) % (spec.max_parts - spec.min_parts + 1));
    const std::uint32_t at = static_cast<std::uint32_t>(splitmix64(state) % (parts + 1));
    LabelledText ex;
    ex.split = split;
    ex.dataset = dataset_index;
    ex.mask = bad.mask;
    ex.soft = bad.soft;
    ex.target = bad.target;
    ex.language = bad.language;
    for (std::uint32_t p = 0; p <= parts; ++p) {
      const LabelledText& part =
          p == at ? bad : examples[harmless[splitmix64(state) % harmless.size()]];
      if (!ex.text.empty()) ex.text += ' ';
      ex.text += part.text;
      if (p == at) continue;
      ex.mask &= part.mask;
      ex.soft &= part.soft;
      for (std::size_t a = 0; a < kNumAttributes; ++a) {
        ex.target[a] = std::max(ex.target[a], part.target[a]);
      }
    }
    if (ex.mask != 0) out.push_back(std::move(ex));
  }
  return out;
}

}  // namespace comity
