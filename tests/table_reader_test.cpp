// The tabular readers: RFC 4180 CSV corner cases, TSV, JSONL error rows, and the
// line numbers every row carries so a bad row can be found in a 100 MB file.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "comity/table_reader.h"

namespace comity {
namespace {

std::vector<TableRow> read_all(const std::string& text, TableFormat format, bool has_header = true,
                               char delimiter = 0) {
  std::istringstream in(text);
  TableOptions options;
  options.format = format;
  options.has_header = has_header;
  options.delimiter = delimiter;
  std::vector<TableRow> rows;
  read_table(in, "test-input", options, [&](TableRow& row) {
    rows.push_back(std::move(row));
    return true;
  });
  return rows;
}

std::vector<TableRow> read_limited(const std::string& text, TableFormat format,
                                   std::size_t max_field_bytes, std::size_t max_fields = 0) {
  std::istringstream in(text);
  TableOptions options;
  options.format = format;
  options.max_field_bytes = max_field_bytes;
  options.max_fields = max_fields;
  std::vector<TableRow> rows;
  read_table(in, "test-input", options, [&](TableRow& row) {
    rows.push_back(std::move(row));
    return true;
  });
  return rows;
}

std::string text_of(const TableRow& row, const std::string& key) {
  return field_string(row.fields, key).value_or("<absent>");
}

TEST(CsvReader, HeaderNamesTheFields) {
  const auto rows = read_all("id,text\n1,hello\n2,world\n", TableFormat::kCsv);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(text_of(rows[0], "id"), "1");
  EXPECT_EQ(text_of(rows[0], "text"), "hello");
  EXPECT_EQ(text_of(rows[1], "text"), "world");
  EXPECT_EQ(rows[0].line, 2u);
  EXPECT_EQ(rows[1].line, 3u);
  EXPECT_TRUE(rows[0].error.empty());
  // CSV values are always strings, even when they look like numbers.
  EXPECT_TRUE(rows[0].fields["id"].is_string());
}

TEST(CsvReader, QuotedCommasQuotesAndNewlines) {
  const auto rows = read_all(
      "id,text\n"
      "1,\"a, b\"\n"
      "2,\"she said \"\"hi\"\"\"\n"
      "3,\"two\nlines\"\n"
      "4,\"\"\n"
      "5,after\n",
      TableFormat::kCsv);
  ASSERT_EQ(rows.size(), 5u);
  EXPECT_EQ(text_of(rows[0], "text"), "a, b");
  EXPECT_EQ(text_of(rows[1], "text"), "she said \"hi\"");
  EXPECT_EQ(text_of(rows[2], "text"), "two\nlines");
  EXPECT_EQ(text_of(rows[3], "text"), "");
  EXPECT_EQ(text_of(rows[4], "text"), "after");
  // The row holding an embedded newline starts on line 4 and pushes later rows down.
  EXPECT_EQ(rows[2].line, 4u);
  EXPECT_EQ(rows[3].line, 6u);
  EXPECT_EQ(rows[4].line, 7u);
  for (const auto& row : rows) EXPECT_TRUE(row.error.empty()) << row.error;
}

TEST(CsvReader, CrlfLineEndingsAreStrippedButQuotedCrlfIsKept) {
  const auto rows = read_all("a,b\r\n1,x\r\n2,\"y\r\nz\"\r\n3,\"q\"\r\n", TableFormat::kCsv);
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(text_of(rows[0], "b"), "x");
  EXPECT_EQ(text_of(rows[1], "b"), "y\r\nz");
  EXPECT_EQ(text_of(rows[2], "b"), "q");
  EXPECT_EQ(rows[2].line, 5u);
  EXPECT_TRUE(rows[0].fields.contains("b"));  // the header key has no stray '\r'
}

TEST(CsvReader, LastRowWithoutNewlineAndBlankLinesSkipped) {
  const auto rows = read_all("a\n\nx\n\r\ny", TableFormat::kCsv);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(text_of(rows[0], "a"), "x");
  EXPECT_EQ(rows[0].line, 3u);
  EXPECT_EQ(text_of(rows[1], "a"), "y");
  EXPECT_EQ(rows[1].line, 5u);
}

TEST(CsvReader, QuotedEmptyFieldOnItsOwnLineIsARow) {
  const auto rows = read_all("a\n\"\"\n", TableFormat::kCsv);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(text_of(rows[0], "a"), "");
}

TEST(CsvReader, WrongColumnCountIsDeliveredWithError) {
  const auto rows = read_all("a,b\n1,2\n1,2,3\n4\n5,6\n", TableFormat::kCsv);
  ASSERT_EQ(rows.size(), 4u);
  EXPECT_TRUE(rows[0].error.empty());
  EXPECT_NE(rows[1].error.find("expected 2 fields, found 3"), std::string::npos) << rows[1].error;
  EXPECT_EQ(rows[1].line, 3u);
  EXPECT_NE(rows[2].error.find("found 1"), std::string::npos) << rows[2].error;
  EXPECT_EQ(rows[2].line, 4u);
  EXPECT_TRUE(rows[3].error.empty());  // the reader recovers on the next line
  EXPECT_EQ(text_of(rows[3], "b"), "6");
}

TEST(CsvReader, TextAfterClosingQuoteFlagsTheRow) {
  const auto rows = read_all("a,b\n\"x\"y,2\n", TableFormat::kCsv);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_FALSE(rows[0].error.empty());
  EXPECT_EQ(text_of(rows[0], "b"), "2");
}

TEST(CsvReader, UnterminatedQuoteThrowsNamingFileAndLine) {
  try {
    read_all("a,b\n1,2\n3,\"never closed\nmore\n", TableFormat::kCsv);
    FAIL() << "expected TableError";
  } catch (const TableError& e) {
    EXPECT_EQ(e.file(), "test-input");
    EXPECT_EQ(e.line(), 3u);
    EXPECT_NE(std::string(e.what()).find("test-input:3"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("unterminated"), std::string::npos) << e.what();
  }
}

TEST(CsvReader, WithoutHeaderKeysAreColumnIndices) {
  const auto rows = read_all("x,y\nz,w\n", TableFormat::kCsv, /*has_header=*/false);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(text_of(rows[0], "0"), "x");
  EXPECT_EQ(text_of(rows[0], "1"), "y");
  EXPECT_EQ(text_of(rows[1], "1"), "w");
  EXPECT_EQ(rows[0].line, 1u);
}

TEST(CsvReader, DuplicateHeaderNamesGetNumberedKeys) {
  // The second "a" cannot be "a.1" (a real column has that name), so it becomes "a.2".
  const auto rows = read_all("a,a.1,a,b,a\n1,2,3,4,5\n", TableFormat::kCsv);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_TRUE(rows[0].error.empty()) << rows[0].error;
  EXPECT_EQ(text_of(rows[0], "a"), "1");
  EXPECT_EQ(text_of(rows[0], "a.1"), "2");
  EXPECT_EQ(text_of(rows[0], "a.2"), "3");
  EXPECT_EQ(text_of(rows[0], "b"), "4");
  EXPECT_EQ(text_of(rows[0], "a.3"), "5");
}

TEST(CsvReader, Utf8ByteOrderMarkIsNotPartOfTheFirstKey) {
  const auto rows = read_all("\xEF\xBB\xBFid,text\n1,hi\n", TableFormat::kCsv);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(text_of(rows[0], "id"), "1");
}

TEST(CsvReader, CustomDelimiter) {
  const auto rows = read_all("a;b\n\"1;2\";3\n", TableFormat::kCsv, true, ';');
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(text_of(rows[0], "a"), "1;2");
  EXPECT_EQ(text_of(rows[0], "b"), "3");
}

TEST(CsvReader, CallbackCanStopEarly) {
  std::istringstream in("a\n1\n2\n3\n");
  TableOptions options;
  options.format = TableFormat::kCsv;
  int seen = 0;
  read_table(in, "t", options, [&](TableRow&) { return ++seen < 2; });
  EXPECT_EQ(seen, 2);
}

TEST(CsvReader, InvalidUtf8IsPassedThroughUntouched) {
  const auto rows = read_all("a\n\xff\xfe\n", TableFormat::kCsv);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(text_of(rows[0], "a"), "\xff\xfe");
}

TEST(TsvReader, QuotesAreOrdinaryCharacters) {
  const auto rows = read_all("id\ttext\n1\t\"quoted, here\"\r\n2\ta\"b\n", TableFormat::kTsv);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(text_of(rows[0], "text"), "\"quoted, here\"");
  EXPECT_EQ(text_of(rows[1], "text"), "a\"b");
  EXPECT_EQ(rows[1].line, 3u);
}

TEST(TsvReader, NoHeaderAndColumnCount) {
  const auto rows = read_all("x\ty\nz\n", TableFormat::kTsv, /*has_header=*/false);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(text_of(rows[0], "0"), "x");
  EXPECT_EQ(text_of(rows[0], "1"), "y");
  EXPECT_FALSE(rows[1].error.empty());
  EXPECT_EQ(rows[1].line, 2u);
}

TEST(JsonlReader, ObjectsBlankLinesAndBadLines) {
  const auto rows = read_all(
      "{\"text\": \"hi\", \"toxicity\": 0.25}\n"
      "\n"
      "not json\n"
      "[1, 2]\n"
      "   \r\n"
      "{\"text\": \"bye\", \"n\": 3}\r\n",
      TableFormat::kJsonl);
  ASSERT_EQ(rows.size(), 4u);
  EXPECT_EQ(text_of(rows[0], "text"), "hi");
  EXPECT_EQ(rows[0].line, 1u);
  EXPECT_TRUE(rows[0].error.empty());
  EXPECT_EQ(rows[1].line, 3u);
  EXPECT_FALSE(rows[1].error.empty());
  EXPECT_EQ(rows[2].line, 4u);
  EXPECT_NE(rows[2].error.find("object"), std::string::npos) << rows[2].error;
  EXPECT_EQ(rows[3].line, 6u);
  EXPECT_TRUE(rows[3].error.empty()) << rows[3].error;
  EXPECT_EQ(field_number(rows[3].fields, "n"), 3.0);
}

TEST(JsonlReader, LastLineWithoutNewline) {
  const auto rows = read_all("{\"a\":1}\n{\"a\":2}", TableFormat::kJsonl);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(field_number(rows[1].fields, "a"), 2.0);
  EXPECT_EQ(rows[1].line, 2u);
}

TEST(JsonlReader, LongLinesSpanningReadChunks) {
  const std::string long_text(200000, 'x');
  const auto rows =
      read_all("{\"t\":\"" + long_text + "\"}\n{\"t\":\"short\"}\n", TableFormat::kJsonl);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(text_of(rows[0], "t"), long_text);
  EXPECT_EQ(text_of(rows[1], "t"), "short");
}

TEST(JsonlReader, BadLinesSayWhatAndWhere) {
  const auto rows = read_all(
      "{\"text\": \"ok\"}\n"
      "{\"text\": \"no comma\" \"id\": 1}\n"
      "{text: 'lenient syntax is not JSON Lines'}\n"
      "{\"text\": \"bad \xFF byte\"}\n"
      "{\"n\": 1e400}\n",
      TableFormat::kJsonl);
  ASSERT_EQ(rows.size(), 5u);
  EXPECT_TRUE(rows[0].error.empty());
  EXPECT_EQ(rows[1].error, "bad JSON at column 21: Expected , or } after key:value pair.");
  EXPECT_EQ(rows[2].error, "bad JSON at column 2: Object keys must be strings in double quotes.");
  EXPECT_EQ(rows[3].error,
            "bad JSON at column 15: Invalid UTF-8 in a string: byte 0xFF never appears in UTF-8.");
  EXPECT_NE(rows[4].error.find("beyond the range of a double"), std::string::npos);
  for (const TableRow& row : rows) EXPECT_TRUE(row.fields.is_object());
}

TEST(JsonlReader, DeepNestingIsAnErrorRowNotACrash) {
  // 150,000 levels would overflow the stack in a recursive parser or destructor.
  const std::string deep = "{\"id\": " + std::string(150000, '[') + "}\n";
  const auto rows = read_all("{\"a\": 1}\n" + deep + "{\"a\": 2}\n", TableFormat::kJsonl);
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[1].line, 2u);
  EXPECT_EQ(rows[1].error,
            "bad JSON at column 107: Objects and arrays nest deeper than 100 levels.");
  EXPECT_EQ(field_number(rows[2].fields, "a"), 2.0);
}

TEST(TableLimits, LongFieldsAndLinesAreErrorRows) {
  const std::string big(5000, 'x');
  const auto csv = read_limited("id,text\n1,short\n2,\"" + big + "\"\n3," + big + "\n4,fine\n",
                                TableFormat::kCsv, 1000);
  ASSERT_EQ(csv.size(), 4u);
  EXPECT_TRUE(csv[0].error.empty());
  EXPECT_EQ(csv[1].error, "field 2 is longer than the 1000-byte limit");
  EXPECT_EQ(csv[1].line, 3u);
  EXPECT_EQ(csv[2].error, "field 2 is longer than the 1000-byte limit");
  EXPECT_LE(text_of(csv[2], "text").size(), 1000u);  // the excess was never kept
  EXPECT_TRUE(csv[3].error.empty());
  EXPECT_EQ(csv[3].line, 5u);  // the quoted field's end was still found
  EXPECT_EQ(text_of(csv[3], "text"), "fine");
  // Exactly at the limit is fine.
  const auto edge = read_limited("t\n" + std::string(1000, 'y') + "\n", TableFormat::kTsv, 1000);
  ASSERT_EQ(edge.size(), 1u);
  EXPECT_TRUE(edge[0].error.empty());

  const auto jsonl =
      read_limited("{\"t\": \"" + big + "\"}\n{\"t\": \"ok\"}\n", TableFormat::kJsonl, 1000);
  ASSERT_EQ(jsonl.size(), 2u);
  EXPECT_EQ(jsonl[0].error, "line longer than the 1000-byte limit");
  EXPECT_EQ(text_of(jsonl[1], "t"), "ok");
  EXPECT_EQ(jsonl[1].line, 2u);
}

TEST(TableLimits, RowsWithTooManyFieldsAreErrorRows) {
  const std::string commas(100000, ',');
  const auto rows =
      read_limited("a,b\n1,2\n" + commas + "\n3,4\n", TableFormat::kCsv, 0, /*max_fields=*/10);
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[1].error, "more than 10 fields");
  EXPECT_EQ(rows[1].line, 3u);
  EXPECT_EQ(text_of(rows[2], "b"), "4");
  // A header may not exceed it either: the file cannot be read.
  EXPECT_THROW(read_limited(commas + "\n", TableFormat::kCsv, 0, 10), TableError);
}

TEST(CsvReader, LongQuotedFieldSpanningReadChunks) {
  std::string long_text(150000, 'y');
  long_text[70000] = '\n';
  long_text[100000] = ',';
  const auto rows = read_all("a,b\n\"" + long_text + "\",z\n", TableFormat::kCsv);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(text_of(rows[0], "a"), long_text);
  EXPECT_EQ(text_of(rows[0], "b"), "z");
}

TEST(FieldHelpers, StringConversions) {
  const auto fields =
      nlohmann::json::parse(R"({"s":"abc","i":42,"f":0.5,"b":true,"n":null,"o":{"x":1},"a":[1]})");
  EXPECT_EQ(field_string(fields, "s"), "abc");
  EXPECT_EQ(field_string(fields, "i"), "42");
  EXPECT_EQ(field_string(fields, "f"), "0.5");
  EXPECT_EQ(field_string(fields, "b"), "true");
  EXPECT_EQ(field_string(fields, "n"), std::nullopt);
  EXPECT_EQ(field_string(fields, "missing"), std::nullopt);
  EXPECT_EQ(field_string(fields, "o"), std::nullopt);
  EXPECT_EQ(field_string(fields, "a"), std::nullopt);
}

TEST(FieldHelpers, NumberConversions) {
  const auto fields = nlohmann::json::parse(
      R"({"f":0.25,"i":-3,"s":"0.75","padded":" 1e-2 ","plus":"+2","partial":"0.5x",
          "empty":"","word":"abc","inf":"inf","nan":"nan","b":true,"n":null,"pm":"+-1"})");
  EXPECT_EQ(field_number(fields, "f"), 0.25);
  EXPECT_EQ(field_number(fields, "i"), -3.0);
  EXPECT_EQ(field_number(fields, "s"), 0.75);
  EXPECT_EQ(field_number(fields, "padded"), 0.01);
  EXPECT_EQ(field_number(fields, "plus"), 2.0);
  EXPECT_EQ(field_number(fields, "partial"), std::nullopt);
  EXPECT_EQ(field_number(fields, "empty"), std::nullopt);
  EXPECT_EQ(field_number(fields, "word"), std::nullopt);
  EXPECT_EQ(field_number(fields, "inf"), std::nullopt);
  EXPECT_EQ(field_number(fields, "nan"), std::nullopt);
  EXPECT_EQ(field_number(fields, "b"), std::nullopt);
  EXPECT_EQ(field_number(fields, "n"), std::nullopt);
  EXPECT_EQ(field_number(fields, "pm"), std::nullopt);
  EXPECT_EQ(field_number(fields, "missing"), std::nullopt);
}

