// Language detection for requests without `languages`, and the check that every
// requested attribute supports the effective languages.
#pragma once
#include <string>
#include <string_view>
#include <vector>

namespace comity::server {

// Detected languages, most likely first; empty when detection failed.
// Short or unreliable text written mostly in ASCII Latin letters is reported as
// English first: CLD2 (like Perspective) misreads short English as Turkish,
// Italian or "und", and rejecting it is the worse failure.
std::vector<std::string> detect_languages(std::string_view utf8_text);

// True when `code` ("en", "EN", "en-US", "en_GB") names one of `supported`
// (ISO-639-1 codes or BCP-47 tags), comparing case-insensitively either the whole
// tag or its primary subtag.
bool language_supported(std::string_view code, const std::vector<std::string>& supported);

}  // namespace comity::server

namespace comity::server {

struct ResolvedLanguages {
  std::vector<std::string> effective;  // the request's languages, else the top detected one
  std::vector<std::string> detected;   // most likely first
};

// Detects languages of `text` and picks the effective ones. Throws Perspective's
// LANGUAGE_DETECTION_FAILED ApiError when none were requested and none detected.
ResolvedLanguages resolve_languages(const std::vector<std::string>& requested,
                                    std::string_view text);

// Throws Perspective's LANGUAGE_NOT_SUPPORTED_BY_ATTRIBUTE error for `attribute_name`
// when one of the effective languages is not in `supported`.
void check_languages_supported(const std::string& attribute_name,
                               const ResolvedLanguages& languages, bool requested,
                               const std::vector<std::string>& supported);

}  // namespace comity::server
