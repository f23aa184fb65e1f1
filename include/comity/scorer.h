// The scoring engine's entry point: text in, calibrated attribute probabilities,
// sentence scores and token highlights out.
#pragma once
#include <memory>
#include <string_view>
#include <vector>

#include "comity/attributes.h"
#include "comity/classifier.h"
#include "comity/language_profile.h"
#include "comity/text.h"

namespace comity {

struct ScoreOptions {
  bool sentences = false;  // per-sentence scores (Perspective's spanAnnotations)
  bool tokens = false;     // per-token scores for highlighting
};

struct SentenceScore {
  TextRange where;
  AttributeScores scores{};
};

struct ScoreResult {
  AttributeScores scores{};  // calibrated probabilities
  AttributeScores raw{};     // uncalibrated model probabilities
  std::vector<SentenceScore> sentences;
  std::vector<TokenScore> tokens;
};

class Scorer {
 public:
  explicit Scorer(std::shared_ptr<const Classifier> model);
  // `text` must be valid UTF-8. Thread-safe: one Scorer may serve many threads.
  ScoreResult score(std::string_view text, const ScoreOptions& options = {}) const;
  // The same for text in the language of `profile` (comity/language_profile.h).
  ScoreResult score(std::string_view text, const LanguageProfile& profile,
                    const ScoreOptions& options = {}) const;
  const Classifier& model() const { return *model_; }

 private:
  std::shared_ptr<const Classifier> model_;
};

}  // namespace comity