TEST(TableFormat, FromPathAndName) {
  EXPECT_EQ(table_format_from_path("data/train.csv"), TableFormat::kCsv);
  EXPECT_EQ(table_format_from_path("data/train.CSV"), TableFormat::kCsv);
  EXPECT_EQ(table_format_from_path("x.tsv"), TableFormat::kTsv);
  EXPECT_EQ(table_format_from_path("x.txt"), TableFormat::kTsv);
  EXPECT_EQ(table_format_from_path("x.jsonl"), TableFormat::kJsonl);
  EXPECT_EQ(table_format_from_path("x.json"), TableFormat::kJsonl);
  EXPECT_EQ(table_format_from_path("x.ndjson"), TableFormat::kJsonl);
  EXPECT_THROW(table_format_from_path("x.parquet"), TableError);
  EXPECT_THROW(table_format_from_path("dir.csv/noext"), TableError);
  EXPECT_EQ(parse_table_format("CSV"), TableFormat::kCsv);
  EXPECT_EQ(parse_table_format("jsonl"), TableFormat::kJsonl);
  EXPECT_EQ(parse_table_format("xml"), std::nullopt);
}

TEST(TableFile, ReadsFromDiskAndReportsMissingFile) {
  const auto path = std::filesystem::temp_directory_path() / "comity_table_reader_test.csv";
  {
    std::ofstream out(path, std::ios::binary);
    out << "text,label\n\"hello, there\",1\n";
  }
  TableOptions options;
  options.format = table_format_from_path(path.string());
  std::vector<TableRow> rows;
  read_table_file(path.string(), options, [&](TableRow& row) {
    rows.push_back(std::move(row));
    return true;
  });
  std::filesystem::remove(path);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(text_of(rows[0], "text"), "hello, there");
  EXPECT_EQ(field_number(rows[0].fields, "label"), 1.0);
  EXPECT_THROW(read_table_file(path.string(), options, [](TableRow&) { return true; }), TableError);
}

}  // namespace
}  // namespace comity
