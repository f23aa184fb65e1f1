// The de-obfuscation lexicon of a language profile. It is not a classifier: it only
// arbitrates de-obfuscation where the letters alone are ambiguous ("f*ck", "@ss",
// "asssss" -> "ass" rather than "as", "с*ка" -> "сука").
#pragma once
#include <optional>
#include <string_view>

#include "comity/language_profile.h"

namespace comity::text {

bool in_lexicon(std::string_view word, const LanguageProfile& profile);

// The single lexicon word with as many code points as `pattern` that it matches,
// where '*' stands for any one letter; nullopt if none or several match.
std::optional<std::string_view> unique_lexicon_match(std::string_view pattern,
                                                     const LanguageProfile& profile);

}  // namespace comity::text
