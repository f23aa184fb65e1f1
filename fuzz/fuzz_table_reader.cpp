// Feeds arbitrary bytes through the CSV, TSV and JSONL readers. TableError is the
// documented way to reject input; any other exception, crash or sanitizer report is a bug.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <sstream>
#include <string>

#include "comity/table_reader.h"

namespace {

void read_everything(const std::string& bytes, comity::TableFormat format, bool has_header) {
  std::istringstream in(bytes);
  comity::TableOptions options;
  options.format = format;
  options.has_header = has_header;
  try {
    comity::read_table(in, "fuzz", options, [](comity::TableRow& row) {
      // Rows must carry a real line number, and the field helpers must cope with
      // whatever the reader produced.
      if (row.line == 0) std::abort();
      if (!row.fields.is_object()) std::abort();
      for (const auto& [key, value] : row.fields.items()) {
        (void)value;
        (void)comity::field_string(row.fields, key);
        (void)comity::field_number(row.fields, key);
      }
      return true;
    });
  } catch (const comity::TableError&) {
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  read_everything(bytes, comity::TableFormat::kCsv, true);
  read_everything(bytes, comity::TableFormat::kCsv, false);
  read_everything(bytes, comity::TableFormat::kTsv, true);
  read_everything(bytes, comity::TableFormat::kJsonl, true);
  return 0;
}
