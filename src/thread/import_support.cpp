#include "thread/import_support.h"

#include <fmt/format.h>

#include <cstdlib>

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

// Case-insensitive: does `tag` (the text after '<' or "</") start with `name` as a whole word?
bool tag_is(std::string_view tag, std::string_view name) {
  if (tag.size() < name.size()) return false;
  for (std::size_t i = 0; i < name.size(); ++i) {
    char c = tag[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != name[i]) return false;
  }
  if (tag.size() == name.size()) return true;
  const char next = tag[name.size()];
  return next == ' ' || next == '>' || next == '/' || next == '\t' || next == '\n';
}

void append_reference(std::string& out, std::string_view ref) {
  // `ref` is the text between '&' and ';'.
  struct Named {
    std::string_view name;
    char32_t cp;
  };
  static constexpr Named kNamed[] = {{"amp", U'&'},      {"lt", U'<'},      {"gt", U'>'},
                                     {"quot", U'"'},     {"apos", U'\''},   {"nbsp", 0xA0},
                                     {"hellip", 0x2026}, {"mdash", 0x2014}, {"ndash", 0x2013},
                                     {"rsquo", 0x2019},  {"lsquo", 0x2018}, {"rdquo", 0x201D},
                                     {"ldquo", 0x201C}};
  if (!ref.empty() && ref[0] == '#') {
    const bool hex = ref.size() > 1 && (ref[1] == 'x' || ref[1] == 'X');
    const std::string digits(ref.substr(hex ? 2 : 1));
    char* end = nullptr;
    const unsigned long cp = digits.empty() ? 0 : std::strtoul(digits.c_str(), &end, hex ? 16 : 10);
    if (!digits.empty() && end && *end == '\0' && cp > 0 && cp <= 0x10FFFF &&
        !(cp >= 0xD800 && cp <= 0xDFFF)) {
      append_utf8(out, static_cast<char32_t>(cp));
      return;
    }
  } else {
    for (const Named& n : kNamed) {
      if (n.name == ref) {
        append_utf8(out, n.cp);
        return;
      }
    }
  }
  out += '&';
  out += ref;
  out += ';';
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
  std::string out;
  out.reserve(html.size());
  for (std::size_t i = 0; i < html.size();) {
    const char c = html[i];
    if (c == '<') {
      const std::size_t close = html.find('>', i + 1);
      if (close == std::string_view::npos) {  // a lone '<' is text
        out += c;
        ++i;
        continue;
      }
      std::string_view tag = html.substr(i + 1, close - i - 1);
      const bool end_tag = !tag.empty() && tag[0] == '/';
      if (end_tag) tag.remove_prefix(1);
      if (tag_is(tag, "br")) {
        out += '\n';
      } else if (end_tag && (tag_is(tag, "p") || tag_is(tag, "div") || tag_is(tag, "blockquote") ||
                             tag_is(tag, "li"))) {
        out += "\n\n";
      }
      i = close + 1;
    } else if (c == '&') {
      const std::size_t semi = html.find(';', i + 1);
      if (semi != std::string_view::npos && semi - i <= 12) {
        append_reference(out, html.substr(i + 1, semi - i - 1));
        i = semi + 1;
      } else {
        out += c;
        ++i;
      }
    } else {
      out += c;
      ++i;
    }
  }
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
