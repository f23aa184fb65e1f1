// Several models behind one routing rule, so a deployment can serve English with an
// English model and every other language with a multilingual one.
//
// Invariant: a text in language L is scored by the first model (in load order)
// whose `languages` include L, and normalised with L's profile. A language no model
// lists is not supported; callers that must score anyway (imports, the moderation
// intake) use fallback(): the model that lists the most languages, never silently
// the first (English) one.
#pragma once
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "comity/classifier.h"
#include "comity/language_detection.h"
#include "comity/scorer.h"

namespace comity {

struct ModelSetMember {
  std::shared_ptr<const Classifier> model;
  Scorer scorer;
  std::string path;
};

// The language a text is scored in, and how it was chosen.
struct LanguageRoute {
  std::string language;                    // canonical code the text is scored in
  std::vector<std::string> detected;       // detection's ranking (empty when not run)
  bool requested = false;                  // the caller named the language
  const ModelSetMember* member = nullptr;  // nullptr: no model serves `language`
};

class ModelSet {
 public:
  // `models` in routing order, each with the path it came from. Throws
  // std::invalid_argument when empty.
  explicit ModelSet(std::vector<std::pair<std::shared_ptr<const Classifier>, std::string>> models);

  const ModelSetMember* for_language(std::string_view canonical) const;
  const ModelSetMember& fallback() const;
  const ModelSetMember& primary() const { return members_.front(); }
  const std::vector<ModelSetMember>& members() const { return members_; }
  // Every language some model serves, sorted.
  std::vector<std::string> languages() const;
  // Languages in which `attribute` is served, sorted.
  std::vector<std::string> languages(Attribute attribute) const;
  bool serves(Attribute attribute, std::string_view canonical) const;

  // The route for `text`: the first of `requested` tags that canonicalises (the
  // caller's word wins), else detect_language()'s first choice.
  LanguageRoute route(std::string_view text, const std::vector<std::string>& requested = {}) const;

  // Scores with the route's model, or fallback() when it has none, normalising with
  // the route language's profile.
  ScoreResult score(std::string_view text, const LanguageRoute& route,
                    const ScoreOptions& options = {}) const;

 private:
  std::vector<ModelSetMember> members_;
};

// Loads each file (load_classifier) in order.
ModelSet load_model_set(const std::vector<std::string>& paths);

// "a.cmodel,b.cmodel" -> {"a.cmodel", "b.cmodel"}; empty items are dropped.
std::vector<std::string> split_model_paths(std::string_view comma_separated);

}  // namespace comity
