// Format detection, dispatch and the Comity JSONL importer.
#include <fmt/format.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <unordered_set>

#include "comity/json_input.h"
#include "comity/thread.h"
#include "thread/import_support.h"

namespace comity {

ThreadImportError::ThreadImportError(std::string where, const std::string& what)
    : std::runtime_error(where + ": " + what), where_(std::move(where)) {}

std::optional<ThreadFormat> parse_thread_format(std::string_view name) {
  if (name == "jsonl" || name == "json" || name == "ndjson") {
    return ThreadFormat::kJsonl;
  }
  if (name == "wxr" || name == "wordpress") {
    return ThreadFormat::kWxr;
  }
  if (name == "disqus") {
    return ThreadFormat::kDisqus;
  }
  if (name == "text" || name == "txt") {
    return ThreadFormat::kText;
  }
  return std::nullopt;
}

std::string_view thread_format_name(ThreadFormat format) {
  switch (format) {
    case ThreadFormat::kJsonl:
      return "jsonl";
    case ThreadFormat::kWxr:
      return "wxr";
    case ThreadFormat::kDisqus:
      return "disqus";
    case ThreadFormat::kText:
      return "text";
  }
  return "text";
}

namespace {

bool ends_with(const std::string& s, std::string_view suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::string lower(std::string s) {
  for (char& c : s) {
    if (c >= 'A' && c <= 'Z') {
      c = static_cast<char>(c - 'A' + 'a');
    }
  }
  return s;
}

}  // namespace

ThreadFormat detect_thread_format(const std::string& path, std::string_view content) {
  // Content decides when it is unambiguous: exports are often saved as plain .xml.
  const std::string_view head = content.substr(0, 4096);
  std::size_t first = 0;
  if (head.substr(0, 3) == "\xEF\xBB\xBF") {
    first = 3;  // BOM
  }
  while (first < head.size() && (head[first] == ' ' || head[first] == '\n' || head[first] == '\r' ||
                                 head[first] == '\t')) {
    ++first;
  }
  if (first < head.size() && head[first] == '<') {
    if (head.find("disqus.com/disqus-internals") != std::string_view::npos ||
        head.find("<disqus") != std::string_view::npos) {
      return ThreadFormat::kDisqus;
    }
    return ThreadFormat::kWxr;
  }
  if (first < head.size() && head[first] == '{') {
    return ThreadFormat::kJsonl;
  }
  const std::string p = lower(path);
  if (ends_with(p, ".jsonl") || ends_with(p, ".ndjson") || ends_with(p, ".json")) {
    return ThreadFormat::kJsonl;
  }
  if (ends_with(p, ".wxr")) {
    return ThreadFormat::kWxr;
  }
  return ThreadFormat::kText;
}

namespace {

std::optional<std::string> id_field(const nlohmann::json& obj, const char* key,
                                    const std::string& where) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) {
    return std::nullopt;
  }
  if (it->is_string()) {
    if (it->get_ref<const std::string&>().empty()) {
      return std::nullopt;
    }
    return it->get<std::string>();
  }
  if (it->is_number_integer() || it->is_number_unsigned()) {
    return it->dump();
  }
  throw ThreadImportError(where, fmt::format("\"{}\" must be a string or an integer", key));
}

std::string string_field(const nlohmann::json& obj, const char* key, const std::string& where,
                         const ThreadImportLimits& limits, bool required) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) {
    if (required) {
      throw ThreadImportError(where, fmt::format("missing \"{}\"", key));
    }
    return {};
  }
  if (!it->is_string()) {
    throw ThreadImportError(where, fmt::format("\"{}\" must be a string", key));
  }
  const auto& s = it->get_ref<const std::string&>();
  thread_import::check_text(s, where, key, limits);
  return s;
}

}  // namespace

