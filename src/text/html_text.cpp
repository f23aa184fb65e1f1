#include "comity/html_text.h"

#include <algorithm>
#include <array>
#include <cctype>

namespace comity {
namespace {

constexpr std::array<std::string_view, 26> kBlockTags = {
    "address", "article", "blockquote", "br",  "dd",      "div",   "dl", "dt",     "figcaption",
    "footer",  "h1",      "h2",         "h3",  "h4",      "h5",    "h6", "header", "hr",
    "li",      "ol",      "p",          "pre", "section", "table", "td", "tr"};

struct NamedEntity {
  std::string_view name;
  char32_t code_point;
};
constexpr std::array<NamedEntity, 14> kEntities = {{{"amp", U'&'},
                                                    {"lt", U'<'},
                                                    {"gt", U'>'},
                                                    {"quot", U'"'},
                                                    {"apos", U'\''},
                                                    {"nbsp", U'\u00A0'},
                                                    {"hellip", U'\u2026'},
                                                    {"mdash", U'\u2014'},
                                                    {"ndash", U'\u2013'},
                                                    {"rsquo", U'\u2019'},
                                                    {"lsquo", U'\u2018'},
                                                    {"rdquo", U'\u201D'},
                                                    {"ldquo", U'\u201C'},
                                                    {"copy", U'\u00A9'}}};

class Builder {
 public:
  explicit Builder(HtmlText& out) : out_(out) {}
  void append(std::string_view bytes, std::uint32_t source_begin, std::uint32_t source_end) {
    if (pending_separator_) {
      pending_separator_ = false;
      if (!out_.text.empty() && out_.text.back() != '\n' && out_.text.back() != ' ') {
        append("\n", separator_begin_, separator_end_);
      }
    }
    out_.text.append(bytes);
    out_.source_begin.insert(out_.source_begin.end(), bytes.size(), source_begin);
    out_.source_end.insert(out_.source_end.end(), bytes.size(), source_end);
  }
  void append_code_point(char32_t cp, std::uint32_t source_begin, std::uint32_t source_end) {
    if (cp == 0 || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) cp = 0xFFFD;
    char bytes[4];
    std::size_t n = 0;
    if (cp < 0x80) {
      bytes[n++] = static_cast<char>(cp);
    } else if (cp < 0x800) {
      bytes[n++] = static_cast<char>(0xC0 | (cp >> 6));
      bytes[n++] = static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
      bytes[n++] = static_cast<char>(0xE0 | (cp >> 12));
      bytes[n++] = static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      bytes[n++] = static_cast<char>(0x80 | (cp & 0x3F));
    } else {
      bytes[n++] = static_cast<char>(0xF0 | (cp >> 18));
      bytes[n++] = static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
      bytes[n++] = static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      bytes[n++] = static_cast<char>(0x80 | (cp & 0x3F));
    }
    append(std::string_view(bytes, n), source_begin, source_end);
  }
  // Block boundaries become one newline, emitted only between visible text.
  void separate(std::uint32_t source_begin, std::uint32_t source_end) {
    if (pending_separator_) return;
    pending_separator_ = true;
    separator_begin_ = source_begin;
    separator_end_ = source_end;
  }

