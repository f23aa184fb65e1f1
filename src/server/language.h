// The request side of languages: which language a request's text is scored in (the
// client's `languages`, else detection), and the check that every requested
// attribute is served in it. One routing for analyze, the native API, the
// moderation intake, imports and thread reports.
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "comity/attributes.h"
#include "comity/scorer.h"
#include "server/analyzer.h"

namespace comity::server {

struct ResolvedLanguages {
  std::vector<std::string> effective;  // the request's languages as sent, else the detected one
  std::vector<std::string> detected;   // canonical, most likely first
  std::string scoring;                 // canonical code the text is scored in
  bool requested = false;
};

// Detection always runs (responses report detectedLanguages beside the requested
// ones); the requested languages win. Never throws: a text without letters is "en".
ResolvedLanguages resolve_languages(const std::vector<std::string>& requested,
                                    std::string_view text);

// Throws Perspective's LANGUAGE_NOT_SUPPORTED_BY_ATTRIBUTE error for `attribute`
// when one of the effective languages is not served for it by `analyzer`.
void check_languages_supported(const std::string& attribute_name, Attribute attribute,
                               const ResolvedLanguages& languages, const Analyzer& analyzer);

// Scores `text` in its language: the first of `requested` (tags, any case) or the
// detected one; by the model serving it, else the fallback model.
struct RoutedScore {
  ScoreResult result;
  std::string language;                     // canonical code it was scored in
  const ModelDescription* model = nullptr;  // the model that scored it
};
RoutedScore score_routed(const Analyzer& analyzer, std::string_view text,
                         const std::vector<std::string>& requested, const ScoreOptions& options);

}  // namespace comity::server
