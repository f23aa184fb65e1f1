// The de-obfuscation lexicon (see lexicon.h for why it exists); the word lists live
// in the language profiles (language_profiles.cpp).
#include "lexicon.h"

#include <algorithm>

#include "comity/utf8.h"

namespace comity::text {
namespace {

// Code point by code point: a mask '*' stands for one letter of any script.
bool matches(std::string_view pattern, std::string_view word) {
  std::size_t p = 0, w = 0;
  while (p < pattern.size() && w < word.size()) {
    const char32_t letter = decode_utf8(word, w);
    if (pattern[p] == '*') {
      ++p;
    } else if (decode_utf8(pattern, p) != letter) {
      return false;
    }
  }
  return p == pattern.size() && w == word.size();
}

// English profanity is common in comments in every Latin-script language, so those
// profiles resolve to English words too.
const LanguageProfile* also_english(const LanguageProfile& profile) {
  const LanguageProfile& english = language_profile("en");
  return profile.script == Script::kLatin && &profile != &english ? &english : nullptr;
}

bool in_list(std::string_view word, const LanguageProfile& profile) {
  return std::binary_search(profile.lexicon.begin(), profile.lexicon.end(), word);
}

}  // namespace

bool in_lexicon(std::string_view word, const LanguageProfile& profile) {
  const LanguageProfile* english = also_english(profile);
  return in_list(word, profile) || (english != nullptr && in_list(word, *english));
}

std::optional<std::string_view> unique_lexicon_match(std::string_view pattern,
                                                     const LanguageProfile& profile) {
  std::optional<std::string_view> found;
  const LanguageProfile* english = also_english(profile);
  for (const LanguageProfile* list : {&profile, english}) {
    if (list == nullptr) continue;
    for (std::string_view word : list->lexicon) {
      if (!matches(pattern, word) || found == word) continue;
      if (found) return std::nullopt;
      found = word;
    }
  }
  return found;
}

}  // namespace comity::text
