// normalize(): units -> tokens, undoing obfuscation while keeping every token's
// origin in the original text.
//
// Punctuation policy: runs of '!' and '?' outside words become kSymbol tokens
// ("!", "!!", "?", "??" or "?!" for any mix), because shouting is a signal; all
// other punctuation is dropped. Emoji sequences (ZWJ, flags, keycaps) are one
// kEmoji token whose norm omits skin tones and variation selectors.
#include <string>
#include <string_view>
#include <vector>

#include "char_units.h"
#include "comity/language_profile.h"
#include "comity/text.h"
#include "confusables.h"
#include "leetspeak.h"
#include "lexicon.h"
#include "sentences.h"

namespace comity {
namespace {

using text::Unit;
using text::UnitBuffer;
using text::UnitClass;
using text::UnitSpan;

bool is_ascii_letter(std::string_view s) { return s.size() == 1 && s[0] >= 'a' && s[0] <= 'z'; }

// How one unit of a word contributes to the token.
enum class Role : std::uint8_t { kLetter, kDigit, kLeet, kMask, kApostrophe, kOther };

class Tokenizer {
 public:
  Tokenizer(std::string_view text, const UnitBuffer& buf, const LanguageProfile& profile,
            NormalizedText& out, std::vector<UnitSpan>& spans)
      : text_(text), buf_(buf), u_(buf.units), profile_(profile), out_(out), spans_(spans) {}

  void run() {
    std::size_t i = 0;
    while (i < u_.size()) {
      const Unit& x = u_[i];
      switch (x.cls) {
        case UnitClass::kEmoji:
          emit(buf_.norm(x), TokenKind::kEmoji, false, i, i);
          ++i;
          break;
        case UnitClass::kLetter:
          if (x.cjk) {
            emit(letter_text(x, x.alt_len > 0), TokenKind::kWord, false, i, i);
            ++i;
          } else if (const std::size_t end = spaced_letters(i); end > i) {
            i = end;
          } else {
            i = word(i);
          }
          break;
        case UnitClass::kDigit:
          i = word(i);
          break;
        case UnitClass::kPunct:
          if ((x.ascii == '@' || x.ascii == '$') && i + 1 < u_.size() &&
              (u_[i + 1].cls == UnitClass::kLetter || u_[i + 1].cls == UnitClass::kDigit)) {
            i = word(i);
          } else if (x.ascii == '!' || x.ascii == '?') {
            i = symbols(i);
          } else {
            ++i;
          }
          break;
        default:
          ++i;
      }
    }
  }

 private:
  bool is_word_char(std::size_t k) const {
    return k < u_.size() &&
           ((u_[k].cls == UnitClass::kLetter && !u_[k].cjk) || u_[k].cls == UnitClass::kDigit);
  }
  bool is_letter(std::size_t k) const {
    return k < u_.size() && u_[k].cls == UnitClass::kLetter && !u_[k].cjk;
  }
  std::string_view letter_text(const Unit& x, bool use_alt) const {
    return use_alt && x.alt_len > 0 ? buf_.alt(x) : buf_.norm(x);
  }

  void emit(std::string_view norm, TokenKind kind, bool obfuscated, std::size_t first,
            std::size_t last) {
    Token t;
    t.norm.assign(norm);
    t.where =
        text::range_of(u_, static_cast<std::uint32_t>(first), static_cast<std::uint32_t>(last));
    t.kind = kind;
    t.obfuscated = obfuscated;
    out_.tokens.push_back(std::move(t));
    spans_.push_back({static_cast<std::uint32_t>(first), static_cast<std::uint32_t>(last)});
  }

  std::size_t symbols(std::size_t i) {
    std::size_t j = i;
    bool bang = false, question = false;
    while (j < u_.size() && (u_[j].ascii == '!' || u_[j].ascii == '?')) {
      bang = bang || u_[j].ascii == '!';
      question = question || u_[j].ascii == '?';
      ++j;
    }
    const std::string_view norm = bang && question ? "?!"
                                  : bang           ? (j - i > 1 ? "!!" : "!")
                                                   : (j - i > 1 ? "??" : "?");
    emit(norm, TokenKind::kSymbol, false, i, j - 1);
    return j;
  }

