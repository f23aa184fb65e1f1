// Training examples with their features in one compressed-row array, built in
// parallel but laid out in input order, so training is deterministic.
#pragma once
#include <array>
#include <cstdint>
#include <vector>

#include "comity/attributes.h"
#include "comity/features.h"

namespace comity {

struct SparseRows {
  std::vector<std::uint64_t> offsets{0};  // row i is [offsets[i], offsets[i+1])
  std::vector<std::uint32_t> buckets;
  std::vector<float> values;
  std::size_t rows() const { return offsets.size() - 1; }
  void append(const std::vector<Feature>& features) {
    for (const Feature& f : features) {
      buckets.push_back(f.bucket);
      values.push_back(f.value);
    }
    offsets.push_back(buckets.size());
  }
  void append(const SparseRows& other) {
    const std::uint64_t base = buckets.size();
    buckets.insert(buckets.end(), other.buckets.begin(), other.buckets.end());
    values.insert(values.end(), other.values.begin(), other.values.end());
    for (std::size_t i = 1; i < other.offsets.size(); ++i)
      offsets.push_back(base + other.offsets[i]);
  }
};

// One binary-logistic head trained with AdaGrad on soft targets.
struct HeadData {
  const SparseRows* rows;
  std::vector<std::uint32_t> index;  // which rows take part
  std::vector<float> target;         // per participating row, in [0,1]
  std::vector<float> weight;         // per participating row
  std::vector<std::uint8_t> soft;    // per row: 1 when the target is a reference score
};
enum class HeadLoss : std::uint8_t {
  kLogistic,      // cross-entropy against the (soft) target probability
  kLogitSquared,  // squared error against the target's clipped log-odds
  kMixed,         // cross-entropy, plus logit_weight x log-odds regression on reference scores
};
struct HeadParams {
  std::uint32_t buckets;
  HeadLoss loss;
  int epochs;
  float learning_rate;
  float l2;
  std::uint64_t seed;
  float logit_weight = 0.f;  // kMixed only
};
struct HeadWeights {
  std::vector<float> w;
  float bias = 0.f;
  std::vector<double> epoch_loss;
};
HeadWeights train_logistic_head(const HeadData& data, const HeadParams& params);

}  // namespace comity
