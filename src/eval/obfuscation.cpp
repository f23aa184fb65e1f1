#include <string>
#include <utility>
#include <vector>

#include "comity/eval.h"
#include "comity/utf8.h"

namespace comity {
namespace {

bool is_vowel(char c) { return c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u'; }

std::string map_letters(const std::string& word, char32_t (*f)(char)) {
  std::string out;
  for (char c : word) append_utf8(out, f(c));
  return out;
}

}  // namespace

std::vector<std::pair<std::string, std::string>> obfuscated_variants(const std::string& word) {
  std::vector<std::pair<std::string, std::string>> out;
  if (word.size() < 3) return out;
  // Mask the first vowel after the first letter: f*ck, sh*t, b*tch.
  for (std::size_t i = 1; i + 1 < word.size(); ++i) {
    if (is_vowel(word[i])) {
      out.emplace_back("mask", word.substr(0, i) + "*" + word.substr(i + 1));
      break;
    }
  }
  std::string leet = word;
  for (char& c : leet) {
    switch (c) {
      case 'a':
        c = '4';
        break;
      case 'e':
        c = '3';
        break;
      case 'i':
        c = '1';
        break;
      case 'o':
        c = '0';
        break;
      case 's':
        c = '$';
        break;
      default:
        break;
    }
  }
  if (leet != word) out.emplace_back("leet", leet);
  std::string dotted, spaced;
  for (std::size_t i = 0; i < word.size(); ++i) {
    if (i) {
      dotted += '.';
      spaced += ' ';
    }
    dotted += word[i];
    spaced += word[i];
  }
  out.emplace_back("dotted", dotted);
  out.emplace_back("spaced", spaced);
  for (std::size_t i = 1; i < word.size(); ++i) {
    if (is_vowel(word[i])) {
      out.emplace_back("elongated",
                       word.substr(0, i) + std::string(4, word[i]) + word.substr(i + 1));
      break;
    }
  }
  out.emplace_back("accented", map_letters(word, [](char c) -> char32_t {
                     switch (c) {
                       case 'a':
                         return U'\u00e4';
                       case 'e':
                         return U'\u00e9';
                       case 'i':
                         return U'\u00ef';
                       case 'o':
                         return U'\u00f6';
                       case 'u':
                         return U'\u00fc';
                       default:
                         return static_cast<char32_t>(c);
                     }
                   }));
  out.emplace_back("cyrillic", map_letters(word, [](char c) -> char32_t {
                     switch (c) {
                       case 'a':
                         return U'\u0430';
                       case 'e':
                         return U'\u0435';
                       case 'o':
                         return U'\u043e';
                       case 'c':
                         return U'\u0441';
                       case 'p':
                         return U'\u0440';
                       case 'x':
                         return U'\u0445';
                       case 'y':
                         return U'\u0443';
                       case 'i':
                         return U'\u0456';
                       default:
                         return static_cast<char32_t>(c);
                     }
                   }));
  out.emplace_back("fullwidth", map_letters(word, [](char c) -> char32_t {
                     return c >= 'a' && c <= 'z' ? U'\uff41' + static_cast<char32_t>(c - 'a')
                                                 : static_cast<char32_t>(c);
                   }));
  std::string zw = word.substr(0, 1);
  append_utf8(zw, U'\u200b');
  zw += word.substr(1);
  out.emplace_back("zero_width", zw);
  std::string upper = word;
  for (char& c : upper) c = static_cast<char>(c >= 'a' && c <= 'z' ? c - 32 : c);
  out.emplace_back("uppercase", upper);
  return out;
}

}  // namespace comity
