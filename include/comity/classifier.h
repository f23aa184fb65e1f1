// The classifier seam: every model kind (the linear comity-en-1, the contextual
// comity-2) answers the same two questions, and everything that scores text (the
// Scorer, and through it `comity score`, eval, thread analysis, the server and
// moderation) asks them only through this interface.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "comity/attributes.h"
#include "comity/model.h"
#include "comity/text.h"

namespace comity {

struct TokenScore {
  TextRange where;
  std::string norm;
  AttributeScores contribution{};  // signed logit contribution per attribute
  float toxic_span = 0.f;          // probability the token belongs to a toxic span
  bool highlighted = false;        // toxic_span >= the model's span threshold
};

class Classifier {
 public:
  virtual ~Classifier() = default;
  // Name, version, languages, calibration, span threshold, recipe hash, quality.
  virtual const ModelInfo& info() const = 0;
  // "linear" or "contextual": what the model file says it is.
  virtual std::string_view architecture() const = 0;
  virtual std::uint64_t checksum() const = 0;
  virtual std::size_t file_size() const = 0;
  // Raw logits (before calibration) of tokens [token_begin, token_end) of `text`.
  virtual void logits(const NormalizedText& text, std::uint32_t token_begin,
                      std::uint32_t token_end, float* out) const = 0;
  // One entry per token of `text`: `where` and `norm` filled in, with each token's
  // signed logit contribution and toxic-span probability. `highlighted` is left to
  // the caller, which owns the threshold.
  virtual void token_evidence(const NormalizedText& text,
                              std::vector<TokenScore>& tokens) const = 0;
};

// Reads a model file of any architecture and format version. Throws ModelError.
std::shared_ptr<const Classifier> load_classifier(const std::string& path);

}  // namespace comity
