#include "comity/scorer.h"

#include <cmath>

#include "common/splitmix.h"

namespace comity {
namespace {

AttributeScores probabilities(const float* logits) {
  AttributeScores p{};
  for (std::size_t a = 0; a < kNumAttributes; ++a) p[a] = sigmoid(logits[a]);
  return p;
}

AttributeScores calibrate(const ModelInfo& info, const AttributeScores& raw) {
  AttributeScores out{};
  for (std::size_t a = 0; a < kNumAttributes; ++a) out[a] = info.calibration[a].apply(raw[a]);
  return out;
}

}  // namespace

Scorer::Scorer(std::shared_ptr<const Classifier> model) : model_(std::move(model)) {}

ScoreResult Scorer::score(std::string_view text, const ScoreOptions& options) const {
  return score(text, language_profile("en"), options);
}

ScoreResult Scorer::score(std::string_view text, const LanguageProfile& profile,
                          const ScoreOptions& options) const {
  const Classifier& model = *model_;
  const ModelInfo& info = model.info();
  const NormalizedText normalized = normalize(text, profile);

  ScoreResult result;
  float logits[kNumAttributes];
  model.logits(normalized, 0, UINT32_MAX, logits);
  result.raw = probabilities(logits);
  result.scores = calibrate(info, result.raw);

  if (options.tokens) {
    model.token_evidence(normalized, result.tokens);
    for (TokenScore& t : result.tokens) t.highlighted = t.toxic_span >= info.span_threshold;
  }

  if (options.sentences) {
    result.sentences.reserve(normalized.sentences.size());
    for (const Sentence& s : normalized.sentences) {
      SentenceScore ss;
      ss.where = s.where;
      if (normalized.sentences.size() == 1) {
        ss.scores = result.scores;
      } else {
        model.logits(normalized, s.token_begin, s.token_end, logits);
        ss.scores = calibrate(info, probabilities(logits));
      }
      result.sentences.push_back(ss);
    }
  }
  return result;
}

}  // namespace comity
