// A small built-in list of profanity and insults. It is not a classifier: it only
// arbitrates de-obfuscation where the letters alone are ambiguous ("f*ck", "@ss",
// "asssss" -> "ass" rather than "as").
#pragma once
#include <optional>
#include <string_view>

namespace comity::text {

bool in_lexicon(std::string_view word);

// The single lexicon word of the same length that `pattern` matches, where '*'
// stands for any one letter; nullopt if none or several match.
std::optional<std::string_view> unique_lexicon_match(std::string_view pattern);

}  // namespace comity::text