  // "f.u.c.k", "f u c k", "f-u-c-k": single letters joined by one repeated separator.
  bool is_single_letter(std::size_t k) const {
    return is_letter(k) && !is_word_char(k + 1) && u_[k].cls == UnitClass::kLetter;
  }
  char separator_at(std::size_t k) const {
    if (k >= u_.size()) return 0;
    const Unit& s = u_[k];
    if (s.cls == UnitClass::kSpace) {
      return s.byte_end - s.byte_begin == 1 && text_[s.byte_begin] == ' ' ? ' ' : 0;
    }
    switch (s.ascii) {
      case '.':
      case '-':
      case '_':
      case '*':
      case '|':
        return s.ascii;
      default:
        return 0;
    }
  }

  std::size_t spaced_letters(std::size_t i) {
    if ((i > 0 && is_word_char(i - 1)) || !is_single_letter(i)) return i;
    const char sep = separator_at(i + 1);
    if (sep == 0) return i;
    std::size_t last = i, count = 1;
    // A letter between two different separators binds to the tighter one: a space
    // binds loosest ("f u c k f-u-c-k"), otherwise the run on the left wins.
    const auto continues = [&](std::size_t k) {
      const char next_sep = separator_at(k + 1);
      return is_single_letter(k) &&
             (sep != ' ' || next_sep == 0 || next_sep == sep || !is_letter(k + 2));
    };
    while (separator_at(last + 1) == sep && continues(last + 2)) {
      last += 2;
      ++count;
    }
    if (count < 3) return i;
    std::string& joined = scratch_a_;
    joined.clear();
    for (std::size_t k = i; k <= last; k += 2) joined.append(letter_text(u_[k], true));
    // Chat shorthand like "u r a" is common, so spaces need more evidence than dots.
    if (sep == ' ' && count < 4 && !text::in_lexicon(joined, profile_)) return i;
    emit(joined, TokenKind::kWord, true, i, last);
    return last + 1;
  }

  // Gathers the units of one word: letters, digits and the symbols that obfuscate them.
  std::size_t word(std::size_t i) {
    std::size_t j = i;
    cells_.clear();
    bool hidden = false;  // a zero-width character inside the word
    bool gap = false;     // zero-width characters since the last cell
    while (j < u_.size()) {
      const Unit& y = u_[j];
      bool take = false;
      if (y.cls == UnitClass::kLetter) {
        take = !y.cjk;
      } else if (y.cls == UnitClass::kDigit) {
        take = true;
      } else if (y.cls == UnitClass::kIgnorable) {
        gap = !cells_.empty();
        ++j;
        continue;
      } else if (y.cls == UnitClass::kPunct) {
        const char c = y.ascii;
        if (c == '\'') {
          take = !cells_.empty() && is_letter(j + 1);
        } else if (c == '.' || c == ',') {
          take = !cells_.empty() && u_[cells_.back()].cls == UnitClass::kDigit &&
                 j + 1 < u_.size() && u_[j + 1].cls == UnitClass::kDigit;
        } else if (c == '!') {
          take = !cells_.empty() && is_letter(j + 1);
        } else {
          take = c == '@' || c == '$' || text::is_mask_char(c);
        }
      }
      if (!take) break;
      hidden = hidden || gap;
      gap = false;
      cells_.push_back(static_cast<std::uint32_t>(j));
      ++j;
    }
    if (cells_.empty()) return j > i ? j : i + 1;
    // "name@example.com" is an address, not leetspeak: split it at the '@'.
    const bool address = j + 1 < u_.size() && u_[j].ascii == '.' && is_letter(j + 1);
    std::size_t begin = 0;
    for (std::size_t k = 0; k < cells_.size(); ++k) {
      if (address && u_[cells_[k]].ascii == '@') {
        finish_word(begin, k, hidden);
        begin = k + 1;
      }
    }
    finish_word(begin, cells_.size(), hidden);
    return j;
  }

  Role role_of(const Unit& x) const {
    if (x.cls == UnitClass::kLetter) return Role::kLetter;
    if (x.ascii == '\'') return Role::kApostrophe;
    if (x.ascii == '.' || x.ascii == ',') return Role::kDigit;  // only taken inside numbers
    if (text::is_mask_char(x.ascii)) return Role::kMask;
    if (profile_.leetspeak && text::leet_letter(x.ascii) != 0) return Role::kLeet;
    if (x.cls == UnitClass::kDigit) return Role::kDigit;
    return Role::kOther;
  }

