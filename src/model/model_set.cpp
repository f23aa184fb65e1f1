#include "comity/model_set.h"

#include <algorithm>
#include <set>
#include <stdexcept>

#include "comity/language_profile.h"
#include "comity/model.h"

namespace comity {
namespace {

bool lists(const ModelInfo& info, std::string_view language) {
  return std::find(info.languages.begin(), info.languages.end(), language) != info.languages.end();
}

}  // namespace

ModelSet::ModelSet(std::vector<std::pair<std::shared_ptr<const Classifier>, std::string>> models) {
  if (models.empty()) throw std::invalid_argument("a model set needs at least one model");
  for (auto& [model, path] : models) {
    Scorer scorer(model);
    members_.push_back({std::move(model), std::move(scorer), std::move(path)});
  }
}

const ModelSetMember* ModelSet::for_language(std::string_view canonical) const {
  for (const ModelSetMember& m : members_) {
    if (lists(m.model->info(), canonical)) return &m;
  }
  return nullptr;
}

const ModelSetMember& ModelSet::fallback() const {
  const ModelSetMember* best = &members_.front();
  for (const ModelSetMember& m : members_) {
    if (m.model->info().languages.size() > best->model->info().languages.size()) best = &m;
  }
  return *best;
}

std::vector<std::string> ModelSet::languages() const {
  std::set<std::string> all;
  for (const ModelSetMember& m : members_) {
    all.insert(m.model->info().languages.begin(), m.model->info().languages.end());
  }
  return {all.begin(), all.end()};
}

std::vector<std::string> ModelSet::languages(Attribute attribute) const {
  std::vector<std::string> out;
  for (const std::string& code : languages()) {
    if (serves(attribute, code)) out.push_back(code);
  }
  return out;
}

bool ModelSet::serves(Attribute attribute, std::string_view canonical) const {
  const ModelSetMember* m = for_language(canonical);
  return m != nullptr && m->model->info().serves(attribute, canonical);
}

LanguageRoute ModelSet::route(std::string_view text,
                              const std::vector<std::string>& requested) const {
  LanguageRoute r;
  r.language = first_language_tag(requested);
  r.requested = !r.language.empty();
  if (!r.requested) {
    LanguageGuess guess = detect_language(text);
    r.detected = std::move(guess.languages);
    // The likeliest language a model serves: CLD2 names Serbian for some Russian and
    // Malay for some Indonesian, with the served language second. Never English unless
    // it comes first: a German text is not scored as English for lack of a German model.
    const auto served =
        std::find_if(r.detected.begin(), r.detected.end(), [&](const std::string& code) {
          return for_language(code) != nullptr && (code != "en" || &code == &r.detected.front());
        });
    r.language = served != r.detected.end() ? *served : r.detected.front();
    // Malay and Indonesian are two standards of one language: CLD2 names Malay for much
    // Indonesian, and an Indonesian model reads Malay better than a fallback.
    if (served == r.detected.end() && r.language == "ms" && for_language("id") != nullptr) {
      r.language = "id";
    }
  }
  r.member = for_language(r.language);
  return r;
}

ScoreResult ModelSet::score(std::string_view text, const LanguageRoute& route,
                            const ScoreOptions& options) const {
  const ModelSetMember& m = route.member != nullptr ? *route.member : fallback();
  return m.scorer.score(text, language_profile(route.language), options);
}

ModelSet load_model_set(const std::vector<std::string>& paths) {
  std::vector<std::pair<std::shared_ptr<const Classifier>, std::string>> models;
  for (const std::string& path : paths) models.emplace_back(load_classifier(path), path);
  return ModelSet(std::move(models));
}

std::vector<std::string> split_model_paths(std::string_view comma_separated) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= comma_separated.size()) {
    const std::size_t end = std::min(comma_separated.find(',', start), comma_separated.size());
    if (end > start) out.emplace_back(comma_separated.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

}  // namespace comity
