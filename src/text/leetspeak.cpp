// Leetspeak and elongation rules (which of them apply is decided by the normaliser).
#include "leetspeak.h"

namespace comity::text {

char leet_letter(char c) {
  switch (c) {
    case '0':
      return 'o';
    case '1':
    case '!':
      return 'i';
    case '3':
      return 'e';
    case '4':
    case '@':
      return 'a';
    case '5':
    case '$':
      return 's';
    case '7':
      return 't';
    default:
      return 0;
  }
}

bool is_mask_char(char c) { return c == '*' || c == '#' || c == '%'; }

namespace {
std::size_t code_point_length(unsigned char lead) {
  return lead < 0x80 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4;
}
}  // namespace

bool collapse_elongation(std::string_view word, std::size_t keep, std::string& out) {
  out.clear();
  // Almost no word is elongated: find out cheaply before rebuilding it.
  bool triple = false;
  for (std::size_t i = 2; i < word.size() && !triple; ++i) {
    triple = word[i] == word[i - 1] && word[i] == word[i - 2];
  }
  if (!triple) {
    out.assign(word);
    return false;
  }
  bool changed = false;
  std::size_t pos = 0;
  while (pos < word.size()) {
    const std::size_t len = code_point_length(static_cast<unsigned char>(word[pos]));
    const std::string_view cp = word.substr(pos, len);
    std::size_t run = 1;
    while (word.substr(pos + run * len, len) == cp) ++run;
    // Digits and masks are not letters: "1000" and "f***" keep their length.
    const bool letter = !(len == 1 && (cp[0] == '*' || (cp[0] >= '0' && cp[0] <= '9')));
    const std::size_t copies = letter && run >= 3 ? keep : run;
    for (std::size_t i = 0; i < copies; ++i) out.append(cp);
    changed = changed || copies != run;
    pos += run * len;
  }
  return changed;
}

}  // namespace comity::text