  // Spells cells [b, e) into `out`. Leetspeak and masks are decoded in [decode_b, decode_e);
  // outside it digits stay as written and symbols are left out. Returns true if leetspeak
  // changed a character.
  bool spell(std::size_t b, std::size_t e, std::size_t decode_b, std::size_t decode_e, bool use_alt,
             std::string& out) const {
    out.clear();
    bool leet = false;
    for (std::size_t k = b; k < e; ++k) {
      const Unit& x = u_[cells_[k]];
      const bool decode = k >= decode_b && k < decode_e;
      switch (role_of(x)) {
        case Role::kLetter:
          out.append(letter_text(x, use_alt));
          break;
        case Role::kApostrophe:
          out.push_back('\'');
          break;
        case Role::kMask:
          if (decode) out.push_back('*');
          break;
        case Role::kLeet:
          if (decode) {
            out.push_back(text::leet_letter(x.ascii));
            leet = true;
          } else if (x.cls == UnitClass::kDigit) {
            out.append(buf_.norm(x));
          }
          break;
        case Role::kDigit:
          out.append(buf_.norm(x));
          break;
        case Role::kOther:
          break;
      }
    }
    return leet;
  }

  // Undoes elongation and masks, preferring lexicon words: "asssss" -> "ass", "f**k" -> "fuck".
  // Returns true if the letters changed.
  bool resolve(std::string& word) {
    std::string& once = scratch_b_;
    std::string& twice = scratch_c_;
    const bool elongated = text::collapse_elongation(word, 1, once);
    const bool masked = word.find('*') != std::string::npos;
    if (!elongated && !masked) return false;  // nothing to undo
    if (elongated) text::collapse_elongation(word, 2, twice);
    const std::string* candidates[] = {&word, elongated ? &once : nullptr,
                                       elongated ? &twice : nullptr};
    for (const std::string* c : candidates) {
      if (c == nullptr) continue;
      if (c->find('*') != std::string::npos) {
        if (const auto match = text::unique_lexicon_match(*c, profile_)) {
          word.assign(*match);
          return true;
        }
      } else if (text::in_lexicon(*c, profile_)) {
        const bool changed = c != &word;
        if (changed) word.assign(*c);
        return changed;
      }
    }
    if (elongated) word.assign(once);
    return elongated;
  }

  void finish_word(std::size_t b, std::size_t e, bool hidden) {
    std::size_t first_letter = e, last_letter = e;
    for (std::size_t k = b; k < e; ++k) {
      if (u_[cells_[k]].cls != UnitClass::kLetter) continue;
      if (first_letter == e) first_letter = k;
      last_letter = k;
    }
    if (first_letter == e) {
      numbers(b, e);
      return;
    }
    // Greek/Cyrillic look-alikes are folded only in a word that is evidently Latin.
    bool any_alt = false, any_latin = false, disguised = false;
    for (std::size_t k = b; k < e; ++k) {
      const Unit& x = u_[cells_[k]];
      any_alt = any_alt || x.alt_len > 0;
      any_latin = any_latin || (x.cls == UnitClass::kLetter && is_ascii_letter(buf_.norm(x)) &&
                                !x.disguised && x.alt_len == 0);
      disguised = disguised || x.disguised;
    }
    // In a Cyrillic-script language a mostly Cyrillic word is Cyrillic: its Latin
    // look-alikes are the disguise ("идиoт" with a Latin "o"), not the other way round.
    if (profile_.script == Script::kCyrillic && cyrillic_majority(b, e)) {
      spell(first_letter, last_letter + 1, first_letter, last_letter + 1, false, word_);
      const bool folded = text::fold_latin_to_cyrillic(word_);
      const bool changed = resolve(word_);
      emit_word(word_, first_letter, last_letter,
                folded || changed || hidden || disguised || word_.find('*') != std::string::npos);
      return;
    }
    std::string& word = word_;
    const bool has_edges = first_letter > b || last_letter + 1 < e;
    // First choice: decode everything, edges included, if that spells a lexicon word ("@ss").
    if (has_edges) {
      const bool leet = spell(b, e, b, e, any_alt, word);
      resolve(word);
      if (text::in_lexicon(word, profile_)) {
        emit_word(word, b, e - 1, leet || hidden || disguised || any_alt || word_has_changed(b, e));
        return;
      }
    }
    // Otherwise decode only between the first and last letter; trim symbols at the edges.
    std::size_t first_kept = b, last_kept = e - 1;
    while (first_kept < first_letter && u_[cells_[first_kept]].cls != UnitClass::kDigit)
      ++first_kept;
    while (last_kept > last_letter && u_[cells_[last_kept]].cls != UnitClass::kDigit) --last_kept;
    bool use_alt = any_alt && any_latin;
    bool leet = spell(first_kept, last_kept + 1, first_letter, last_letter + 1, use_alt, word);
    bool changed = resolve(word);
    if (any_alt && !use_alt) {
      std::string& folded = scratch_d_;
      const bool folded_leet =
          spell(first_kept, last_kept + 1, first_letter, last_letter + 1, true, folded);
      const bool folded_changed = resolve(folded);
      if (text::in_lexicon(folded, profile_)) {
        word.swap(folded);
        use_alt = true;
        leet = folded_leet;
        changed = folded_changed;
      }
    }
    const bool masked = word.find('*') != std::string::npos;
    emit_word(word, first_kept, last_kept,
              leet || changed || masked || hidden || disguised || (use_alt && any_alt));
  }

