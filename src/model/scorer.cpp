#include "comity/scorer.h"

#include <cmath>

namespace comity {
namespace {

float sigmoid(float x) { return 1.f / (1.f + std::exp(-x)); }

// Scratch buffers reused across calls on the same thread: scoring allocates
// nothing per feature on the hot path.
thread_local std::vector<Feature> t_features;

AttributeScores raw_probabilities(const Model& model, const std::vector<Feature>& features) {
  const ModelInfo& info = model.info();
  float logits[kNumAttributes] = {};
  model.accumulate(features, logits);
  AttributeScores p{};
  for (std::size_t a = 0; a < kNumAttributes; ++a) p[a] = sigmoid(logits[a] + info.bias[a]);
  return p;
}

AttributeScores calibrate(const ModelInfo& info, const AttributeScores& raw) {
  AttributeScores out{};
  for (std::size_t a = 0; a < kNumAttributes; ++a) out[a] = info.calibration[a].apply(raw[a]);
  return out;
}

}  // namespace

Scorer::Scorer(std::shared_ptr<const Model> model) : model_(std::move(model)) {}

ScoreResult Scorer::score(std::string_view text, const ScoreOptions& options) const {
  const Model& model = *model_;
  const ModelInfo& info = model.info();
  const NormalizedText normalized = normalize(text);

  ScoreResult result;
  extract_features(normalized, info.features, t_features);
  result.raw = raw_probabilities(model, t_features);
  result.scores = calibrate(info, result.raw);

  if (options.tokens) {
    result.tokens.resize(normalized.tokens.size());
    for (std::size_t t = 0; t < normalized.tokens.size(); ++t) {
      result.tokens[t].where = normalized.tokens[t].where;
      result.tokens[t].norm = normalized.tokens[t].norm;
    }
    // A feature spanning k tokens credits each of them with 1/k of its weight.
    for (const Feature& f : t_features) {
      const float share = f.value / static_cast<float>(f.token_end - f.token_begin);
      for (std::uint32_t t = f.token_begin; t < f.token_end; ++t) {
        for (std::size_t a = 0; a < kNumAttributes; ++a) {
          result.tokens[t].contribution[a] += share * model.weight(f.bucket, a);
        }
      }
    }
    std::vector<Feature> token_features;
    for (std::uint32_t t = 0; t < normalized.tokens.size(); ++t) {
      extract_token_features(normalized, t, info.features, token_features);
      float logit = info.span_bias;
      for (const Feature& f : token_features) logit += f.value * model.span_weight(f.bucket);
      result.tokens[t].toxic_span = sigmoid(logit);
      result.tokens[t].highlighted = result.tokens[t].toxic_span >= info.span_threshold;
    }
  }

  if (options.sentences) {
    result.sentences.reserve(normalized.sentences.size());
    for (const Sentence& s : normalized.sentences) {
      SentenceScore ss;
      ss.where = s.where;
      if (normalized.sentences.size() == 1) {
        ss.scores = result.scores;
      } else {
        extract_features(normalized, info.features, t_features, s.token_begin, s.token_end);
        ss.scores = calibrate(info, raw_probabilities(model, t_features));
      }
      result.sentences.push_back(ss);
    }
  }
  return result;
}

}  // namespace comity
