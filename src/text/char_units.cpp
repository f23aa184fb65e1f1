// Cuts the original text into units and normalises each one (see char_units.h).
#include "char_units.h"

#include <utf8proc.h>

#include "comity/text.h"
#include "comity/utf8.h"
#include "confusables.h"

namespace comity::text {
namespace {

// Zero-width and format characters people insert to split a word invisibly.
bool is_ignorable(char32_t cp) {
  return cp == 0x00AD || cp == 0x034F || cp == 0x061C || cp == 0x115F || cp == 0x1160 ||
         cp == 0x180E || (cp >= 0x200B && cp <= 0x200F) || (cp >= 0x202A && cp <= 0x202E) ||
         (cp >= 0x2060 && cp <= 0x206F) || cp == 0x3164 || cp == 0xFEFF || cp == 0xFFA0 ||
         (cp >= 0xFE00 && cp <= 0xFE0F) || (cp >= 0xE0000 && cp <= 0xE0FFF);
}

bool is_mark(char32_t cp) {
  const auto cat = utf8proc_category(static_cast<utf8proc_int32_t>(cp));
  return cat == UTF8PROC_CATEGORY_MN || cat == UTF8PROC_CATEGORY_MC || cat == UTF8PROC_CATEGORY_ME;
}

// Accents and other diacritics that do not change which word it is ("fück", "café",
// zalgo text). Script-specific marks (Indic vowel signs, ...) are letters and stay.
bool is_strippable_mark(char32_t cp) {
  if ((cp >= 0x0300 && cp <= 0x036F) || (cp >= 0x0483 && cp <= 0x0489) ||
      (cp >= 0x1AB0 && cp <= 0x1AFF) || (cp >= 0x1DC0 && cp <= 0x1DFF) ||
      (cp >= 0x20D0 && cp <= 0x20FF && cp != 0x20E3) || (cp >= 0xFE20 && cp <= 0xFE2F) ||
      (cp >= 0xFE00 && cp <= 0xFE0F) || (cp >= 0xE0100 && cp <= 0xE01EF)) {
    return true;
  }
  // Hebrew points and Arabic harakat: optional vowel marks.
  const bool vowel_marks = (cp >= 0x0591 && cp <= 0x05C7) || (cp >= 0x0610 && cp <= 0x061A) ||
                           (cp >= 0x064B && cp <= 0x065F) || cp == 0x0670;
  return vowel_marks && is_mark(cp);
}

bool is_skin_tone(char32_t cp) { return cp >= 0x1F3FB && cp <= 0x1F3FF; }
bool is_variation_selector(char32_t cp) { return cp == 0xFE0E || cp == 0xFE0F; }

bool is_cjk(char32_t cp) {
  return (cp >= 0x3040 && cp <= 0x30FF) || (cp >= 0x31F0 && cp <= 0x31FF) ||
         (cp >= 0x3400 && cp <= 0x4DBF) || (cp >= 0x4E00 && cp <= 0x9FFF) ||
         (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0xFF66 && cp <= 0xFF9F) ||
         (cp >= 0x20000 && cp <= 0x3134F);
}

bool is_pictographic(char32_t cp) {
  const auto* prop = utf8proc_get_property(static_cast<utf8proc_int32_t>(cp));
  return prop->boundclass == UTF8PROC_BOUNDCLASS_EXTENDED_PICTOGRAPHIC ||
         prop->boundclass == UTF8PROC_BOUNDCLASS_E_ZWG ||
         prop->boundclass == UTF8PROC_BOUNDCLASS_REGIONAL_INDICATOR || is_skin_tone(cp);
}

bool is_letter_category(utf8proc_category_t cat) {
  switch (cat) {
    case UTF8PROC_CATEGORY_LU:
    case UTF8PROC_CATEGORY_LL:
    case UTF8PROC_CATEGORY_LT:
    case UTF8PROC_CATEGORY_LM:
    case UTF8PROC_CATEGORY_LO:
    case UTF8PROC_CATEGORY_MN:
    case UTF8PROC_CATEGORY_MC:
    case UTF8PROC_CATEGORY_ME:
      return true;
    default:
      return false;
  }
}

class Scanner {
 public:
  Scanner(std::string_view text, UnitBuffer& out) : text_(text), out_(out) {}