  bool cyrillic_majority(std::size_t b, std::size_t e) const {
    std::size_t ascii = 0, other = 0;
    for (std::size_t k = b; k < e; ++k) {
      const Unit& x = u_[cells_[k]];
      if (x.cls != UnitClass::kLetter) continue;
      ++(is_ascii_letter(buf_.norm(x)) && x.alt_len == 0 ? ascii : other);
    }
    return other > 0 && other >= ascii;
  }

  // A mask or leetspeak at the edges was decoded: the letters changed.
  bool word_has_changed(std::size_t b, std::size_t e) const {
    for (std::size_t k = b; k < e; ++k) {
      if (role_of(u_[cells_[k]]) != Role::kLetter) return true;
    }
    return false;
  }

  void emit_word(std::string_view norm, std::size_t first_cell, std::size_t last_cell,
                 bool obfuscated) {
    emit(norm, TokenKind::kWord, obfuscated, cells_[first_cell], cells_[last_cell]);
  }

  // Cells without letters: each run of digits (with inner '.' or ',') is a number.
  void numbers(std::size_t b, std::size_t e) {
    std::size_t k = b;
    while (k < e) {
      if (u_[cells_[k]].cls != UnitClass::kDigit) {
        ++k;
        continue;
      }
      std::string& digits = word_;
      digits.clear();
      const std::size_t start = k;
      std::size_t last = k;
      while (k < e) {
        const Unit& x = u_[cells_[k]];
        if (x.cls == UnitClass::kDigit) {
          last = k;
        } else if (x.ascii != '.' && x.ascii != ',') {
          break;
        }
        digits.append(buf_.norm(x));
        ++k;
      }
      digits.resize(digits.size() - (k - 1 - last));  // a trailing '.' or ',' is not part of it
      emit(digits, TokenKind::kNumber, false, cells_[start], cells_[last]);
    }
  }

  std::string_view text_;
  const UnitBuffer& buf_;
  const std::vector<Unit>& u_;
  const LanguageProfile& profile_;
  NormalizedText& out_;
  std::vector<UnitSpan>& spans_;
  std::vector<std::uint32_t> cells_;  // unit indices of the current word, without ignorables
  std::string word_, scratch_a_, scratch_b_, scratch_c_, scratch_d_;
};

}  // namespace

NormalizedText normalize(std::string_view text) { return normalize(text, language_profile("en")); }

NormalizedText normalize(std::string_view text, const LanguageProfile& profile) {
  // Reused across calls: normalising a comment should not allocate per character.
  thread_local UnitBuffer units;
  thread_local std::vector<UnitSpan> spans;
  NormalizedText out;
  out.language = profile.code;
  text::scan_units(text, units);
  spans.clear();
  Tokenizer(text, units, profile, out, spans).run();
  text::split_sentences(units, spans, out);
  return out;
}

}  // namespace comity
