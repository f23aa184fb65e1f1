// check_toml_nesting(): the TOML counterpart of parse_json_input()'s depth limit,
// kept next to it. It is a lexer, not a parser: it only has to find strings and
// comments (so brackets and dots inside them do not count), keys, and the
// brackets and braces of values.
#include <fmt/format.h>

#include <vector>

#include "comity/toml_input.h"

namespace comity {
namespace {

bool is_non_ascii(char c) { return static_cast<unsigned char>(c) >= 0x80; }

bool is_bare_key_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '-';
}

class NestingScan {
 public:
  NestingScan(std::string_view text, std::size_t max_depth) : text_(text), max_depth_(max_depth) {}

  std::optional<TomlNestingError> run() {
    // Depth counts tables and arrays from the root: `[a.b]` opens a table at depth
    // 2, `c = [[1]]` in it puts arrays at depths 3 and 4.
    struct Open {
      char kind;  // '[' array or '{' inline table
      std::size_t depth;
    };
    std::vector<Open> open;
    std::size_t table_depth = 0;  // of the table the latest header opened
    std::size_t value_depth = 0;  // of the next value
    bool expect_key = true;       // at a line start outside values, or after { or , in a table
    while (pos_ < text_.size()) {
      const char c = text_[pos_];
      if (c == '\n') {
        ++line_;
        ++pos_;
        if (open.empty()) expect_key = true;
        continue;
      }
      if (c == ' ' || c == '\t' || c == '\r') {
        ++pos_;
        continue;
      }
      if (c == '#') {
        skip_to_line_end();
        continue;
      }
      // Strings and comments are skipped whole, so this is a key or a value.
      if (is_non_ascii(c)) return not_ascii();
      if (expect_key) {
        if (open.empty() && c == '[') {
          const bool array_of_tables = pos_ + 1 < text_.size() && text_[pos_ + 1] == '[';
          pos_ += array_of_tables ? 2 : 1;
          table_depth = key_segments() + (array_of_tables ? 1 : 0);
          if (table_depth > max_depth_) return too_deep();
          // `]` or `]]` and a comment; anything else toml++ refuses, except what it
          // must never see.
          if (!skip_header_rest()) return not_ascii();
          continue;
        }
        if (c == '}' && !open.empty() && open.back().kind == '{') {  // {}
          open.pop_back();
          expect_key = false;
          ++pos_;
          continue;
        }
        expect_key = false;
        const std::size_t start = pos_;
        const std::size_t segments = key_segments();
        if (pos_ == start) continue;  // not a key: scanned as value text below
        value_depth = (open.empty() ? table_depth : open.back().depth) + segments;
        if (value_depth > max_depth_) return too_deep();
        skip_blank();
        if (pos_ < text_.size() && text_[pos_] == '=') ++pos_;
        continue;
      }
      switch (c) {
        case '[':
        case '{':
          if (value_depth > max_depth_) return too_deep();
          open.push_back({c, value_depth});
          if (c == '[') {
            value_depth = open.back().depth + 1;
          } else {
            expect_key = true;
          }
          ++pos_;
          break;
        case ']':
        case '}':
          if (!open.empty() && open.back().kind == (c == ']' ? '[' : '{')) open.pop_back();
          ++pos_;
          break;
        case ',':
          if (!open.empty()) {
            if (open.back().kind == '{') {
              expect_key = true;
            } else {
              value_depth = open.back().depth + 1;
            }
          }
          ++pos_;
          break;
        case '"':
        case '\'':
          skip_string();
          break;
        default:
          ++pos_;
      }
    }
    return std::nullopt;
  }

 private:
  std::optional<TomlNestingError> too_deep() const {
    return TomlNestingError{
        line_, fmt::format("tables and arrays nest deeper than {} levels", max_depth_)};
  }

  std::optional<TomlNestingError> not_ascii() const {
    return TomlNestingError{line_, "non-ASCII characters outside strings and comments"};
  }

  // Skips to the end of a table header's line; false at a non-ASCII byte before any
  // comment.
  bool skip_header_rest() {
    while (pos_ < text_.size() && text_[pos_] != '\n') {
      if (text_[pos_] == '#') {
        skip_to_line_end();
        return true;
      }
      if (is_non_ascii(text_[pos_])) return false;
      ++pos_;
    }
    return true;
  }

  void skip_blank() {
    while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\t')) ++pos_;
  }

  void skip_to_line_end() {
    while (pos_ < text_.size() && text_[pos_] != '\n') ++pos_;
  }

  // Reads a (dotted) key and returns how many segments it has; 0 when there is none.
  std::size_t key_segments() {
    std::size_t segments = 0;
    while (true) {
      skip_blank();
      if (pos_ == text_.size()) break;
      const char c = text_[pos_];
      if (c == '"' || c == '\'') {
        skip_string();
      } else if (is_bare_key_char(c)) {
        while (pos_ < text_.size() && is_bare_key_char(text_[pos_])) ++pos_;
      } else {
        break;
      }
      ++segments;
      skip_blank();
      if (pos_ == text_.size() || text_[pos_] != '.') break;
      ++pos_;
    }
    return segments;
  }

  // Skips a basic ("), literal ('), or multi-line (""" or ''') string at pos_. An
  // unterminated single-line string ends at the line break, which the caller sees.
  void skip_string() {
    const char quote = text_[pos_];
    const std::string_view triple = quote == '"' ? "\"\"\"" : "'''";
    if (text_.substr(pos_, 3) == triple) {
      pos_ += 3;
      while (pos_ < text_.size()) {
        const char c = text_[pos_];
        if (c == '\n') ++line_;
        if (quote == '"' && c == '\\' && pos_ + 1 < text_.size()) {
          if (text_[pos_ + 1] == '\n') ++line_;
          pos_ += 2;
          continue;
        }
        if (text_.substr(pos_, 3) == triple) {
          pos_ += 3;
          // Up to two more quotes belong to the content: """a""""" ends "a""".
          for (int extra = 0; extra < 2 && pos_ < text_.size() && text_[pos_] == quote; ++extra) {
            ++pos_;
          }
          return;
        }
        ++pos_;
      }
      return;
    }
    ++pos_;
    while (pos_ < text_.size()) {
      const char c = text_[pos_];
      if (c == '\n') return;
      if (quote == '"' && c == '\\' && pos_ + 1 < text_.size() && text_[pos_ + 1] != '\n') {
        pos_ += 2;
        continue;
      }
      ++pos_;
      if (c == quote) return;
    }
  }

  std::string_view text_;
  std::size_t max_depth_;
  std::size_t pos_ = 0;
  std::size_t line_ = 1;
};

}  // namespace

std::optional<TomlNestingError> check_toml_nesting(std::string_view text, std::size_t max_depth) {
  return NestingScan(text, max_depth).run();
}

}  // namespace comity