  void run() {
    out_.units.clear();
    out_.arena.clear();
    while (pos_ < text_.size()) {
      Unit u;
      u.byte_begin = static_cast<std::uint32_t>(pos_);
      u.cp_begin = cp_count_;
      u.u16_begin = u16_count_;
      const auto b = static_cast<unsigned char>(text_[pos_]);
      if (b < 0x80) {
        scan_ascii(u, static_cast<char>(b));
      } else {
        scan_non_ascii(u);
      }
      u.byte_end = static_cast<std::uint32_t>(pos_);
      u.cp_end = cp_count_;
      u.u16_end = u16_count_;
      out_.units.push_back(u);
    }
  }

 private:
  char32_t peek(std::size_t& next) const {
    next = pos_;
    return decode_utf8(text_, next);
  }
  void advance(char32_t cp, std::size_t next) {
    pos_ = next;
    ++cp_count_;
    u16_count_ += cp >= 0x10000 ? 2 : 1;
  }
  bool next_is_non_ascii() const {
    return pos_ < text_.size() && static_cast<unsigned char>(text_[pos_]) >= 0x80;
  }

  void scan_ascii(Unit& u, char c) {
    advance(static_cast<unsigned char>(c), pos_ + 1);
    if (c == '\r' || c == '\n') {
      if (c == '\r' && pos_ < text_.size() && text_[pos_] == '\n') advance('\n', pos_ + 1);
      u.cls = UnitClass::kNewline;
      return;
    }
    if (c == ' ' || c == '\t' || c == '\v' || c == '\f' || c < 0x20 || c == 0x7F) {
      u.cls = UnitClass::kSpace;
      return;
    }
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    u.cls = (c >= 'a' && c <= 'z')   ? UnitClass::kLetter
            : (c >= '0' && c <= '9') ? UnitClass::kDigit
                                     : UnitClass::kPunct;
    u.ascii = c;
    u.norm_off = static_cast<std::uint32_t>(out_.arena.size());
    u.norm_len = 1;
    out_.arena.push_back(c);
    // Fast path: only a following non-ASCII byte can be a combining mark.
    if (next_is_non_ascii()) {
      cluster_.assign(1, static_cast<char32_t>(c));
      if (absorb_marks(u)) normalise_cluster(u);
    }
  }

  void scan_non_ascii(Unit& u) {
    std::size_t next;
    const char32_t cp = peek(next);
    advance(cp, next);
    if (cp == 0x85 || cp == 0x2028 || cp == 0x2029) {
      u.cls = UnitClass::kNewline;
      return;
    }
    if (is_pictographic(cp) && (cp >= 0x2300 || next_is_emoji_presentation())) {
      scan_emoji(u, cp);
      return;
    }
    if (is_ignorable(cp)) {
      u.cls = UnitClass::kIgnorable;
      return;
    }
    const auto cat = utf8proc_category(static_cast<utf8proc_int32_t>(cp));
    if (cat == UTF8PROC_CATEGORY_ZS || cat == UTF8PROC_CATEGORY_CC) {
      u.cls = UnitClass::kSpace;
      return;
    }
    u.cjk = is_cjk(cp);
    cluster_.assign(1, cp);
    absorb_marks(u);
    normalise_cluster(u);
  }

  bool next_is_emoji_presentation() const {
    std::size_t next;
    return pos_ < text_.size() && peek(next) == 0xFE0F;
  }

  // Appends the combining marks that follow; returns true if there were any.
  bool absorb_marks(Unit& u) {
    bool any = false;
    while (next_is_non_ascii()) {
      std::size_t next;
      const char32_t cp = peek(next);
      if (!is_mark(cp)) break;
      advance(cp, next);
      cluster_.push_back(cp);
      if (cp == 0x20E3) u.cls = UnitClass::kEmoji;  // keycap: "1️⃣"
      any = true;
    }
    return any;
  }

  void scan_emoji(Unit& u, char32_t first) {
    u.cls = UnitClass::kEmoji;
    u.norm_off = static_cast<std::uint32_t>(out_.arena.size());
    append_utf8(out_.arena, first);
    utf8proc_int32_t state = 0;
    char32_t prev = first;
    while (pos_ < text_.size()) {
      std::size_t next;
      const char32_t cp = peek(next);
      if (utf8proc_grapheme_break_stateful(static_cast<utf8proc_int32_t>(prev),
                                           static_cast<utf8proc_int32_t>(cp), &state)) {
        break;
      }
      advance(cp, next);
      // The emoji's identity, not its presentation: no skin tones or variation selectors.
      if (!is_variation_selector(cp) && !is_skin_tone(cp)) append_utf8(out_.arena, cp);
      prev = cp;
    }
    u.norm_len = static_cast<std::uint32_t>(out_.arena.size() - u.norm_off);
  }

