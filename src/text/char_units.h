// The first stage of normalize(): the original text cut into units (a base code
// point with its combining marks, a whole emoji sequence, a CRLF pair ...), each
// with its offsets in the original and its normalised spelling. Later stages work
// on units only, which is what keeps every token traceable to the original bytes.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace comity::text {

enum class UnitClass : std::uint8_t {
  kSpace,
  kNewline,
  kLetter,
  kDigit,
  kEmoji,
  kIgnorable,  // zero-width and format characters: invisible, never split a word
  kPunct,
};

struct Unit {
  std::uint32_t byte_begin = 0, byte_end = 0;
  std::uint32_t cp_begin = 0, cp_end = 0;
  std::uint32_t u16_begin = 0, u16_end = 0;
  std::uint32_t norm_off = 0, norm_len = 0;  // NFKC + case fold + accents stripped, in arena
  std::uint32_t alt_off = 0, alt_len = 0;    // Greek/Cyrillic folded to Latin; alt_len 0: none
  UnitClass cls = UnitClass::kPunct;
  char ascii = 0;          // the normalised form when it is one ASCII character
  bool cjk = false;        // script written without spaces: one token per unit
  bool disguised = false;  // a Latin look-alike (fullwidth, small caps, math letters ...)
};

struct UnitBuffer {
  std::vector<Unit> units;
  std::string arena;
  std::vector<std::int32_t> scratch;

  std::string_view norm(const Unit& u) const { return {arena.data() + u.norm_off, u.norm_len}; }
  std::string_view alt(const Unit& u) const { return {arena.data() + u.alt_off, u.alt_len}; }
};

// `text` must be valid UTF-8. Reuses the buffer's storage.
void scan_units(std::string_view text, UnitBuffer& out);

}  // namespace comity::text

namespace comity::text {

// Inclusive unit indices a token or sentence was made from.
struct UnitSpan {
  std::uint32_t first = 0, last = 0;
};

inline bool is_blank(const Unit& u) {
  return u.cls == UnitClass::kSpace || u.cls == UnitClass::kNewline ||
         u.cls == UnitClass::kIgnorable;
}

}  // namespace comity::text