 private:
  HtmlText& out_;
  bool pending_separator_ = false;
  std::uint32_t separator_begin_ = 0, separator_end_ = 0;
};

std::string lower_tag_name(std::string_view html, std::size_t pos) {
  std::string name;
  while (pos < html.size() && std::isalnum(static_cast<unsigned char>(html[pos]))) {
    name += static_cast<char>(std::tolower(static_cast<unsigned char>(html[pos])));
    ++pos;
  }
  return name;
}

// Decodes the entity at html[pos] == '&'; returns its length, or 0 if it is not one.
std::size_t decode_entity(std::string_view html, std::size_t pos, char32_t& cp) {
  const std::size_t semicolon = html.find(';', pos);
  if (semicolon == std::string_view::npos || semicolon - pos > 12) return 0;
  const std::string_view body = html.substr(pos + 1, semicolon - pos - 1);
  if (body.size() >= 2 && body[0] == '#') {
    const bool hex = body[1] == 'x' || body[1] == 'X';
    const std::string_view digits = body.substr(hex ? 2 : 1);
    if (digits.empty()) return 0;
    std::uint32_t value = 0;
    for (char c : digits) {
      const int digit = std::isdigit(static_cast<unsigned char>(c)) ? c - '0'
                        : hex && std::isxdigit(static_cast<unsigned char>(c))
                            ? std::tolower(static_cast<unsigned char>(c)) - 'a' + 10
                            : -1;
      if (digit < 0) return 0;
      value = std::min<std::uint32_t>(value * (hex ? 16 : 10) + static_cast<std::uint32_t>(digit),
                                      0x110000);
    }
    cp = value;
    return semicolon - pos + 1;
  }
  for (const auto& entity : kEntities) {
    if (entity.name == body) {
      cp = entity.code_point;
      return semicolon - pos + 1;
    }
  }
  return 0;
}

}  // namespace

std::pair<std::uint32_t, std::uint32_t> HtmlText::source_range(std::uint32_t begin,
                                                               std::uint32_t end) const {
  if (text.empty()) return {0, 0};
  begin = std::min<std::uint32_t>(begin, static_cast<std::uint32_t>(text.size()));
  end = std::min<std::uint32_t>(end, static_cast<std::uint32_t>(text.size()));
  if (begin >= end) {
    const std::uint32_t at = begin < text.size() ? source_begin[begin] : source_end.back();
    return {at, at};
  }
  return {source_begin[begin], source_end[end - 1]};
}

HtmlText html_to_text(std::string_view html) {
  HtmlText out;
  Builder builder(out);
  const std::size_t last_gt = html.rfind('>');
  std::size_t pos = 0;
  while (pos < html.size()) {
    const char c = html[pos];
    const auto here = static_cast<std::uint32_t>(pos);
    if (c == '<' && html.compare(pos, 4, "<!--") == 0) {
      const std::size_t close = html.find("-->", pos + 4);
      pos = close == std::string_view::npos ? html.size() : close + 3;
      continue;
    }
    const bool tag_start = c == '<' && pos + 1 < html.size() &&
                           (std::isalpha(static_cast<unsigned char>(html[pos + 1])) ||
                            html[pos + 1] == '/' || html[pos + 1] == '!' || html[pos + 1] == '?') &&
                           last_gt != std::string_view::npos &&
                           last_gt > pos;  // "x<y" in prose stays text
    if (tag_start) {
      const bool closing = html[pos + 1] == '/';
      const std::string name = lower_tag_name(html, pos + (closing ? 2 : 1));
      std::size_t close = html.find('>', pos);
      std::size_t next = close == std::string_view::npos ? html.size() : close + 1;
      if (!closing && (name == "script" || name == "style")) {
        // Raw-text elements: skip to the matching end tag, whatever the case.
        std::string lowered(html.substr(next));
        std::transform(lowered.begin(), lowered.end(), lowered.begin(),
                       [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
        const std::size_t end_tag = lowered.find("</" + name);
        if (end_tag == std::string::npos) {
          next = html.size();
        } else {
          const std::size_t end_close = html.find('>', next + end_tag);
          next = end_close == std::string_view::npos ? html.size() : end_close + 1;
        }
      }
      if (std::find(kBlockTags.begin(), kBlockTags.end(), name) != kBlockTags.end()) {
        builder.separate(here, static_cast<std::uint32_t>(next));
      }
      pos = next;
      continue;
    }
    if (c == '&') {
      char32_t cp = 0;
      if (const std::size_t length = decode_entity(html, pos, cp)) {
        builder.append_code_point(cp, here, static_cast<std::uint32_t>(pos + length));
        pos += length;
        continue;
      }
    }
    // Copy one whole UTF-8 sequence so the output stays valid.
    const auto byte = static_cast<unsigned char>(c);
    std::size_t length = byte < 0x80 ? 1 : byte >= 0xF0 ? 4 : byte >= 0xE0 ? 3 : 2;
    length = std::min(length, html.size() - pos);
    builder.append(html.substr(pos, length), here, static_cast<std::uint32_t>(pos + length));
    pos += length;
  }
  return out;
}

}  // namespace comity
