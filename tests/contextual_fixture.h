// Hand-built models for the model-file and contextual-model tests: seeded random
// linear weights and seeded random contextual networks of a chosen shape.
#pragma once
#include <cmath>
#include <cstdint>
#include <random>
#include <string>

#include "comity/contextual_model.h"
#include "comity/linear_model.h"
#include "comity/model.h"

namespace comity::fixture {

inline ModelInfo test_info(const std::string& version) {
  ModelInfo info;
  info.name = "comity-test";
  info.version = version;
  info.languages = {"en"};
  info.recipe_sha256 = std::string(64, 'b');
  info.created_by = "comity (test)";
  info.calibration[0] = {{0.1f, 0.5f, 0.9f}, {0.05f, 0.5f, 0.95f}};
  info.span_threshold = 0.55f;
  info.quality_json = R"({"note":"hand-built"})";
  return info;
}

// A linear model with hash_bits 10 and seeded normal weights.
inline ModelWeights linear_weights(std::uint32_t seed, std::uint32_t hash_bits = 10) {
  ModelWeights w;
  w.info = test_info("linear-test-1");
  w.info.features.hash_bits = hash_bits;
  for (std::size_t a = 0; a < kNumAttributes; ++a) w.info.bias[a] = -1.f + 0.2f * a;
  w.info.span_bias = -0.5f;
  const std::size_t buckets = std::size_t{1} << hash_bits;
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal(0.f, 0.4f);
  w.attribute_weights.resize(buckets * kNumAttributes);
  for (float& x : w.attribute_weights) x = normal(rng);
  w.span_weights.resize(buckets);
  for (float& x : w.span_weights) x = normal(rng);
  return w;
}

inline ContextualShape shape(std::uint32_t hash_bits, std::uint32_t dim, std::uint32_t hidden) {
  ContextualShape s;
  s.hash_bits = hash_bits;
  s.dim = dim;
  s.hidden = hidden;
  return s;
}

// A network of `s` with seeded weights large enough that ReLUs and max pooling matter.
inline ContextualWeights network(const ContextualShape& s, std::uint32_t seed) {
  ContextualWeights w;
  w.shape = s;
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> emb(-1.f, 1.f);
  std::normal_distribution<float> normal(0.f, 1.f);
  w.embeddings.resize((std::size_t{1} << s.hash_bits) * s.dim);
  for (float& x : w.embeddings) x = emb(rng);
  const float conv_scale = 1.f / std::sqrt(static_cast<float>(s.conv_inputs()));
  w.dense.conv.resize(std::size_t{s.conv_inputs()} * s.hidden);
  for (float& x : w.dense.conv) x = normal(rng) * conv_scale;
  w.dense.conv_bias.resize(s.hidden);
  for (float& x : w.dense.conv_bias) x = 0.1f * normal(rng);
  w.dense.out.resize(std::size_t{s.pooled()} * kNumAttributes);
  for (float& x : w.dense.out) x = normal(rng) / std::sqrt(static_cast<float>(s.pooled()));
  w.dense.out_bias.resize(kNumAttributes);
  for (std::size_t a = 0; a < kNumAttributes; ++a) w.dense.out_bias[a] = -2.f + 0.25f * a;
  w.dense.span.resize(s.hidden);
  for (float& x : w.dense.span) x = normal(rng);
  w.dense.span_bias = -0.3f;
  return w;
}

// A comity-2 model: the network alone, or an ensemble with a linear part.
inline ContextualModelWeights contextual(const ContextualShape& s, std::uint32_t seed,
                                         bool with_linear) {
  ContextualModelWeights m;
  m.info = test_info("contextual-test-1");
  m.network = network(s, seed);
  if (with_linear) {
    m.linear = linear_weights(seed + 1000);
    m.info.features = m.linear->info.features;
    for (std::size_t a = 0; a < kNumAttributes; ++a) m.linear_weight[a] = 0.3f + 0.05f * a;
  }
  return m;
}

}  // namespace comity::fixture
