// UTF-8 validation and repair. Comity accepts only valid UTF-8; callers either
// refuse bad input with the position of the first bad byte, or repair it when the
// user asked for leniency.
#pragma once
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace comity {

struct Utf8Error {
  std::size_t byte_offset = 0;  // offset of the first byte of the bad sequence
  std::size_t line = 1;         // 1-based line of that byte
  std::size_t column = 1;       // 1-based byte column within the line
  std::string message;          // e.g. "invalid UTF-8 at byte 17 (line 2, column 5): unexpected
                                // continuation byte 0x80"
  std::string reason;           // the defect alone, e.g. "unexpected continuation byte 0x80"
};

// Returns the first encoding error, or nullopt if `text` is valid UTF-8
// (overlongs, surrogates and code points above U+10FFFF are errors).
std::optional<Utf8Error> find_invalid_utf8(std::string_view text);

// Replaces each maximal invalid subsequence with U+FFFD (WHATWG / Unicode 6.0+ practice).
std::string repair_utf8(std::string_view text);

// Decodes one code point at `pos` of valid UTF-8 and advances `pos`.
char32_t decode_utf8(std::string_view text, std::size_t& pos);
void append_utf8(std::string& out, char32_t cp);

}  // namespace comity
