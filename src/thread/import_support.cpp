#include "thread/import_support.h"

#include <fmt/format.h>

#include <cstdlib>

#include "comity/html_text.h"
#include "comity/utf8.h"

namespace comity::thread_import {

void check_text(std::string_view text, const std::string& where, std::string_view field,
                const ThreadImportLimits& limits) {
  if (text.size() > limits.max_field_bytes) {
    throw ThreadImportError(where, fmt::format("\"{}\" is {} bytes, over the {}-byte limit", field,
                                               text.size(), limits.max_field_bytes));
  }
  if (auto bad = find_invalid_utf8(text)) {
    throw ThreadImportError(where, fmt::format("\"{}\": {}", field, bad->message));
  }
}

namespace {

bool is_space_at(std::string_view s, std::size_t i, std::size_t& len) {
  const unsigned char c = static_cast<unsigned char>(s[i]);
  if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v') {
    len = 1;
    return true;
  }
  if (c == 0xC2 && i + 1 < s.size() && static_cast<unsigned char>(s[i + 1]) == 0xA0) {
    len = 2;
    return true;
  }
  return false;
}

}  // namespace

std::string trim(std::string_view s) {
  std::size_t b = 0, len = 0;
  while (b < s.size() && is_space_at(s, b, len)) b += len;
  std::size_t e = s.size();
  while (e > b) {
    if (is_space_at(s, e - 1, len)) {
      --e;
    } else if (e >= b + 2 && is_space_at(s, e - 2, len) && len == 2) {
      e -= 2;
    } else {
      break;
    }
  }
  return std::string(s.substr(b, e - b));
}

std::string html_to_text(std::string_view html) {
  // The product's one HTML-to-text (comity/html_text.h, also behind analyze's
  // comment.type HTML): script and style contents, comments and tags go, block
  // tags and <br> become line breaks, references are decoded.
  const std::string out = comity::html_to_text(html).text;
  // Collapse runs of blank lines left by the block ends.
  std::string tidy;
  tidy.reserve(out.size());
  std::size_t newlines = 0;
  for (const char ch : out) {
    if (ch == '\n') {
      if (++newlines > 2) continue;
      // Drop trailing spaces before a line break.
      while (!tidy.empty() && (tidy.back() == ' ' || tidy.back() == '\t')) tidy.pop_back();
    } else if (ch != '\r') {
      newlines = 0;
    }
    if (ch != '\r') tidy += ch;
  }
  return trim(tidy);
}

}  // namespace comity::thread_import
