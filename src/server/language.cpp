#include "server/language.h"

#include <cld2/public/compact_lang_det.h>
#include <cld2/public/encodings.h>
#include <algorithm>
#include <cctype>

#include "server/google_error.h"

namespace comity::server {
namespace {

constexpr std::size_t kShortTextLetters = 50;

struct ScriptCounts {
  std::size_t ascii_letters = 0;
  std::size_t other_letters = 0;  // non-ASCII code points in alphabetic/ideographic blocks
};

ScriptCounts count_scripts(std::string_view text) {
  ScriptCounts counts;
  for (std::size_t i = 0; i < text.size();) {
    const auto byte = static_cast<unsigned char>(text[i]);
    if (byte < 0x80) {
      if (std::isalpha(byte)) ++counts.ascii_letters;
      ++i;
      continue;
    }
    std::size_t length = byte >= 0xF0 ? 4 : byte >= 0xE0 ? 3 : 2;
    char32_t cp = byte & (length == 2 ? 0x1F : length == 3 ? 0x0F : 0x07);
    for (std::size_t k = 1; k < length && i + k < text.size(); ++k) {
      cp = (cp << 6) | (static_cast<unsigned char>(text[i + k]) & 0x3F);
    }
    i += length;
    // Letters of other scripts; punctuation, symbols and emoji are neutral.
    const bool letter_block = (cp >= 0x00C0 && cp < 0x2000) || (cp >= 0x3040 && cp < 0xA000) ||
                              (cp >= 0xAC00 && cp < 0xD7B0);
    if (letter_block) ++counts.other_letters;
  }
  return counts;
}

std::string lowercase(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  std::replace(out.begin(), out.end(), '_', '-');
  return out;
}

}  // namespace

std::vector<std::string> detect_languages(std::string_view utf8_text) {
  CLD2::Language top3[3] = {CLD2::UNKNOWN_LANGUAGE, CLD2::UNKNOWN_LANGUAGE, CLD2::UNKNOWN_LANGUAGE};
  int percent3[3] = {0, 0, 0};
  int text_bytes = 0;
  bool reliable = false;
  CLD2::DetectLanguageSummary(utf8_text.data(), static_cast<int>(utf8_text.size()), true, top3,
                              percent3, &text_bytes, &reliable);
  std::vector<std::string> detected;
  for (CLD2::Language language : top3) {
    if (language == CLD2::UNKNOWN_LANGUAGE || language == CLD2::TG_UNKNOWN_LANGUAGE) continue;
    std::string code = CLD2::LanguageCode(language);
    if (std::find(detected.begin(), detected.end(), code) == detected.end())
      detected.push_back(code);
  }

  const ScriptCounts counts = count_scripts(utf8_text);
  const std::size_t letters = counts.ascii_letters + counts.other_letters;
  const bool mostly_ascii_latin = counts.ascii_letters * 10 >= letters * 9;
  const bool weak = !reliable || counts.ascii_letters < kShortTextLetters || detected.empty();
  if (letters == 0 || (mostly_ascii_latin && weak)) {
    detected.erase(std::remove(detected.begin(), detected.end(), "en"), detected.end());
    detected.insert(detected.begin(), "en");
  }
  return detected;
}

bool language_supported(std::string_view code, const std::vector<std::string>& supported) {
  const std::string tag = lowercase(code);
  const std::string primary = tag.substr(0, tag.find('-'));
  return std::any_of(supported.begin(), supported.end(), [&](const std::string& candidate) {
    const std::string other = lowercase(candidate);
    return other == tag || other == primary;
  });
}

ResolvedLanguages resolve_languages(const std::vector<std::string>& requested,
                                    std::string_view text) {
  ResolvedLanguages resolved;
  resolved.detected = detect_languages(text);
  if (!requested.empty()) {
    resolved.effective = requested;
  } else if (!resolved.detected.empty()) {
    resolved.effective = {resolved.detected.front()};
  } else {
    throw invalid_argument("Unable to detect language", kLanguageDetectionFailed);
  }
  return resolved;
}

void check_languages_supported(const std::string& attribute_name,
                               const ResolvedLanguages& languages, bool requested,
                               const std::vector<std::string>& supported) {
  const bool all_supported =
      std::all_of(languages.effective.begin(), languages.effective.end(),
                  [&](const std::string& code) { return language_supported(code, supported); });
  if (all_supported) return;
  std::string list;
  for (const auto& code : languages.effective) list += (list.empty() ? "" : ", ") + code;
  nlohmann::json detail = perspective_error_detail(kLanguageNotSupported);
  detail["languageNotSupportedByAttributeError"] = {
      {requested ? "requestedLanguages" : "detectedLanguages", languages.effective},
      {"attribute", attribute_name}};
  throw ApiError(400,
                 "Attribute " + attribute_name + " does not support request languages: " + list,
                 nlohmann::json::array({detail}));
}

}  // namespace comity::server
