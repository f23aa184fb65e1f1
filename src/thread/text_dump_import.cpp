// Plain-text page dumps: the article, then reader comments as a numbered list of
// top-level comments whose replies are bullets nested by indentation, e.g.
//
//     Title
//     Article paragraphs...
//       1. First comment
//          more of the first comment
//         • a reply to it
//           • a reply to the reply
//       2. Second comment
//
// A reply's parent is the nearest comment above it with a smaller indent, so levels
// skipped by the page (deleted comments) still attach to the right ancestor.
// Optional "Name says:", "Name · 3 hours ago" or name-then-time header lines at the
// start of a comment become its author and time.
#include <fmt/format.h>

#include <algorithm>
#include <regex>

#include "comity/thread.h"
#include "comity/utf8.h"
#include "thread/import_support.h"

namespace comity {
namespace {

struct Line {
  std::size_t number = 0;  // 1-based
  std::size_t indent = 0;  // columns; a tab advances to the next multiple of 4
  std::string_view rest;   // after the indentation
};

enum class MarkerKind { kNone, kNumber, kBullet };

struct Marker {
  MarkerKind kind = MarkerKind::kNone;
  unsigned long number = 0;
  std::string_view content;  // the text after the marker
};

Line split_indent(std::string_view raw, std::size_t number) {
  Line line{number, 0, raw};
  std::size_t i = 0;
  for (;;) {
    if (i < raw.size() && raw[i] == ' ') {
      ++line.indent, ++i;
    } else if (i < raw.size() && raw[i] == '\t') {
      line.indent = (line.indent / 4 + 1) * 4, ++i;
    } else if (raw.substr(i, 2) == "\xC2\xA0") {  // no-break space from HTML
      ++line.indent, i += 2;
    } else {
      break;
    }
  }
  line.rest = raw.substr(i);
  return line;
}

bool space_follows(std::string_view s, std::size_t at) {
  return at < s.size() ? (s[at] == ' ' || s[at] == '\t' || s.substr(at, 2) == "\xC2\xA0") : false;
}

std::string_view skip_spaces(std::string_view s) {
  for (;;) {
    if (!s.empty() && (s[0] == ' ' || s[0] == '\t')) {
      s.remove_prefix(1);
    } else if (s.substr(0, 2) == "\xC2\xA0") {
      s.remove_prefix(2);
    } else {
      return s;
    }
  }
}

Marker find_marker(std::string_view rest) {
  static constexpr std::string_view kBullets[] = {"\xE2\x80\xA2" /* • */,
                                                  "\xE2\x97\xA6" /* ◦ */,
                                                  "\xE2\x96\xAA" /* ▪ */,
                                                  "\xE2\x96\xAB" /* ▫ */,
                                                  "\xE2\x80\xA3" /* ‣ */,
                                                  "\xE2\x81\x83" /* ⁃ */,
                                                  "\xE2\x88\x99" /* ∙ */,
                                                  "\xE2\x97\x8F" /* ● */,
                                                  "\xE2\x97\x8B" /* ○ */,
                                                  "\xE2\x96\xA0" /* ■ */,
                                                  "\xE2\x96\xA1" /* □ */,
                                                  "*",
                                                  "-"};
  for (std::string_view b : kBullets) {
    if (rest.substr(0, b.size()) == b && space_follows(rest, b.size())) {
      return {MarkerKind::kBullet, 0, skip_spaces(rest.substr(b.size()))};
    }
  }
  std::size_t digits = 0;
  while (digits < rest.size() && digits < 6 && rest[digits] >= '0' && rest[digits] <= '9') {
    ++digits;
  }
  if (digits > 0 && digits < rest.size() && (rest[digits] == '.' || rest[digits] == ')') &&
      space_follows(rest, digits + 1)) {
    return {MarkerKind::kNumber, std::stoul(std::string(rest.substr(0, digits))),
            skip_spaces(rest.substr(digits + 1))};
  }
  return {};
}

bool blank(std::string_view s) { return thread_import::trim(s).empty(); }

// Joins lines into paragraphs: consecutive lines with '\n', paragraphs with "\n\n".
std::string join_paragraphs(const std::vector<std::string_view>& lines) {
  std::string out;
  bool pending_break = false;
  for (std::string_view l : lines) {
    if (blank(l)) {
      pending_break = true;
      continue;
    }
    if (!out.empty()) out += pending_break ? "\n\n" : "\n";
    pending_break = false;
    out += thread_import::trim(l);
  }
  return out;
}

bool looks_like_time(const std::string& s) {
  static const std::regex kTime(
      R"((\d{1,2}:\d{2})|(\d{4}-\d{2}-\d{2})|(\d{1,2}/\d{1,2}/\d{2,4})|)"
      R"(((jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.? \d{1,2})|)"
      R"((\d{1,2} (jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec))|)"
      R"((\d+ (second|minute|hour|day|week|month|year)s? ago)|(^(yesterday|today|just now)$))",
      std::regex::icase);
  return s.size() <= 64 && std::regex_search(s, kTime);
}

bool looks_like_name(const std::string& s) {
  if (s.empty() || s.size() > 48) return false;
  for (char c : s) {
    if (c == '.' || c == '?' || c == '!' || c == '"') return false;
  }
  return std::count(s.begin(), s.end(), ' ') <= 4;
}

// Splits a "Name says:" / "Name · time" / name-then-time header off the comment.
void take_header(Comment& c) {
  std::vector<std::string> lines;
  std::size_t pos = 0;
  while (pos <= c.text.size() && lines.size() < 3) {
    std::size_t nl = c.text.find('\n', pos);
    if (nl == std::string::npos) nl = c.text.size();
    lines.push_back(c.text.substr(pos, nl - pos));
    pos = nl + 1;
  }
  if (lines.empty() || lines[0].size() > 120) return;
  static const std::regex kSays(R"(^(.{1,48}?)\s+(says|said|wrote|writes)\s*:?\s*$)",
                                std::regex::icase);
  static const std::regex kSeparated(
      "^(.{1,48}?)\\s*(?:\\||\xC2\xB7|\xE2\x80\xA2|\xE2\x80\x94|\xE2\x80\x93| - |,)\\s*(.{1,64})$");
  std::size_t used = 0;
  std::smatch m;
  std::string author, time;
  if (std::regex_match(lines[0], m, kSays)) {
    author = m[1];
    used = 1;
    if (lines.size() > 1 && looks_like_time(lines[1])) time = lines[1], used = 2;
  } else if (std::regex_match(lines[0], m, kSeparated) && looks_like_name(m[1]) &&
             looks_like_time(m[2])) {
    author = m[1], time = m[2];
    used = 1;
  } else if (lines.size() > 1 && looks_like_name(lines[0]) && looks_like_time(lines[1]) &&
             !looks_like_time(lines[0])) {
    author = lines[0], time = lines[1];
    used = 2;
  }
  if (!used) return;
  std::size_t cut = 0;
  for (std::size_t i = 0; i < used; ++i) cut += lines[i].size() + 1;
  std::string rest = cut >= c.text.size() ? std::string() : thread_import::trim(c.text.substr(cut));
  if (rest.empty()) return;  // a header with no comment under it is the comment
  c.author = thread_import::trim(author);
  if (!time.empty()) c.time = thread_import::trim(time);
  c.text = std::move(rest);
}

}  // namespace

Thread import_thread_text(std::string_view content, const std::string& name,
                          const ThreadImportLimits& limits) {
  if (auto bad = find_invalid_utf8(content)) {
    throw ThreadImportError(fmt::format("{}:{}:{}", name, bad->line, bad->column), bad->message);
  }
  if (content.substr(0, 3) == "\xEF\xBB\xBF") content.remove_prefix(3);
  std::vector<Line> lines;
  for (std::size_t pos = 0, number = 1; pos < content.size(); ++number) {
    std::size_t nl = content.find('\n', pos);
    if (nl == std::string_view::npos) nl = content.size();
    std::string_view raw = content.substr(pos, nl - pos);
    if (!raw.empty() && raw.back() == '\r') raw.remove_suffix(1);
    lines.push_back(split_indent(raw, number));
    pos = nl + 1;
  }

  // The comments start at the first indented "1." (pages indent their comment list),
  // else the first "1." at the margin, else the first bullet.
  std::optional<std::size_t> start;
  for (int pass = 0; pass < 3 && !start; ++pass) {
    for (std::size_t i = 0; i < lines.size() && !start; ++i) {
      const Marker m = find_marker(lines[i].rest);
      if (pass == 0 && m.kind == MarkerKind::kNumber && m.number == 1 && lines[i].indent > 0) {
        start = i;
      }
      if (pass == 1 && m.kind == MarkerKind::kNumber && m.number == 1) start = i;
      if (pass == 2 && m.kind == MarkerKind::kBullet) start = i;
    }
  }

  Thread thread;
  const std::size_t article_end = start.value_or(lines.size());
  std::size_t i = 0;
  while (i < article_end && blank(lines[i].rest)) ++i;
  if (i < article_end) {
    std::string first = thread_import::trim(lines[i].rest);
    if (first.rfind("http://", 0) == 0 || first.rfind("https://", 0) == 0) {
      thread.article.url = first;
      ++i;
      while (i < article_end && blank(lines[i].rest)) ++i;
      if (i < article_end) first = thread_import::trim(lines[i].rest);
    }
    if (i < article_end) {
      thread.article.title = first;
      ++i;
    }
  }
  std::vector<std::string_view> body;
  for (; i < article_end; ++i) body.push_back(lines[i].rest);
  thread.article.body = join_paragraphs(body);
  if (!start) {
    thread.warnings.push_back("no numbered or bulleted comments found; imported the article only");
    return thread;
  }

  struct Open {
    std::size_t indent, comment;
  };
  std::vector<Open> stack;
  std::vector<std::vector<std::string_view>> bodies;
  std::vector<std::size_t> reply_count;  // per comment, for hierarchical ids
  std::size_t top_count = 0;
  unsigned long next_number = 1;
  std::optional<std::size_t> top_indent;
  for (std::size_t l = *start; l < lines.size(); ++l) {
    const Line& line = lines[l];
    Marker m = find_marker(line.rest);
    // A number out of sequence or deeper than the list is text (a list inside a comment).
    if (m.kind == MarkerKind::kNumber &&
        (m.number != next_number || (top_indent && line.indent > *top_indent + 1))) {
      m.kind = MarkerKind::kNone;
    }
    if (m.kind == MarkerKind::kNone) {
      if (!bodies.empty()) bodies.back().push_back(line.rest);
      continue;
    }
    if (thread.comments.size() >= limits.max_comments) {
      throw ThreadImportError(fmt::format("{}:{}", name, line.number),
                              fmt::format("more than {} comments", limits.max_comments));
    }
    Comment c;
    if (m.kind == MarkerKind::kNumber) {
      ++next_number;
      if (!top_indent) top_indent = line.indent;
      stack.clear();
      c.id = std::to_string(++top_count);
    } else {
      while (!stack.empty() && stack.back().indent >= line.indent) stack.pop_back();
      if (stack.empty()) {
        c.id = std::to_string(++top_count);
        if (top_indent && line.indent > *top_indent) {
          thread.warnings.push_back(fmt::format(
              "{}:{}: reply with no comment above it; kept at top level", name, line.number));
        }
      } else {
        const std::size_t parent = stack.back().comment;
        c.parent = thread.comments[parent].id;
        c.id = fmt::format("{}.{}", thread.comments[parent].id, ++reply_count[parent]);
      }
      if (stack.size() >= limits.max_depth) {
        throw ThreadImportError(fmt::format("{}:{}", name, line.number),
                                fmt::format("replies nested deeper than {}", limits.max_depth));
      }
    }
    stack.push_back({line.indent, thread.comments.size()});
    thread.comments.push_back(std::move(c));
    bodies.push_back({m.content});
    reply_count.push_back(0);
  }
  for (std::size_t k = 0; k < thread.comments.size(); ++k) {
    Comment& c = thread.comments[k];
    c.text = join_paragraphs(bodies[k]);
    if (c.text.size() > limits.max_field_bytes) {
      throw ThreadImportError(fmt::format("{}: comment {}", name, c.id),
                              fmt::format("over the {}-byte limit", limits.max_field_bytes));
    }
    take_header(c);
  }
  return thread;
}

}  // namespace comity