Thread import_thread_jsonl(std::string_view content, const std::string& name,
                           const ThreadImportLimits& limits) {
  Thread thread;
  std::unordered_set<std::string> ids;
  std::size_t line_no = 0, pos = 0;
  bool seen_content = false;
  while (pos < content.size()) {
    std::size_t nl = content.find('\n', pos);
    if (nl == std::string_view::npos) {
      nl = content.size();
    }
    std::string_view line = content.substr(pos, nl - pos);
    pos = nl + 1;
    ++line_no;
    if (line_no == 1 && line.substr(0, 3) == "\xEF\xBB\xBF") {
      line.remove_prefix(3);
    }
    if (!line.empty() && line.back() == '\r') {
      line.remove_suffix(1);
    }
    if (line.find_first_not_of(" \t") == std::string_view::npos) {
      continue;
    }
    const std::string where = fmt::format("{}:{}", name, line_no);
    thread_import::check_text(line, where, "line", {.max_field_bytes = limits.max_field_bytes * 4});
    nlohmann::json obj;
    try {
      obj = parse_json_input(line, {.lenient = false});
    } catch (const JsonInputError& e) {
      throw ThreadImportError(where,
                              fmt::format("bad JSON at column {}: {}", e.column(), e.reason()));
    }
    if (!obj.is_object()) {
      throw ThreadImportError(where, "expected a JSON object");
    }
    if (obj.contains("article")) {
      if (seen_content) {
        throw ThreadImportError(where, "\"article\" must be on the first line");
      }
      const auto& a = obj["article"];
      if (!a.is_object()) {
        throw ThreadImportError(where, "\"article\" must be an object");
      }
      thread.article.url = string_field(a, "url", where, limits, false);
      thread.article.title = string_field(a, "title", where, limits, false);
      thread.article.body = string_field(a, "body", where, limits, false);
      seen_content = true;
      continue;
    }
    seen_content = true;
    Comment c;
    auto id = id_field(obj, "id", where);
    if (!id) {
      throw ThreadImportError(where, "missing \"id\"");
    }
    c.id = *id;
    thread_import::check_text(c.id, where, "id", limits);
    if (!ids.insert(c.id).second) {
      throw ThreadImportError(where, fmt::format("duplicate comment id \"{}\"", c.id));
    }
    c.parent = id_field(obj, "parent", where);
    if (c.parent) {
      thread_import::check_text(*c.parent, where, "parent", limits);
    }
    c.author = string_field(obj, "author", where, limits, false);
    if (obj.contains("time") && !obj["time"].is_null()) {
      c.time = string_field(obj, "time", where, limits, false);
    }
    c.text = string_field(obj, "text", where, limits, true);
    if (thread.comments.size() >= limits.max_comments) {
      throw ThreadImportError(where, fmt::format("more than {} comments", limits.max_comments));
    }
    thread.comments.push_back(std::move(c));
  }
  return thread;
}

Thread import_thread(std::string_view content, const std::string& name,
                     std::optional<ThreadFormat> format, const ThreadImportLimits& limits) {
  switch (format.value_or(detect_thread_format(name, content))) {
    case ThreadFormat::kJsonl:
      return import_thread_jsonl(content, name, limits);
    case ThreadFormat::kWxr:
      return import_thread_wxr(content, name, limits);
    case ThreadFormat::kDisqus:
      return import_thread_disqus(content, name, limits);
    case ThreadFormat::kText:
      return import_thread_text(content, name, limits);
  }
  return import_thread_text(content, name, limits);
}

namespace {

std::string read_export(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw ThreadImportError(path, "cannot open file");
  }
  std::ostringstream buf;
  buf << in.rdbuf();
  return buf.str();
}

}  // namespace

Thread import_thread_file(const std::string& path, std::optional<ThreadFormat> format,
                          const ThreadImportLimits& limits) {
  return import_thread(read_export(path), path, format, limits);
}

std::vector<Thread> import_site(std::string_view content, const std::string& name,
                                std::optional<ThreadFormat> format,
                                const ThreadImportLimits& limits) {
  switch (format.value_or(detect_thread_format(name, content))) {
    case ThreadFormat::kWxr:
      return import_site_wxr(content, name, limits);
    case ThreadFormat::kDisqus:
      return import_site_disqus(content, name, limits);
    case ThreadFormat::kJsonl:
    case ThreadFormat::kText:
      break;
  }
  std::vector<Thread> one;
  one.push_back(import_thread(content, name, format, limits));
  return one;
}

std::vector<Thread> import_site_file(const std::string& path, std::optional<ThreadFormat> format,
                                     const ThreadImportLimits& limits) {
  return import_site(read_export(path), path, format, limits);
}

}  // namespace comity
