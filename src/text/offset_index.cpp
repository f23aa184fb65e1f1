// Byte -> code point / UTF-16 offset conversion for callers that only hold byte offsets.
#include <algorithm>

#include "comity/text.h"

namespace comity {

OffsetIndex::OffsetIndex(std::string_view text) {
  cp_start_bytes_.reserve(text.size() + 1);
  u16_before_.reserve(text.size() + 1);
  std::uint32_t u16 = 0;
  for (std::size_t pos = 0; pos < text.size(); ++pos) {
    const auto b = static_cast<unsigned char>(text[pos]);
    if ((b & 0xC0) == 0x80) continue;  // continuation byte: not a code point start
    cp_start_bytes_.push_back(static_cast<std::uint32_t>(pos));
    u16_before_.push_back(u16);
    u16 += b >= 0xF0 ? 2 : 1;  // four-byte sequences are astral: a surrogate pair
  }
  cp_start_bytes_.push_back(static_cast<std::uint32_t>(text.size()));
  u16_before_.push_back(u16);
}

// A byte inside a multi-byte sequence maps to the code point that contains it.
std::uint32_t OffsetIndex::cp_at_byte(std::uint32_t byte) const {
  const auto it = std::upper_bound(cp_start_bytes_.begin(), cp_start_bytes_.end(), byte);
  if (it == cp_start_bytes_.begin()) return 0;
  return static_cast<std::uint32_t>(it - cp_start_bytes_.begin() - 1);
}

std::uint32_t OffsetIndex::u16_at_byte(std::uint32_t byte) const {
  return u16_before_[cp_at_byte(byte)];
}

std::uint32_t OffsetIndex::byte_at_cp(std::uint32_t cp) const {
  return cp_start_bytes_[std::min<std::size_t>(cp, cp_start_bytes_.size() - 1)];
}

TextRange OffsetIndex::range(std::uint32_t byte_begin, std::uint32_t byte_end) const {
  TextRange r;
  r.byte_begin = byte_begin;
  r.byte_end = byte_end;
  r.cp_begin = cp_at_byte(byte_begin);
  r.cp_end = cp_at_byte(byte_end);
  r.u16_begin = u16_before_[r.cp_begin];
  r.u16_end = u16_before_[r.cp_end];
  return r;
}

}  // namespace comity
