// What the HTTP layer needs from the scoring engine. Handlers only see this
// interface, so the JSON/HTTP layer is testable with a fake, and a model reload
// swaps one immutable Analyzer for another.
#pragma once
#include <algorithm>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "comity/model.h"
#include "comity/scorer.h"

namespace comity::server {

struct ModelDescription {
  std::string name;
  std::string version;
  std::vector<std::string> languages;  // canonical codes the model serves
  // Attributes served in only some of `languages` (ModelInfo::attribute_languages).
  std::map<Attribute, std::vector<std::string>> attribute_languages;
  std::uint64_t checksum = 0;
  std::string recipe_sha256;
  std::string created_by;
  std::string quality_json;  // free-form JSON object, may be empty
  std::string path;          // file it was loaded from

  bool lists(std::string_view language) const {
    return std::find(languages.begin(), languages.end(), language) != languages.end();
  }
  bool serves(Attribute attribute, std::string_view language) const {
    return attribute_served(languages, attribute_languages, attribute, language);
  }
};

class Analyzer {
 public:
  virtual ~Analyzer() = default;
  // `text` is valid UTF-8. Thread-safe. Scored by the primary model as English.
  virtual ScoreResult score(std::string_view text, const ScoreOptions& options) const = 0;
  // The primary model: the first loaded, the one whose version names the deployment.
  virtual const ModelDescription& model() const = 0;

  // Languages (comity/model_set.h). An analyzer of one model serves model().languages.
  virtual std::vector<const ModelDescription*> models() const { return {&model()}; }
  // The model that scores `language` (canonical), or nullptr when none serves it.
  const ModelDescription* model_for(std::string_view language) const {
    for (const ModelDescription* m : models()) {
      if (m->lists(language)) return m;
    }
    return nullptr;
  }
  // The model used for a language none serves: the one with the most languages.
  const ModelDescription& fallback_model() const {
    const ModelDescription* best = &model();
    for (const ModelDescription* m : models()) {
      if (m->languages.size() > best->languages.size()) best = m;
    }
    return *best;
  }
  // The languages `attribute` is served in, each by the model that routes it; sorted.
  std::vector<std::string> served_languages(Attribute attribute) const {
    std::vector<std::string> out;
    for (const ModelDescription* m : models()) {
      for (const std::string& code : m->languages) {
        if (model_for(code) == m && m->serves(attribute, code)) out.push_back(code);
      }
    }
    std::sort(out.begin(), out.end());
    return out;
  }
  // Scores text in `language` with model_for(language), else fallback_model(),
  // normalised with that language's profile.
  virtual ScoreResult score_in(std::string_view text, std::string_view language,
                               const ScoreOptions& options) const {
    (void)language;
    return score(text, options);
  }
};

// The analyzer currently serving. Requests take one snapshot and use it
// throughout, so a reload never mixes two models in one response.
class AnalyzerSlot {
 public:
  explicit AnalyzerSlot(std::shared_ptr<const Analyzer> initial = nullptr)
      : current_(std::move(initial)) {}
  std::shared_ptr<const Analyzer> get() const {
    std::lock_guard lock(mutex_);
    return current_;
  }
  void set(std::shared_ptr<const Analyzer> next) {
    std::lock_guard lock(mutex_);
    current_.swap(next);
    // `next` (the old analyzer) is released outside callers' snapshots.
  }

 private:
  mutable std::mutex mutex_;
  std::shared_ptr<const Analyzer> current_;
};

}  // namespace comity::server
