// Streaming readers for the tabular inputs Comity trains, scores and evaluates on:
// CSV (RFC 4180, quoted fields may hold newlines), TSV (no quoting) and JSON Lines.
// Every row carries the line it started on so errors can name it.
#pragma once
#include <cstddef>
#include <functional>
#include <istream>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace comity {

enum class TableFormat { kCsv, kTsv, kJsonl };
// From the extension: .csv, .tsv/.txt, .jsonl/.json/.ndjson. Throws for others.
TableFormat table_format_from_path(const std::string& path);
std::optional<TableFormat> parse_table_format(const std::string& name);

class TableError : public std::runtime_error {
 public:
  TableError(std::string file, std::size_t line, const std::string& what);
  const std::string& file() const { return file_; }
  std::size_t line() const { return line_; }

 private:
  std::string file_;
  std::size_t line_;
};

struct TableRow {
  std::size_t line = 0;  // 1-based line where the row starts
  // JSONL: the parsed object. CSV/TSV: an object keyed by header name (or by
  // column index "0", "1", ... when the table has no header), all values strings.
  nlohmann::json fields;
  std::string error;  // non-empty when the row could not be parsed (row is skipped by caller)
};

struct TableOptions {
  TableFormat format = TableFormat::kJsonl;
  bool has_header = true;  // CSV/TSV
  char delimiter = 0;      // 0 = format default
  // Bounds on what one row may hold, for input nobody vetted; 0 = no limit. A CSV/TSV
  // field or a JSONL line longer than max_field_bytes, or a CSV/TSV record with more
  // than max_fields fields, becomes an error row; the excess is read but not kept.
  std::size_t max_field_bytes = 0;
  std::size_t max_fields = 0;
};

// Calls `on_row` for each row in input order; returns false from it to stop.
// Malformed rows are delivered with `error` set (never silently dropped).
// Throws TableError for unrecoverable problems (unterminated quote at EOF).
void read_table(std::istream& in, const std::string& name, const TableOptions& options,
                const std::function<bool(TableRow&)>& on_row);
void read_table_file(const std::string& path, const TableOptions& options,
                     const std::function<bool(TableRow&)>& on_row);

// Field as string: strings as-is, numbers/bools formatted, null/absent -> nullopt.
std::optional<std::string> field_string(const nlohmann::json& fields, const std::string& key);
// Field as number: numbers, or strings that parse fully as a number.
std::optional<double> field_number(const nlohmann::json& fields, const std::string& key);

}  // namespace comity
