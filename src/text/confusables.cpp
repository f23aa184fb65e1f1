// Homoglyph folding: code points that are drawn like a Latin letter or digit
// and are used to slip words past filters ("іdіоt" spelled with Cyrillic і and о).
#include "confusables.h"

#include <utf8proc.h>

#include <algorithm>
#include <iterator>
#include <utility>

#include "comity/text.h"

namespace comity {
namespace {

// Sorted by code point. Capitals map to capitals so the fold can run before case folding
// (Greek "ΗΑΤΕ" reads as Latin HATE, but its lowercase "ηατε" does not).
constexpr std::pair<char32_t, char32_t> kLookAlikes[] = {
    {0x0131, 'i'},
    {0x01C0, 'l'},
    {0x0237, 'j'},
    {0x0251, 'a'},
    {0x0261, 'g'},
    {0x0262, 'g'},
    {0x0269, 'i'},
    {0x026A, 'i'},
    {0x0274, 'n'},
    {0x0280, 'r'},
    {0x028F, 'y'},
    {0x0299, 'b'},
    {0x029C, 'h'},
    {0x029F, 'l'},
    // Greek capitals and small letters.
    {0x0391, 'A'},
    {0x0392, 'B'},
    {0x0395, 'E'},
    {0x0396, 'Z'},
    {0x0397, 'H'},
    {0x0399, 'I'},
    {0x039A, 'K'},
    {0x039C, 'M'},
    {0x039D, 'N'},
    {0x039F, 'O'},
    {0x03A1, 'P'},
    {0x03A4, 'T'},
    {0x03A5, 'Y'},
    {0x03A7, 'X'},
    {0x03B1, 'a'},
    {0x03B3, 'y'},
    {0x03B5, 'e'},
    {0x03B9, 'i'},
    {0x03BA, 'k'},
    {0x03BD, 'v'},
    {0x03BF, 'o'},
    {0x03C1, 'p'},
    {0x03C4, 't'},
    {0x03C5, 'u'},
    {0x03C7, 'x'},
    {0x03F2, 'c'},
    {0x03F3, 'j'},
    {0x03F9, 'C'},
    // Cyrillic capitals and small letters.
    {0x0405, 'S'},
    {0x0406, 'I'},
    {0x0408, 'J'},
    {0x0410, 'A'},
    {0x0412, 'B'},
    {0x0415, 'E'},
    {0x041A, 'K'},
    {0x041C, 'M'},
    {0x041D, 'H'},
    {0x041E, 'O'},
    {0x0420, 'P'},
    {0x0421, 'C'},
    {0x0422, 'T'},
    {0x0423, 'Y'},
    {0x0425, 'X'},
    {0x0430, 'a'},
    {0x0435, 'e'},
    {0x043A, 'k'},
    {0x043E, 'o'},
    {0x0440, 'p'},
    {0x0441, 'c'},
    {0x0443, 'y'},
    {0x0445, 'x'},
    {0x0451, 'e'},
    {0x0455, 's'},
    {0x0456, 'i'},
    {0x0457, 'i'},
    {0x0458, 'j'},
    {0x0475, 'v'},
    {0x04AE, 'Y'},
    {0x04AF, 'y'},
    {0x04BA, 'H'},
    {0x04BB, 'h'},
    {0x04C0, 'l'},
    {0x04CF, 'l'},
    {0x0500, 'D'},
    {0x0501, 'd'},
    {0x051A, 'Q'},
    {0x051B, 'q'},
    {0x051C, 'W'},
    {0x051D, 'w'},
    // Latin small capitals.
    {0x1D00, 'a'},
    {0x1D04, 'c'},
    {0x1D05, 'd'},
    {0x1D07, 'e'},
    {0x1D0A, 'j'},
    {0x1D0B, 'k'},
    {0x1D0D, 'm'},
    {0x1D0F, 'o'},
    {0x1D18, 'p'},
    {0x1D1B, 't'},
    {0x1D1C, 'u'},
    {0x1D20, 'v'},
    {0x1D21, 'w'},
    {0x1D22, 'z'},
    // Letterlike symbols without a compatibility decomposition to a letter.
    {0x2113, 'l'},
    {0x212E, 'e'},
    // Latin small capitals from Latin Extended-D.
    {0xA730, 'f'},
    {0xA731, 's'},
    {0xA7AF, 'q'},
};
static_assert(std::is_sorted(std::begin(kLookAlikes), std::end(kLookAlikes)),
              "binary search needs the table sorted by code point");

char32_t look_alike(char32_t cp) {
  const auto it =
      std::lower_bound(std::begin(kLookAlikes), std::end(kLookAlikes), cp,
                       [](const auto& entry, char32_t key) { return entry.first < key; });
  return it != std::end(kLookAlikes) && it->first == cp ? it->second : cp;
}

// Blocks whose compatibility decomposition is a plain Latin letter or digit, plus
// (after decomposition) a Greek letter for the mathematical Greek alphabets.
bool has_latin_compat_form(char32_t cp) {
  return (cp >= 0x1D400 && cp <= 0x1D7FF) || (cp >= 0xFF01 && cp <= 0xFF5E) ||
         (cp >= 0x2100 && cp <= 0x214F) || (cp >= 0x2460 && cp <= 0x24FF) ||
         (cp >= 0x1F100 && cp <= 0x1F149);
}

}  // namespace

char32_t fold_confusable(char32_t cp) {
  if (cp < 0x80) return cp;
  // Negative circled / squared capitals have no decomposition at all.
  if (cp >= 0x1F150 && cp <= 0x1F169) return U'A' + (cp - 0x1F150);
  if (cp >= 0x1F170 && cp <= 0x1F189) return U'A' + (cp - 0x1F170);
  if (has_latin_compat_form(cp)) {
    utf8proc_int32_t buf[4];
    int last_boundclass = 0;
    const auto n = utf8proc_decompose_char(
        static_cast<utf8proc_int32_t>(cp), buf, 4,
        static_cast<utf8proc_option_t>(UTF8PROC_DECOMPOSE | UTF8PROC_COMPAT), &last_boundclass);
    if (n == 1) {
      const auto base = static_cast<char32_t>(buf[0]);
      return base < 0x80 ? base : look_alike(base);
    }
    return cp;
  }
  return look_alike(cp);
}

namespace text {

bool is_cross_script(char32_t cp) {
  return (cp >= 0x0370 && cp <= 0x052F) || (cp >= 0x1C80 && cp <= 0x1C8F) ||
         (cp >= 0x1F00 && cp <= 0x1FFF) || (cp >= 0x2DE0 && cp <= 0x2DFF) ||
         (cp >= 0xA640 && cp <= 0xA69F);
}

}  // namespace text
}  // namespace comity

namespace comity::text {

bool fold_latin_to_cyrillic(std::string& word) {
  // Lower-case Latin letters and the Cyrillic letter each is written like.
  static constexpr std::string_view kLookalike[26] = {"а", "в", "с", "",  "е", "",  "",  "н", "",
                                                      "",  "к", "",  "м", "",  "о", "р", "",  "",
                                                      "",  "т", "",  "",  "",  "х", "у", ""};
  std::string out;
  bool changed = false;
  for (const char c : word) {
    if (c >= 'a' && c <= 'z' && !kLookalike[c - 'a'].empty()) {
      out.append(kLookalike[c - 'a']);
      changed = true;
    } else {
      out.push_back(c);
    }
  }
  if (changed) word.swap(out);
  return changed;
}

}  // namespace comity::text
