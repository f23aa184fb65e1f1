// The one way untrusted JSON gets into Comity: request bodies, JSONL rows, fields
// of data files. The parser never recurses (an explicit stack, bounded by
// `max_depth`, so a 150,000-deep `[[[[...` is refused early instead of overflowing
// the stack), refuses invalid UTF-8 in strings, and explains a refusal the way
// Google's front end did: "Invalid JSON payload received. Expected , or } after
// key:value pair." plus where, with an excerpt and a caret.
//
// Lenient mode reads what Google's JSON front end (the protobuf JSON stream parser
// behind Perspective) read, so Perspective clients keep working unchanged:
//   - object keys without quotes when they look like identifiers: {comment: {...}}
//     ([A-Za-z_$][A-Za-z0-9_$]*);
//   - strings in single quotes: {'text': 'hi'};
//   - one trailing comma in an object or array: {"a": [1, 2,],};
//   - escapes JSON lacks: \' and \v, and a backslash before any other printable
//     ASCII character stands for that character (\q is q);
//   - control characters (tab, newline, ...) unescaped inside strings;
//   - a number ending in a decimal point: 1. (and 1.e5);
//   - \v and \f as whitespace;
//   - a \u escape of an unpaired UTF-16 surrogate, read as U+FFFD.
// Strict mode reads exactly RFC 8259. Both skip a leading UTF-8 byte order mark,
// refuse numbers beyond the range of a double (1e400), and keep the last value of
// a repeated key (as nlohmann, ECMAScript and proto3 JSON do).
//
// Numbers come out as nlohmann's own parser makes them: integers that fit as
// number_unsigned (non-negative) or number_integer (negative), everything else as
// number_float. Strings are valid UTF-8, so the result always dump()s.
#pragma once
#include <cstddef>
#include <stdexcept>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace comity {

struct JsonLimits {
  // Objects and arrays open at once. Google's front end refused a 101st level;
  // Perspective requests use four.
  std::size_t max_depth = 100;
  bool lenient = true;
};

enum class JsonErrorKind {
  kSyntax,            // not JSON (or, in strict mode, one of the lenient extensions)
  kInvalidUtf8,       // a string holds bytes that are not UTF-8
  kTooDeep,           // nesting beyond JsonLimits::max_depth
  kNumberOutOfRange,  // a number a double cannot hold
};

// Thrown for any input parse_json_input() refuses. what() is the whole message:
//   Invalid JSON payload received. Expected , or } after key:value pair. Line 1, column 24:
//   mment: {text: "hi"} languages: ["en"]}
//                       ^
// for `{comment: {text: "hi"} languages: ["en"]}`: an excerpt of up to 20 bytes
// either side of the offending byte on its line, with a caret under it, always valid
// UTF-8 and free of control characters, so it can go into a JSON error response.
class JsonInputError : public std::runtime_error {
 public:
  JsonInputError(JsonErrorKind kind, std::string reason, std::size_t offset, std::size_t line,
                 std::size_t column, const std::string& message);

  JsonErrorKind kind() const { return kind_; }
  // The sentence alone, e.g. "Expected , or } after key:value pair."
  const std::string& reason() const { return reason_; }
  std::size_t offset() const { return offset_; }  // 0-based byte offset into the input
  std::size_t line() const { return line_; }      // 1-based
  std::size_t column() const { return column_; }  // 1-based, in bytes (as Utf8Error)

 private:
  JsonErrorKind kind_;
  std::string reason_;
  std::size_t offset_, line_, column_;
};

// Parses one JSON text (surrounding whitespace allowed). Throws JsonInputError;
// nothing else escapes but std::bad_alloc.
nlohmann::json parse_json_input(std::string_view text, const JsonLimits& limits = {});

}  // namespace comity
