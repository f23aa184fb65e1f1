// comity-en-1's architecture: one linear head per attribute over hashed word and
// character n-grams (features.h), int8 weights, and a linear token head for spans.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "comity/classifier.h"
#include "comity/features.h"
#include "comity/model.h"

namespace comity {

class LinearModel final : public Classifier {
 public:
  // Reads the whole file (format 1 or a format 2 file whose architecture is "linear").
  // Throws ModelError naming the problem for a missing, truncated, corrupt (checksum)
  // or incompatible (format version, architecture, feature config) file.
  static std::shared_ptr<const LinearModel> load(const std::string& path);
  // Quantises in memory, as save() would, without touching the disk.
  static std::shared_ptr<const LinearModel> from_weights(const ModelWeights& weights);
  // Quantises and writes a format 2 file. Deterministic: same weights, same bytes.
  static void save(const ModelWeights& weights, const std::string& path);

  LinearModel(const LinearModel&) = delete;
  LinearModel& operator=(const LinearModel&) = delete;

  const ModelInfo& info() const override { return info_; }
  std::string_view architecture() const override { return "linear"; }
  std::uint64_t checksum() const override { return checksum_; }
  std::size_t file_size() const override { return size_; }
  void logits(const NormalizedText& text, std::uint32_t token_begin, std::uint32_t token_end,
              float* out) const override;
  void token_evidence(const NormalizedText& text, std::vector<TokenScore>& tokens) const override;

  // Adds each feature's contribution to raw logits (before bias).
  void accumulate(const std::vector<Feature>& features, float* logits) const;
  // Per-feature contribution to the logit of one attribute.
  float weight(std::uint32_t bucket, std::size_t attribute) const {
    return static_cast<float>(attr_q_[std::size_t{bucket} * kNumAttributes + attribute]) *
           info_.scale[attribute];
  }
  const IdfTable* idf() const { return idf_.empty() ? nullptr : &idf_; }
  float span_weight(std::uint32_t bucket) const {
    return static_cast<float>(span_q_[bucket]) * info_.span_scale;
  }

 private:
  friend struct LinearModelReader;
  LinearModel() = default;
  ModelInfo info_;
  std::vector<std::int8_t> attr_q_;  // [bucket][attribute]
  std::vector<std::int8_t> span_q_;  // [bucket]
  IdfTable idf_;                     // features.weighting kTfIdf only
  std::size_t size_ = 0;
  std::uint64_t checksum_ = 0;
};

}  // namespace comity
