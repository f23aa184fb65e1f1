// Streaming CSV / TSV / JSONL reader. Input is consumed in fixed-size chunks so a
// 100 MB training file never sits in memory whole; field buffers are reused across
// rows so the only steady-state allocations are the row objects handed to callers.
#include "comity/table_reader.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstring>
#include <fstream>
#include <string_view>
#include <unordered_set>

#include "comity/json_input.h"

namespace comity {
namespace {

constexpr std::size_t kChunkSize = 1 << 16;
constexpr std::string_view kUtf8Bom = "\xEF\xBB\xBF";

std::string lowercase(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

std::string describe_error(const std::string& file, std::size_t line, const std::string& what) {
  if (line == 0) return file + ": " + what;
  return file + ":" + std::to_string(line) + ": " + what;
}

// Pulls the stream through a fixed buffer one byte at a time without a virtual call
// per byte (istream::get is far slower than this on large files).
class ChunkedInput {
 public:
  explicit ChunkedInput(std::istream& in) : in_(in) {}

  // Returns false at end of input.
  bool next(char& c) {
    if (position_ == size_ && !refill()) return false;
    c = buffer_[position_++];
    return true;
  }

  // Appends bytes up to (not including) the next '\n' and consumes the '\n'; keeps at
  // most `max_bytes` of them (0: all) and sets `too_long` when there were more.
  // Returns false when input ended before any byte or newline was seen.
  bool next_line(std::string& line, std::size_t max_bytes, bool& too_long) {
    line.clear();
    too_long = false;
    bool saw_anything = false;
    const auto keep = [&](const char* begin, std::size_t n) {
      if (max_bytes != 0 && line.size() + n > max_bytes) {
        too_long = true;
        n = max_bytes - line.size();
      }
      line.append(begin, n);
    };
    while (true) {
      if (position_ == size_ && !refill()) return saw_anything;
      saw_anything = true;
      const char* begin = buffer_.data() + position_;
      const auto* newline = static_cast<const char*>(std::memchr(begin, '\n', size_ - position_));
      if (newline != nullptr) {
        keep(begin, static_cast<std::size_t>(newline - begin));
        position_ += static_cast<std::size_t>(newline - begin) + 1;
        return true;
      }
      keep(begin, size_ - position_);
      position_ = size_;
    }
  }

 private:
  bool refill() {
    if (!in_) return false;
    in_.read(buffer_.data(), static_cast<std::streamsize>(buffer_.size()));
    size_ = static_cast<std::size_t>(in_.gcount());
    position_ = 0;
    return size_ > 0;
  }

  std::istream& in_;
  std::array<char, kChunkSize> buffer_{};
  std::size_t size_ = 0;
  std::size_t position_ = 0;
};

// One delimited record as split by the CSV/TSV state machine.
struct Record {
  std::vector<std::string> fields;  // only the first `count` are this record's
  std::size_t count = 0;
  std::size_t line = 0;
  bool quoted = false;  // some field was quoted, so even an empty-looking record is data
  bool capped = false;  // a limit was reached: bytes are no longer kept
  std::string error;

  std::string& start_field(std::size_t max_fields) {
    if (max_fields != 0 && count == max_fields) {
      limit("more than " + std::to_string(max_fields) + " fields");
      return fields[count - 1];
    }
    if (count == fields.size()) fields.emplace_back();
    std::string& field = fields[count++];
    field.clear();
    return field;
  }
  void append(std::string& field, char c, std::size_t max_bytes) {
    if (capped) return;
    if (max_bytes != 0 && field.size() >= max_bytes) {
      limit("field " + std::to_string(count) + " is longer than the " + std::to_string(max_bytes) +
            "-byte limit");
      return;
    }
    field.push_back(c);
  }
  // Past a limit the row is an error: the rest of it is read but not kept.
  void limit(std::string what) {
    if (error.empty()) error = std::move(what);
    capped = true;
  }
  void reset(std::size_t start_line) {
    count = 0;
    line = start_line;
    quoted = false;
    capped = false;
    error.clear();
  }
  // A line with no bytes at all (or just the CR of a CRLF) carries no data.
  bool blank() const { return count == 1 && fields[0].empty() && !quoted; }
};

// Splits delimited text into records. With `quoting` (CSV) a field that starts with
// '"' may hold delimiters, newlines and doubled quotes; without it (TSV) every byte
// up to the delimiter or newline is data.
class DelimitedParser {
 public:
  DelimitedParser(std::istream& in, const std::string& name, char delimiter, bool quoting,
                  const TableOptions& options)
      : input_(in),
        name_(name),
        delimiter_(delimiter),
        quoting_(quoting),
        max_field_bytes_(options.max_field_bytes),
        max_fields_(options.max_fields) {}

  // Fills `record`; returns false at end of input.
  bool next(Record& record) {
    char c = 0;
    if (!input_.next(c)) return false;
    std::size_t quote_line = line_;
    record.reset(line_);
    std::string* field = &record.start_field(max_fields_);
    State state = State::kFieldStart;
    while (true) {
      switch (state) {
        case State::kFieldStart:
          if (quoting_ && c == '"') {
            state = State::kQuoted;
            record.quoted = true;
            quote_line = line_;
            break;
          }
          state = State::kUnquoted;
          [[fallthrough]];
        case State::kUnquoted:
          if (c == delimiter_) {
            field = &record.start_field(max_fields_);
            state = State::kFieldStart;
          } else if (c == '\n') {
            strip_trailing_cr(*field);
            ++line_;
            return true;
          } else {
            record.append(*field, c, max_field_bytes_);
          }
          break;
        case State::kQuoted:
          if (c == '"') {
            state = State::kQuoteInQuoted;
          } else {
            if (c == '\n') ++line_;
            record.append(*field, c, max_field_bytes_);
          }
          break;
        case State::kQuoteInQuoted:
          // Either the first half of a doubled quote, or the closing quote.
          if (c == '"') {
            record.append(*field, '"', max_field_bytes_);
            state = State::kQuoted;
            break;
          }
          state = State::kAfterClosingQuote;
          [[fallthrough]];
        case State::kAfterClosingQuote:
          if (c == delimiter_) {
            field = &record.start_field(max_fields_);
            state = State::kFieldStart;
          } else if (c == '\n') {
            ++line_;
            return true;
          } else if (c != '\r') {
            // RFC 4180 allows nothing between the closing quote and the delimiter.
            // Keep the bytes (as most readers do) but flag the row for the caller.
            if (record.error.empty()) {
              record.error = "unexpected character after closing quote in field " +
                             std::to_string(record.count);
            }
            record.append(*field, c, max_field_bytes_);
          }
          break;
      }
      if (!input_.next(c)) break;
    }
    // (kQuoteInQuoted at end of input is a final field closed properly.)
    if (state == State::kQuoted) {
      throw TableError(name_, quote_line,
                       "unterminated quoted field: the quote opened on this line never closes");
    }
    if (state == State::kUnquoted) strip_trailing_cr(*field);
    return true;
  }

 private:
  enum class State { kFieldStart, kUnquoted, kQuoted, kQuoteInQuoted, kAfterClosingQuote };

  static void strip_trailing_cr(std::string& field) {
    if (!field.empty() && field.back() == '\r') field.pop_back();
  }

  ChunkedInput input_;
  const std::string& name_;
  char delimiter_;
  bool quoting_;
  std::size_t max_field_bytes_;
  std::size_t max_fields_;
  std::size_t line_ = 1;
};

// Header names become object keys, so they must be unique. Real files repeat names
// (ConvAbuse does), so like pandas the first keeps its name and later ones get the
// first free "name.1", "name.2", ... rather than making the whole file unreadable.
std::vector<std::string> unique_column_keys(const Record& header) {
  std::unordered_set<std::string> taken(
      header.fields.begin(), header.fields.begin() + static_cast<std::ptrdiff_t>(header.count));
  std::unordered_set<std::string> used;
  std::vector<std::string> keys;
  keys.reserve(header.count);
  for (std::size_t i = 0; i < header.count; ++i) {
    std::string key = header.fields[i];
    if (used.count(key) != 0) {
      // Skip suffixes that are some other column's own name, too.
      for (std::size_t suffix = 1;; ++suffix) {
        key = header.fields[i] + "." + std::to_string(suffix);
        if (taken.count(key) == 0 && used.count(key) == 0) break;
      }
    }
    used.insert(key);
    keys.push_back(std::move(key));
  }
  return keys;
}

void read_delimited(std::istream& in, const std::string& name, const TableOptions& options,
                    const std::function<bool(TableRow&)>& on_row) {
  const bool csv = options.format == TableFormat::kCsv;
  const char delimiter = options.delimiter != 0 ? options.delimiter : (csv ? ',' : '\t');
  if (csv && (delimiter == '"' || delimiter == '\n' || delimiter == '\r')) {
    throw TableError(name, 0, "delimiter cannot be a quote or line break");
  }
  DelimitedParser parser(in, name, delimiter, csv, options);
  Record record;
  std::vector<std::string> keys;
  bool first = true;
  while (parser.next(record)) {
    if (record.blank()) continue;
    if (first) {
      first = false;
      std::string& head = record.fields[0];
      if (std::string_view(head).starts_with(kUtf8Bom)) head.erase(0, kUtf8Bom.size());
      if (options.has_header) {
        if (!record.error.empty()) throw TableError(name, record.line, "header: " + record.error);
        keys = unique_column_keys(record);
        continue;
      }
      for (std::size_t i = 0; i < record.count; ++i) keys.push_back(std::to_string(i));
    }
    TableRow row;
    row.line = record.line;
    row.error = std::move(record.error);
    row.fields = nlohmann::json::object();
    const std::size_t usable = std::min(record.count, keys.size());
    for (std::size_t i = 0; i < usable; ++i) row.fields[keys[i]] = std::move(record.fields[i]);
    if (row.error.empty() && record.count != keys.size()) {
      row.error = "expected " + std::to_string(keys.size()) + " fields, found " +
                  std::to_string(record.count);
    }
    if (!on_row(row)) return;
  }
}

void read_jsonl(std::istream& in, const TableOptions& options,
                const std::function<bool(TableRow&)>& on_row) {
  ChunkedInput input(in);
  std::string line;
  std::size_t line_number = 0;
  bool too_long = false;
  while (input.next_line(line, options.max_field_bytes, too_long)) {
    ++line_number;
    if (line_number == 1 && std::string_view(line).starts_with(kUtf8Bom)) {
      line.erase(0, kUtf8Bom.size());
    }
    const bool blank = std::all_of(line.begin(), line.end(), [](char c) {
      return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
    });
    if (blank) continue;
    TableRow row;
    row.line = line_number;
    if (too_long) {
      row.error = "line longer than the " + std::to_string(options.max_field_bytes) + "-byte limit";
      row.fields = nlohmann::json::object();
      if (!on_row(row)) return;
      continue;
    }
    // A bad line becomes an error row, the rest of the file still reads. Data files
    // are JSON Lines, so strict JSON.
    try {
      row.fields = parse_json_input(line, {.lenient = false});
    } catch (const JsonInputError& e) {
      row.error = "bad JSON at column " + std::to_string(e.column()) + ": " + e.reason();
      row.fields = nlohmann::json::object();
    }
    if (row.error.empty() && !row.fields.is_object()) {
      row.error = std::string("expected a JSON object, found ") + row.fields.type_name();
      row.fields = nlohmann::json::object();
    }
    if (!on_row(row)) return;
  }
}

std::string_view trim_ascii_space(std::string_view text) {
  const auto is_space = [](char c) {
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v';
  };
  while (!text.empty() && is_space(text.front())) text.remove_prefix(1);
  while (!text.empty() && is_space(text.back())) text.remove_suffix(1);
  return text;
}

}  // namespace

TableError::TableError(std::string file, std::size_t line, const std::string& what)
    : std::runtime_error(describe_error(file, line, what)), file_(std::move(file)), line_(line) {}

std::optional<TableFormat> parse_table_format(const std::string& name) {
  const std::string lower = lowercase(name);
  if (lower == "csv") return TableFormat::kCsv;
  if (lower == "tsv") return TableFormat::kTsv;
  if (lower == "jsonl" || lower == "ndjson") return TableFormat::kJsonl;
  return std::nullopt;
}

TableFormat table_format_from_path(const std::string& path) {
  const std::size_t slash = path.find_last_of('/');
  const std::size_t dot = path.find_last_of('.');
  if (dot != std::string::npos && (slash == std::string::npos || dot > slash)) {
    const std::string extension = lowercase(path.substr(dot + 1));
    if (extension == "csv") return TableFormat::kCsv;
    if (extension == "tsv" || extension == "txt") return TableFormat::kTsv;
    if (extension == "jsonl" || extension == "json" || extension == "ndjson") {
      return TableFormat::kJsonl;
    }
  }
  throw TableError(path, 0,
                   "cannot tell the table format from the file name (expected .csv, .tsv, .txt, "
                   ".jsonl, .json or .ndjson)");
}

void read_table(std::istream& in, const std::string& name, const TableOptions& options,
                const std::function<bool(TableRow&)>& on_row) {
  if (options.format == TableFormat::kJsonl) {
    read_jsonl(in, options, on_row);
  } else {
    read_delimited(in, name, options, on_row);
  }
}

void read_table_file(const std::string& path, const TableOptions& options,
                     const std::function<bool(TableRow&)>& on_row) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw TableError(path, 0, std::string("cannot open: ") + std::strerror(errno));
  read_table(in, path, options, on_row);
  if (in.bad()) throw TableError(path, 0, "read error");
}

std::optional<std::string> field_string(const nlohmann::json& fields, const std::string& key) {
  if (!fields.is_object()) return std::nullopt;
  const auto it = fields.find(key);
  if (it == fields.end()) return std::nullopt;
  switch (it->type()) {
    case nlohmann::json::value_t::string:
      return it->get_ref<const std::string&>();
    case nlohmann::json::value_t::boolean:
    case nlohmann::json::value_t::number_integer:
    case nlohmann::json::value_t::number_unsigned:
    case nlohmann::json::value_t::number_float:
      return it->dump();  // shortest round-trip text for numbers, true/false for bools
    default:
      // null is "no value"; an object or array where text is expected is not text.
      return std::nullopt;
  }
}

std::optional<double> field_number(const nlohmann::json& fields, const std::string& key) {
  if (!fields.is_object()) return std::nullopt;
  const auto it = fields.find(key);
  if (it == fields.end()) return std::nullopt;
  if (it->is_number()) return it->get<double>();
  if (!it->is_string()) return std::nullopt;
  // CSV cells are strings; tolerate surrounding spaces but nothing else, and only
  // finite values (JSON itself has no NaN or infinity, so neither do we).
  const std::string_view text = trim_ascii_space(it->get_ref<const std::string&>());
  if (text.empty()) return std::nullopt;
  double value = 0;
  const char* begin = text.data();
  const char* end = text.data() + text.size();
  if (*begin == '+') {  // from_chars rejects an explicit plus sign
    ++begin;
    if (begin == end || *begin == '-') return std::nullopt;
  }
  const auto [stop, error] = std::from_chars(begin, end, value);
  if (error != std::errc() || stop != end || !std::isfinite(value)) return std::nullopt;
  return value;
}

}  // namespace comity
