// Character-level de-obfuscation rules: leetspeak substitutions and letter elongation.
#pragma once
#include <string>
#include <string_view>

namespace comity::text {

// The letter a leetspeak character stands for ('4' -> 'a', '$' -> 's'), or 0.
char leet_letter(char c);

// True for characters used to mask letters inside a word ("f*ck", "sh#t").
bool is_mask_char(char c);

// Collapses runs of `keep`+1 or more identical code points down to `keep` copies,
// but only runs of at least 3 ("fuuuck" -> "fuck", "good" stays). Returns true if
// anything changed.
bool collapse_elongation(std::string_view word, std::size_t keep, std::string& out);

}  // namespace comity::text