  // NFKC + case folding + accent stripping + folding of Latin look-alikes, per code point.
  // Returns true if a Greek/Cyrillic letter could have been folded to Latin.
  bool fold_cluster(bool fold_cross_script) {
    auto& buf = out_.scratch;
    buf.clear();
    bool cross_script = false;
    for (const char32_t cp : cluster_) {
      if (is_strippable_mark(cp)) continue;
      utf8proc_int32_t compat[32];
      int boundclass = 0;
      const auto n = utf8proc_decompose_char(
          static_cast<utf8proc_int32_t>(cp), compat, 32,
          static_cast<utf8proc_option_t>(UTF8PROC_DECOMPOSE | UTF8PROC_COMPAT), &boundclass);
      for (utf8proc_ssize_t i = 0; i < n && i < 32; ++i) {
        char32_t d = static_cast<char32_t>(compat[i]);
        if (is_strippable_mark(d)) continue;
        if (d >= 0x80) {
          const char32_t folded = fold_confusable(d);
          if (!is_cross_script(d)) {
            d = folded;
          } else if (folded != d) {
            cross_script = true;
            if (fold_cross_script) d = folded;
          }
        }
        utf8proc_int32_t cased[32];
        const auto m =
            utf8proc_decompose_char(static_cast<utf8proc_int32_t>(d), cased, 32,
                                    static_cast<utf8proc_option_t>(
                                        UTF8PROC_DECOMPOSE | UTF8PROC_COMPAT | UTF8PROC_CASEFOLD),
                                    &boundclass);
        for (utf8proc_ssize_t j = 0; j < m && j < 32; ++j) {
          if (!is_strippable_mark(static_cast<char32_t>(cased[j]))) buf.push_back(cased[j]);
        }
      }
    }
    bool has_mark = false;
    for (const auto cp : buf) has_mark = has_mark || is_mark(static_cast<char32_t>(cp));
    if (has_mark) {
      const auto n = utf8proc_normalize_utf32(
          buf.data(), static_cast<utf8proc_ssize_t>(buf.size()),
          static_cast<utf8proc_option_t>(UTF8PROC_STABLE | UTF8PROC_COMPOSE));
      if (n >= 0) buf.resize(static_cast<std::size_t>(n));
    }
    return cross_script;
  }

  void normalise_cluster(Unit& u) {
    const bool cross_script = fold_cluster(false);
    const auto& buf = out_.scratch;
    const std::size_t start = out_.arena.size();
    for (const auto cp : buf) append_utf8(out_.arena, static_cast<char32_t>(cp));
    u.norm_off = static_cast<std::uint32_t>(start);
    u.norm_len = static_cast<std::uint32_t>(out_.arena.size() - start);
    const char32_t base = cluster_.front();
    u.disguised = base >= 0x80 && !is_cross_script(base) && fold_confusable(base) != base;
    if (u.cls == UnitClass::kEmoji) return;  // keycap: its marks already decided
    if (buf.empty()) {
      u.cls = UnitClass::kIgnorable;
      u.ascii = 0;
      return;
    }
    const auto cat = utf8proc_category(buf.front());
    u.cls = is_letter_category(cat)       ? UnitClass::kLetter
            : cat == UTF8PROC_CATEGORY_ND ? UnitClass::kDigit
                                          : UnitClass::kPunct;
    u.ascii = u.norm_len == 1 ? out_.arena[start] : 0;
    if (base == 0x2019 || base == 0x02BC) u.ascii = '\'';  // typographic apostrophes
    if (cross_script) {
      fold_cluster(true);
      const std::size_t alt_start = out_.arena.size();
      for (const auto cp : out_.scratch) append_utf8(out_.arena, static_cast<char32_t>(cp));
      u.alt_off = static_cast<std::uint32_t>(alt_start);
      u.alt_len = static_cast<std::uint32_t>(out_.arena.size() - alt_start);
    }
  }

  std::string_view text_;
  UnitBuffer& out_;
  std::size_t pos_ = 0;
  std::uint32_t cp_count_ = 0, u16_count_ = 0;
  std::vector<char32_t> cluster_;
};

}  // namespace

void scan_units(std::string_view text, UnitBuffer& out) { Scanner(text, out).run(); }

}  // namespace comity::text
