// UTF-8 validation, repair and the small codec the text pipeline is built on.
#include "comity/utf8.h"

#include <fmt/format.h>

namespace comity {
namespace {

// What went wrong at one position; `length` is the maximal invalid subsequence
// (Unicode "maximal subpart"), which is what a single U+FFFD replaces.
enum class Defect {
  kNone,
  kStrayContinuation,
  kBadByte,
  kOverlong,
  kSurrogate,
  kTooLarge,
  kTruncated
};

struct Scan {
  Defect defect = Defect::kNone;
  std::size_t length = 1;  // bytes consumed: the whole sequence if valid
};

// Range of the second byte allowed after lead byte `lead` (Unicode Table 3-7); the
// narrowed ranges are exactly what excludes overlongs, surrogates and > U+10FFFF.
struct SecondByteRange {
  unsigned char lo, hi;
  Defect below, above;
};

SecondByteRange second_byte_range(unsigned char lead) {
  switch (lead) {
    case 0xE0:
      return {0xA0, 0xBF, Defect::kOverlong, Defect::kTruncated};
    case 0xED:
      return {0x80, 0x9F, Defect::kTruncated, Defect::kSurrogate};
    case 0xF0:
      return {0x90, 0xBF, Defect::kOverlong, Defect::kTruncated};
    case 0xF4:
      return {0x80, 0x8F, Defect::kTruncated, Defect::kTooLarge};
    default:
      return {0x80, 0xBF, Defect::kTruncated, Defect::kTruncated};
  }
}

bool is_continuation(unsigned char b) { return (b & 0xC0) == 0x80; }

// 0xC0/0xC1 can only start an overlong two-byte form of an ASCII character.
bool lead_is_two_byte_overlong(unsigned char b) { return b == 0xC0 || b == 0xC1; }

Scan scan_sequence(std::string_view text, std::size_t pos) {
  const auto lead = static_cast<unsigned char>(text[pos]);
  if (lead < 0x80) return {};
  if (lead < 0xC0) return {Defect::kStrayContinuation, 1};
  if (lead < 0xC2) return {Defect::kOverlong, 1};
  if (lead > 0xF4) return {lead < 0xF8 ? Defect::kTooLarge : Defect::kBadByte, 1};
  const std::size_t need = lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4;
  if (pos + 1 >= text.size()) return {Defect::kTruncated, 1};
  const auto second = static_cast<unsigned char>(text[pos + 1]);
  const SecondByteRange range = second_byte_range(lead);
  if (second < range.lo) return {is_continuation(second) ? range.below : Defect::kTruncated, 1};
  if (second > range.hi) return {is_continuation(second) ? range.above : Defect::kTruncated, 1};
  for (std::size_t i = 2; i < need; ++i) {
    if (pos + i >= text.size() || !is_continuation(static_cast<unsigned char>(text[pos + i]))) {
      return {Defect::kTruncated, i};
    }
  }
  return {Defect::kNone, need};
}

std::string describe(Defect defect, std::string_view text, std::size_t pos, std::size_t length) {
  const auto byte = static_cast<unsigned char>(text[pos]);
  const auto next = pos + 1 < text.size() ? static_cast<unsigned char>(text[pos + 1]) : 0;
  switch (defect) {
    case Defect::kStrayContinuation:
      return fmt::format("unexpected continuation byte 0x{:02X}", byte);
    case Defect::kBadByte:
      return fmt::format("byte 0x{:02X} never appears in UTF-8", byte);
    case Defect::kOverlong:
      return lead_is_two_byte_overlong(byte)
                 ? fmt::format("overlong encoding (lead byte 0x{:02X})", byte)
                 : fmt::format("overlong encoding (0x{:02X} 0x{:02X})", byte, next);
    case Defect::kSurrogate:
      return fmt::format("encoded UTF-16 surrogate (0x{:02X} 0x{:02X})", byte, next);
    case Defect::kTooLarge:
      return length == 1 && byte > 0xF4
                 ? fmt::format("lead byte 0x{:02X} encodes a code point above U+10FFFF", byte)
                 : fmt::format("code point above U+10FFFF (0x{:02X} 0x{:02X})", byte, next);
    case Defect::kTruncated:
      return pos + length >= text.size()
                 ? fmt::format("truncated sequence: lead byte 0x{:02X} at end of input", byte)
                 : fmt::format("truncated sequence: lead byte 0x{:02X} followed by 0x{:02X}", byte,
                               static_cast<unsigned char>(text[pos + length]));
    case Defect::kNone:
      break;
  }
  return {};
}

}  // namespace

std::optional<Utf8Error> find_invalid_utf8(std::string_view text) {
  std::size_t line = 1, line_start = 0;
  std::size_t pos = 0;
  while (pos < text.size()) {
    const auto b = static_cast<unsigned char>(text[pos]);
    if (b < 0x80) {
      if (b == '\n') {
        ++line;
        line_start = pos + 1;
      }
      ++pos;
      continue;
    }
    const Scan scan = scan_sequence(text, pos);
    if (scan.defect != Defect::kNone) {
      Utf8Error error;
      error.byte_offset = pos;
      error.line = line;
      error.column = pos - line_start + 1;
      error.reason = describe(scan.defect, text, pos, scan.length);
      error.message = fmt::format("invalid UTF-8 at byte {} (line {}, column {}): {}", pos, line,
                                  error.column, error.reason);
      return error;
    }
    pos += scan.length;
  }
  return std::nullopt;
}

std::string repair_utf8(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  std::size_t pos = 0;
  while (pos < text.size()) {
    const Scan scan = scan_sequence(text, pos);
    if (scan.defect == Defect::kNone) {
      out.append(text.substr(pos, scan.length));
    } else {
      out.append("\xEF\xBF\xBD");
    }
    pos += scan.length;
  }
  return out;
}

char32_t decode_utf8(std::string_view text, std::size_t& pos) {
  const auto b0 = static_cast<unsigned char>(text[pos]);
  if (b0 < 0x80) {
    ++pos;
    return b0;
  }
  const std::size_t need = b0 < 0xE0 ? 2 : b0 < 0xF0 ? 3 : 4;
  char32_t cp = need == 2 ? (b0 & 0x1F) : need == 3 ? (b0 & 0x0F) : (b0 & 0x07);
  std::size_t i = 1;
  for (; i < need && pos + i < text.size(); ++i) {
    cp = (cp << 6) | (static_cast<unsigned char>(text[pos + i]) & 0x3F);
  }
  pos += i;
  return cp;
}

void append_utf8(std::string& out, char32_t cp) {
  if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) cp = 0xFFFD;
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

}  // namespace comity
