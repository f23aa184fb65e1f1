// parse_json_input(): one iterative pass that builds the nlohmann::json directly.
//
// Open containers live on an explicit stack of pointers into the tree being built
// (a container's address is stable while it is open: it is the last element of its
// parent array, or a std::map node), so depth costs heap, never stack, and the
// limit is checked before a container is created. Building directly measured
// faster than rewriting lenient input to strict text for nlohmann to re-parse
// (see bench/json_input_bench.cpp).
#include "comity/json_input.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <cstring>
#include <limits>
#include <vector>

#include "comity/utf8.h"

namespace comity {
namespace {

using json = nlohmann::json;

constexpr std::string_view kBom = "\xEF\xBB\xBF";
constexpr std::size_t kExcerptBytes = 20;

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_key_start(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == '$';
}
bool is_key_char(char c) { return is_key_start(c) || is_digit(c); }
bool is_continuation(char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

constexpr std::uint64_t kOnes = 0x0101010101010101ULL;
constexpr std::uint64_t kHighBits = 0x8080808080808080ULL;

// True when any of the 8 bytes in `word` is `quote`, a backslash or a control
// character: the only bytes a string scan has to stop at. (Each test is exact for
// any byte values; non-ASCII bytes are noted by the caller and validated after.)
bool word_needs_attention(std::uint64_t word, std::uint64_t quote_pattern) {
  const auto has_zero = [](std::uint64_t v) { return (v - kOnes) & ~v & kHighBits; };
  const std::uint64_t quote = has_zero(word ^ quote_pattern);
  const std::uint64_t backslash = has_zero(word ^ (kOnes * '\\'));
  const std::uint64_t control = (word - kOnes * 0x20) & ~word & kHighBits;  // byte < 0x20
  return (quote | backslash | control) != 0;
}

// The excerpt for an error message: valid UTF-8 (a bad byte shows as U+FFFD) with
// control characters as spaces, so the caret lines up and the message is safe to
// put into JSON.
std::string printable(std::string_view bytes) {
  std::string out = repair_utf8(bytes);
  for (char& c : out) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) c = ' ';
  }
  return out;
}

std::size_t code_points(std::string_view utf8) {
  return static_cast<std::size_t>(
      std::count_if(utf8.begin(), utf8.end(), [](char c) { return !is_continuation(c); }));
}

// For a number std::from_chars found out of range: whether it is too large (rather
// than too small, which reads as zero as strtod and nlohmann have it). The decimal
// exponent of the first significant digit is all it takes: the two failures are
// 600 orders of magnitude apart.
bool overflows(std::string_view lexeme) {
  std::size_t i = lexeme.starts_with('-') ? 1 : 0;
  long long order = 0;
  bool found = false;
  long long int_digits = 0;
  for (; i < lexeme.size() && is_digit(lexeme[i]); ++i, ++int_digits) {
    if (!found && lexeme[i] != '0') {
      found = true;
      order = -int_digits;  // completed below once the integer digits are counted
    }
  }
  if (found) order += int_digits - 1;
  if (i < lexeme.size() && lexeme[i] == '.') {
    ++i;
    for (long long j = 0; i < lexeme.size() && is_digit(lexeme[i]); ++i, ++j) {
      if (!found && lexeme[i] != '0') {
        found = true;
        order = -(j + 1);
      }
    }
  }
  long long exponent = 0;
  if (i < lexeme.size() && (lexeme[i] == 'e' || lexeme[i] == 'E')) {
    ++i;
    const bool negative = i < lexeme.size() && lexeme[i] == '-';
    if (i < lexeme.size() && (lexeme[i] == '-' || lexeme[i] == '+')) ++i;
    for (; i < lexeme.size() && is_digit(lexeme[i]); ++i) {
      exponent = std::min<long long>(exponent * 10 + (lexeme[i] - '0'), 1'000'000'000);
    }
    if (negative) exponent = -exponent;
  }
  return order + exponent > 0;
}

class Reader {
 public:
  Reader(std::string_view text, const JsonLimits& limits)
      : text_(text), lenient_(limits.lenient), max_depth_(limits.max_depth) {}

  json parse() {
    if (text_.starts_with(kBom)) pos_ = kBom.size();
    json root;
    std::vector<json*> open;  // the containers being filled, innermost last
    json* slot = &root;       // where the next value goes
    while (true) {
      read_value(*slot, open);
      if (!open.empty() && slot == open.back()) {
        // read_value opened a non-empty container: its first member or element is next.
        slot = open.back()->is_object() ? &first_member(*open.back()) : &next_element(*slot);
        continue;
      }
      // The value is complete: close containers until one takes another value.
      slot = nullptr;
      while (slot == nullptr) {
        if (open.empty()) {
          skip_space();
          if (pos_ != text_.size()) fail(pos_, "Unexpected text after the JSON value.");
          return root;
        }
        json& container = *open.back();
        const bool object = container.is_object();
        const char close = object ? '}' : ']';
        const char* expected = object ? "Expected , or } after key:value pair."
                                      : "Expected , or ] after array element.";
        skip_space();
        if (pos_ == text_.size()) fail_at_end(expected);
        const char c = text_[pos_];
        if (c == close) {
          ++pos_;
          open.pop_back();
        } else if (c == ',') {
          const std::size_t comma = pos_++;
          skip_space();
          if (pos_ < text_.size() && text_[pos_] == close) {
            if (!lenient_) {
              fail(comma, object ? "A trailing comma is not allowed before }."
                                 : "A trailing comma is not allowed before ].");
            }
            ++pos_;
            open.pop_back();
          } else {
            slot =
                object ? &member(container, "Expected an object key.") : &next_element(container);
          }
        } else {
          fail(pos_, expected);
        }
      }
    }
  }

 private:
  [[noreturn]] void fail(std::size_t at, std::string reason,
                         JsonErrorKind kind = JsonErrorKind::kSyntax) const {
    const std::size_t line_start = [&] {
      const std::size_t nl = text_.rfind('\n', at == 0 ? 0 : at - 1);
      return nl == std::string_view::npos || nl >= at ? 0 : nl + 1;
    }();
    const std::size_t line =
        1 + static_cast<std::size_t>(std::count(text_.begin(), text_.begin() + line_start, '\n'));
    const std::size_t column = at - line_start + 1;
    std::size_t line_end = text_.find('\n', at);
    if (line_end == std::string_view::npos) line_end = text_.size();
    // Up to kExcerptBytes either side, on the error's line, without splitting a character.
    std::size_t begin = std::max(line_start, at > kExcerptBytes ? at - kExcerptBytes : 0);
    while (begin < at && is_continuation(text_[begin])) ++begin;
    std::size_t end = std::min(line_end, at + kExcerptBytes);
    while (end > at && end < text_.size() && is_continuation(text_[end])) --end;
    const std::string before = printable(text_.substr(begin, at - begin));
    const std::string after = printable(text_.substr(at, end - at));
    const std::string message =
        fmt::format("Invalid JSON payload received. {} Line {}, column {}:\n{}{}\n{:>{}}", reason,
                    line, column, before, after, "^", code_points(before) + 1);
    throw JsonInputError(kind, std::move(reason), at, line, column, message);
  }

  [[noreturn]] void fail_at_end(std::string_view expected) const {
    fail(text_.size(), fmt::format("Unexpected end of input. {}", expected));
  }

  void skip_space() {
    while (pos_ < text_.size()) {
      const char c = text_[pos_];
      if (c == ' ' || c == '\n' || c == '\r' || c == '\t' ||
          (lenient_ && (c == '\f' || c == '\v'))) {
        ++pos_;
      } else {
        break;
      }
    }
  }

  // Reads the value at pos_ into `out`. A non-empty object or array is pushed onto
  // `open` (with `out` still to be filled); everything else is complete on return.
  void read_value(json& out, std::vector<json*>& open) {
    skip_space();
    if (pos_ == text_.size()) fail_at_end("Expected a value.");
    const char c = text_[pos_];
    switch (c) {
      case '{':
      case '[': {
        if (open.size() >= max_depth_) {
          fail(pos_, fmt::format("Objects and arrays nest deeper than {} levels.", max_depth_),
               JsonErrorKind::kTooDeep);
        }
        ++pos_;
        const bool object = c == '{';
        out = object ? json::object() : json::array();
        skip_space();
        if (pos_ < text_.size() && text_[pos_] == (object ? '}' : ']')) {
          ++pos_;
        } else {
          open.push_back(&out);
        }
        return;
      }
      case '"':
        out = read_string();
        return;
      case '\'':
        if (!lenient_) fail(pos_, "Strings must be in double quotes.");
        out = read_string();
        return;
      case 't':
        read_literal("true");
        out = true;
        return;
      case 'f':
        read_literal("false");
        out = false;
        return;
      case 'n':
        read_literal("null");
        out = nullptr;
        return;
      default:
        if (c == '-' || is_digit(c)) {
          read_number(out);
          return;
        }
        fail(pos_, "Expected a value (a string, number, object, array, true, false or null).");
    }
  }

  void read_literal(std::string_view word) {
    const std::string_view rest = text_.substr(pos_);
    if (rest.starts_with(word)) {
      pos_ += word.size();
      return;
    }
    if (word.starts_with(rest)) fail_at_end(fmt::format("Expected {}.", word));
    fail(pos_, "Expected a value (a string, number, object, array, true, false or null).");
  }

  json& first_member(json& object) { return member(object, "Expected an object key or }."); }

  json& next_element(json& array) { return array.get_ref<json::array_t&>().emplace_back(); }

  // Reads `key:` and returns the member's slot (an existing one for a repeated key,
  // so the last value wins).
  json& member(json& object, std::string_view expected) {
    skip_space();
    if (pos_ == text_.size()) fail_at_end(expected);
    const char c = text_[pos_];
    std::string key;
    if (c == '"' || (c == '\'' && lenient_)) {
      key = read_string();
    } else if (lenient_ && is_key_start(c)) {
      const std::size_t begin = pos_;
      while (pos_ < text_.size() && is_key_char(text_[pos_])) ++pos_;
      key.assign(text_.substr(begin, pos_ - begin));
    } else if (c == '\'' || is_key_start(c)) {
      fail(pos_, "Object keys must be strings in double quotes.");
    } else {
      fail(pos_, std::string(expected));
    }
    skip_space();
    if (pos_ == text_.size()) fail_at_end("Expected : after the object key.");
    if (text_[pos_] != ':') fail(pos_, "Expected : after the object key.");
    ++pos_;
    return object.get_ref<json::object_t&>()[std::move(key)];
  }

  // Reads the string whose opening quote is at pos_.
  std::string read_string() {
    const std::size_t open = pos_;
    const char quote = text_[pos_++];
    const std::uint64_t quote_pattern = kOnes * static_cast<unsigned char>(quote);
    std::string out;
    bool escaped = false;
    std::uint64_t high_bits = 0;  // non-zero once a non-ASCII byte was seen
    std::size_t chunk = pos_;     // start of the bytes not yet copied to `out`
    while (true) {
      // Eight bytes at a time through the plain text that makes up most strings.
      while (pos_ + 8 <= text_.size()) {
        std::uint64_t word;
        std::memcpy(&word, text_.data() + pos_, 8);
        if (word_needs_attention(word, quote_pattern)) break;
        high_bits |= word;
        pos_ += 8;
      }
      if (pos_ == text_.size()) {
        fail(open,
             fmt::format("Unexpected end of input. Expected a closing {} for this string.", quote));
      }
      const char c = text_[pos_];
      if (c == quote) break;
      const auto byte = static_cast<unsigned char>(c);
      if (c == '\\') {
        out.append(text_.data() + chunk, pos_ - chunk);
        escaped = true;
        read_escape(out);
        chunk = pos_;
      } else if (byte < 0x20 && !lenient_) {
        fail(pos_, fmt::format("Control character U+{:04X} must be escaped in a string.", byte));
      } else {
        high_bits |= byte;
        ++pos_;
      }
    }
    if ((high_bits & kHighBits) != 0) {
      // The raw bytes with the closing quote, so a sequence cut short by the quote
      // is described as such.
      if (auto bad = find_invalid_utf8(text_.substr(open + 1, pos_ - open))) {
        fail(open + 1 + bad->byte_offset,
             fmt::format("Invalid UTF-8 in a string: {}.", bad->reason),
             JsonErrorKind::kInvalidUtf8);
      }
    }
    const std::string_view tail = text_.substr(chunk, pos_ - chunk);
    ++pos_;  // closing quote
    if (!escaped) return std::string(tail);
    out.append(tail);
    return out;
  }

  // Decodes the escape at pos_ (a backslash) onto `out`.
  void read_escape(std::string& out) {
    const std::size_t at = pos_++;
    if (pos_ == text_.size()) return;  // read_string reports the missing closing quote
    const char c = text_[pos_++];
    switch (c) {
      case '"':
      case '\\':
      case '/':
        out += c;
        return;
      case 'b':
        out += '\b';
        return;
      case 'f':
        out += '\f';
        return;
      case 'n':
        out += '\n';
        return;
      case 'r':
        out += '\r';
        return;
      case 't':
        out += '\t';
        return;
      case 'u':
        append_utf8(out, read_unicode_escape(at));
        return;
      default:
        break;
    }
    if (lenient_ && c == 'v') {
      out += '\v';
    } else if (lenient_ && c >= 0x20 && c < 0x7F) {
      out += c;  // \' and any other printable character stand for themselves
    } else if (c >= 0x20 && c < 0x7F) {
      fail(at, fmt::format("Invalid escape sequence \\{} in a string.", c));
    } else {
      fail(at, "Invalid escape sequence in a string.");
    }
  }

  // The code point of \uXXXX at `at` (pos_ is past the u), joining a surrogate pair.
  char32_t read_unicode_escape(std::size_t at) {
    const char32_t unit = read_hex4(at);
    if (unit >= 0xDC00 && unit <= 0xDFFF) return unpaired_surrogate(at);
    if (unit < 0xD800 || unit > 0xDBFF) return unit;
    const std::string_view rest = text_.substr(pos_);
    if (rest.size() < 6 || rest[0] != '\\' || rest[1] != 'u') return unpaired_surrogate(at);
    const std::size_t low_at = pos_;
    pos_ += 2;
    const char32_t low = read_hex4(low_at);
    if (low < 0xDC00 || low > 0xDFFF) {
      pos_ = low_at;  // in lenient mode the second escape is read again on its own
      return unpaired_surrogate(at);
    }
    return 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00);
  }

  char32_t read_hex4(std::size_t at) {
    char32_t value = 0;
    for (int i = 0; i < 4; ++i, ++pos_) {
      const int digit = pos_ < text_.size() ? hex_value(text_[pos_]) : -1;
      if (digit < 0) fail(at, "Invalid \\u escape: expected four hexadecimal digits.");
      value = value * 16 + static_cast<char32_t>(digit);
    }
    return value;
  }

  char32_t unpaired_surrogate(std::size_t at) {
    if (!lenient_) fail(at, "Invalid \\u escape: an unpaired UTF-16 surrogate.");
    return 0xFFFD;
  }

  void expect_digit(std::string_view expected) const {
    if (pos_ == text_.size()) fail_at_end(expected);
    if (!is_digit(text_[pos_])) fail(pos_, std::string(expected));
  }

  void read_number(json& out) {
    const std::size_t begin = pos_;
    const bool negative = text_[pos_] == '-';
    if (negative) ++pos_;
    expect_digit("Expected a digit after -.");
    if (text_[pos_] == '0') {
      ++pos_;
      if (pos_ < text_.size() && is_digit(text_[pos_])) {
        fail(begin, "Numbers cannot have leading zeros (octal and hex are not JSON).");
      }
    } else {
      while (pos_ < text_.size() && is_digit(text_[pos_])) ++pos_;
    }
    bool integral = true;
    if (pos_ < text_.size() && text_[pos_] == '.') {
      integral = false;
      ++pos_;
      if (!lenient_) expect_digit("Expected a digit after the decimal point.");
      while (pos_ < text_.size() && is_digit(text_[pos_])) ++pos_;
    }
    if (pos_ < text_.size() && (text_[pos_] == 'e' || text_[pos_] == 'E')) {
      integral = false;
      ++pos_;
      if (pos_ < text_.size() && (text_[pos_] == '+' || text_[pos_] == '-')) ++pos_;
      expect_digit("Expected a digit in the exponent.");
      while (pos_ < text_.size() && is_digit(text_[pos_])) ++pos_;
    }
    const char* first = text_.data() + begin;
    const char* last = text_.data() + pos_;
    if (integral) {
      // Integers that do not fit 64 bits fall through to double, as in nlohmann.
      if (negative) {
        std::int64_t value = 0;
        if (std::from_chars(first, last, value).ec == std::errc()) {
          out = value;
          return;
        }
      } else {
        std::uint64_t value = 0;
        if (std::from_chars(first, last, value).ec == std::errc()) {
          out = value;
          return;
        }
      }
    }
    double value = 0;
    const auto [end, error] = std::from_chars(first, last, value);
    if (error == std::errc::result_out_of_range) {
      const std::string_view lexeme(first, static_cast<std::size_t>(last - first));
      if (overflows(lexeme)) {
        fail(begin,
             fmt::format("The number {}{} is beyond the range of a double.", lexeme.substr(0, 24),
                         lexeme.size() > 24 ? "..." : ""),
             JsonErrorKind::kNumberOutOfRange);
      }
      value = negative ? -0.0 : 0.0;  // underflow reads as zero, as strtod has it
    } else if (error != std::errc() || end != last) {
      fail(begin, "Invalid number.");  // not reached: the grammar above is from_chars's
    }
    out = value;
  }

  std::string_view text_;
  std::size_t pos_ = 0;
  bool lenient_;
  std::size_t max_depth_;
};

}  // namespace

JsonInputError::JsonInputError(JsonErrorKind kind, std::string reason, std::size_t offset,
                               std::size_t line, std::size_t column, const std::string& message)
    : std::runtime_error(message),
      kind_(kind),
      reason_(std::move(reason)),
      offset_(offset),
      line_(line),
      column_(column) {}

json parse_json_input(std::string_view text, const JsonLimits& limits) {
  return Reader(text, limits).parse();
}

}  // namespace comity
