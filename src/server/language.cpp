#include "server/language.h"

#include "comity/language_detection.h"
#include "comity/language_profile.h"
#include "server/google_error.h"

namespace comity::server {

ResolvedLanguages resolve_languages(const std::vector<std::string>& requested,
                                    std::string_view text) {
  ResolvedLanguages resolved;
  resolved.detected = detect_language(text).languages;
  if (!requested.empty()) {
    resolved.requested = true;
    resolved.effective = requested;
    // An unusable first tag is refused per attribute (check_languages_supported).
    resolved.scoring = first_language_tag(requested);
    return resolved;
  }
  resolved.effective = {resolved.detected.front()};
  resolved.scoring = resolved.detected.front();
  return resolved;
}

void check_languages_supported(const std::string& attribute_name, Attribute attribute,
                               const ResolvedLanguages& languages, const Analyzer& analyzer) {
  bool all_served = true;
  for (const std::string& tag : languages.effective) {
    const std::string code = canonical_language(tag);
    const ModelDescription* model = code.empty() ? nullptr : analyzer.model_for(code);
    all_served = all_served && model != nullptr && model->serves(attribute, code);
  }
  if (all_served) return;
  std::string list;
  for (const auto& code : languages.effective) list += (list.empty() ? "" : ", ") + code;
  nlohmann::json detail = perspective_error_detail(kLanguageNotSupported);
  detail["languageNotSupportedByAttributeError"] = {
      {languages.requested ? "requestedLanguages" : "detectedLanguages", languages.effective},
      {"attribute", attribute_name}};
  throw ApiError(400,
                 "Attribute " + attribute_name + " does not support request languages: " + list,
                 nlohmann::json::array({detail}));
}

RoutedScore score_routed(const Analyzer& analyzer, std::string_view text,
                         const std::vector<std::string>& requested, const ScoreOptions& options) {
  std::string language = first_language_tag(requested);
  if (language.empty()) language = detect_language(text).languages.front();
  const ModelDescription* model = analyzer.model_for(language);
  RoutedScore out{analyzer.score_in(text, language, options), language,
                  model != nullptr ? model : &analyzer.fallback_model()};
  return out;
}

}  // namespace comity::server
