// Which language a comment is written in: CLD2's statistics where the text is long
// enough for them, the script where the script decides (Hangul is Korean), and the
// language profiles' function words for short Latin-script text.
#pragma once
#include <string>
#include <string_view>
#include <vector>

namespace comity {

struct LanguageGuess {
  // Canonical codes (canonical_language), most likely first. Never empty: text with no
  // letters, or Latin letters and no evidence for another language, is "en".
  std::vector<std::string> languages;
  // False when the first language is a default rather than evidence (no letters, or a
  // short ASCII text with no function word of any language).
  bool reliable = false;
};

// `utf8_text` must be valid UTF-8.
LanguageGuess detect_language(std::string_view utf8_text);

}  // namespace comity
