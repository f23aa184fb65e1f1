// parse_json_input() is the door every untrusted JSON text comes through: strict
// mode must read exactly RFC 8259 as nlohmann does, lenient mode what Google's
// front end read, nesting must be refused long before it could hurt, and every
// refusal must say what was expected where, without library internals.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "comity/json_input.h"
#include "comity/utf8.h"

namespace comity {
namespace {

using nlohmann::json;

constexpr JsonLimits kStrict{.max_depth = 100, .lenient = false};

JsonInputError refusal(std::string_view text, const JsonLimits& limits = {}) {
  try {
    const json value = parse_json_input(text, limits);
    ADD_FAILURE() << "accepted " << testing::PrintToString(std::string(text)) << " as "
                  << value.dump();
  } catch (const JsonInputError& e) {
    return e;
  }
  return JsonInputError(JsonErrorKind::kSyntax, "", 0, 0, 0, "");
}

std::string nested_arrays(std::size_t depth) {
  return std::string(depth, '[') + std::string(depth, ']');
}

std::string nested_objects(std::size_t depth) {
  std::string s;
  for (std::size_t i = 0; i < depth; ++i) s += "{\"a\":";
  s += "1";
  s += std::string(depth, '}');
  return s;
}

const std::vector<std::string>& rfc_documents() {
  static const std::vector<std::string> docs = {
      "null",
      "true",
      " false ",
      "0",
      "-0",
      "12345",
      "-12345",
      "3.25",
      "-0.5e-3",
      "1E+2",
      "6.02214076e23",
      "\"\"",
      "\"plain\"",
      R"("esc \" \\ \/ \b \f \n \r \t")",
      R"("\u00e9\u20AC\ud83d\udc4d\u0000")",
      "\"caf\xC3\xA9 \xF0\x9F\x91\x8D\"",
      "[]",
      "{}",
      "[1, \"two\", [3, [4]], {\"five\": 5}]",
      "{\"a\": {\"b\": {\"c\": []}}, \"d\": [true, false, null]}",
      "\r\n\t {\"spaced\" : [ 1 , 2 ] }\n",
      "\xEF\xBB\xBF{\"bom\": 1}",
      R"({"comment": {"text": "you are a clown"}, "languages": ["en"],
          "requestedAttributes": {"TOXICITY": {}, "INSULT": {"scoreThreshold": 0.5}},
          "spanAnnotations": true, "doNotStore": true})",
  };
  return docs;
}

TEST(JsonInput, StrictReadsRfc8259AsNlohmannDoes) {
  for (const std::string& doc : rfc_documents()) {
    const json expected = json::parse(doc);
    EXPECT_EQ(parse_json_input(doc, kStrict), expected) << doc;
    EXPECT_EQ(parse_json_input(doc), expected) << doc;
  }
}

TEST(JsonInput, NumbersKeepNlohmannsTypes) {
  EXPECT_TRUE(parse_json_input("7").is_number_unsigned());
  EXPECT_TRUE(parse_json_input("-7").is_number_integer());
  EXPECT_FALSE(parse_json_input("-7").is_number_unsigned());
  EXPECT_TRUE(parse_json_input("7.0").is_number_float());
  EXPECT_TRUE(parse_json_input("7e0").is_number_float());
  EXPECT_EQ(parse_json_input("18446744073709551615").get<std::uint64_t>(), 18446744073709551615ULL);
  EXPECT_EQ(parse_json_input("-9223372036854775808").get<std::int64_t>(),
            std::numeric_limits<std::int64_t>::min());
  // One past 64 bits becomes a double, as in nlohmann.
  const json big = parse_json_input("18446744073709551616");
  EXPECT_TRUE(big.is_number_float());
  EXPECT_EQ(big, json::parse("18446744073709551616"));
  const json low = parse_json_input("-9223372036854775809");
  EXPECT_TRUE(low.is_number_float());
  EXPECT_DOUBLE_EQ(low.get<double>(), -9223372036854775808.0);
}

TEST(JsonInput, HugeNumbers) {
  const std::string digits = "1" + std::string(300, '7');
  EXPECT_EQ(parse_json_input(digits, kStrict), json::parse(digits));
  EXPECT_DOUBLE_EQ(parse_json_input("1.7976931348623157e308").get<double>(),
                   1.7976931348623157e308);
  for (const char* text : {"1e400", "-1e400", "[1, 2e999999999999999999999]",
                           "1"
                           "e309"}) {
    const JsonInputError e = refusal(text);
    EXPECT_EQ(e.kind(), JsonErrorKind::kNumberOutOfRange) << text;
    EXPECT_NE(e.reason().find("beyond the range of a double"), std::string::npos) << e.what();
  }
  const std::string long_overflow = "9" + std::string(400, '9') + "e9";
  const JsonInputError e = refusal(long_overflow);
  EXPECT_EQ(e.kind(), JsonErrorKind::kNumberOutOfRange);
  EXPECT_NE(e.reason().find("99999..."), std::string::npos) << e.reason();  // lexeme is clipped
  EXPECT_LT(std::string(e.what()).size(), 200u);
  // Too small reads as zero (strtod and nlohmann agree); denormals survive.
  EXPECT_EQ(parse_json_input("1e-400").get<double>(), 0.0);
  EXPECT_TRUE(std::signbit(parse_json_input("-1e-400").get<double>()));
  EXPECT_EQ(parse_json_input("0.000001e-320"), json::parse("0.000001e-320"));
  EXPECT_GT(parse_json_input("4e-320").get<double>(), 0.0);
  // JSON has no NaN or Infinity, lenient or not.
  EXPECT_EQ(refusal("NaN").kind(), JsonErrorKind::kSyntax);
  EXPECT_EQ(refusal("[Infinity]").kind(), JsonErrorKind::kSyntax);
  EXPECT_EQ(refusal("-Infinity").reason(), "Expected a digit after -.");
}

TEST(JsonInput, PerspectiveQuickstartBodyIsRead) {
  // The body of Perspective's own curl quickstart: bare keys throughout.
  const std::string body =
      R"({comment: {text: "what kind of idiot name is foo?"}, languages: ["en"], )"
      R"(requestedAttributes: {TOXICITY:{}} })";
  const json request = parse_json_input(body);
  EXPECT_EQ(request["comment"]["text"], "what kind of idiot name is foo?");
  EXPECT_EQ(request["languages"], json::array({"en"}));
  EXPECT_TRUE(request["requestedAttributes"]["TOXICITY"].is_object());
  EXPECT_TRUE(request["requestedAttributes"]["TOXICITY"].empty());

  const JsonInputError strict = refusal(body, kStrict);
  EXPECT_EQ(strict.reason(), "Object keys must be strings in double quotes.");
  EXPECT_EQ(strict.offset(), 1u);
  EXPECT_EQ(strict.column(), 2u);
}

TEST(JsonInput, TrailingCommasAsInTheSuggestScoreExample) {
  const std::string body = R"({
    comment: {text: "Fishing is fun",},
    attributeScores: {
      TOXICITY: {summaryScore: {value: 0.1,},},
    },
    languages: ["en",],
  })";
  const json request = parse_json_input(body);
  EXPECT_EQ(request["comment"]["text"], "Fishing is fun");
  EXPECT_DOUBLE_EQ(request["attributeScores"]["TOXICITY"]["summaryScore"]["value"].get<double>(),
                   0.1);
  EXPECT_EQ(request["languages"], json::array({"en"}));

  EXPECT_EQ(parse_json_input("[1, 2,]"), json::array({1, 2}));
  EXPECT_EQ(parse_json_input("{\"a\": 1 , }"), json({{"a", 1}}));
  // One trailing comma, after something: Google refused the rest as well.
  EXPECT_EQ(refusal("[1,,]").reason(),
            "Expected a value (a string, number, object, array, true, false or null).");
  EXPECT_EQ(refusal("[,]").offset(), 1u);
  EXPECT_EQ(refusal("{,}").reason(), "Expected an object key or }.");

  const JsonInputError strict = refusal("[1, 2,]", kStrict);
  EXPECT_EQ(strict.reason(), "A trailing comma is not allowed before ].");
  EXPECT_EQ(strict.offset(), 5u);  // the comma
  EXPECT_EQ(refusal("{\"a\": 1,}", kStrict).reason(), "A trailing comma is not allowed before }.");
}

TEST(JsonInput, LenientReadsGooglesOtherExtensions) {
  EXPECT_EQ(parse_json_input("{'text': 'say \"hi\"', \"it's\": 'it\\'s'}"),
            json({{"text", "say \"hi\""}, {"it's", "it's"}}));
  EXPECT_EQ(parse_json_input("{$id_2: 1, _x: 2}"), json({{"$id_2", 1}, {"_x", 2}}));
  EXPECT_EQ(parse_json_input("\"\\v\\q\\'\\%\""), json("\v"
                                                       "q'%"));
  EXPECT_EQ(parse_json_input("\"tab\there\nnewline\""), json("tab\there\nnewline"));
  EXPECT_EQ(parse_json_input("[1., -2.e1]"), json::array({1.0, -20.0}));
  EXPECT_EQ(parse_json_input("\f[\v1\f]\v"), json::array({1}));
  // An unpaired surrogate escape reads as U+FFFD, and whatever follows it stays.
  EXPECT_EQ(parse_json_input(R"("\ud800A\udc00\ud83d\u0041")"), json("\xEF\xBF\xBD"
                                                                     "A"
                                                                     "\xEF\xBF\xBD"
                                                                     "\xEF\xBF\xBD"
                                                                     "A"));
  // Bare words are keys only, never values; keys must look like identifiers.
  EXPECT_EQ(refusal("{a: b}").offset(), 4u);
  EXPECT_EQ(refusal("{1a: 2}").reason(), "Expected an object key or }.");
  EXPECT_EQ(refusal("{a-b: 2}").reason(), "Expected : after the object key.");
  EXPECT_EQ(refusal("// comment\n1").kind(), JsonErrorKind::kSyntax);
}

TEST(JsonInput, StrictRefusesEachExtensionByName) {
  struct Case {
    std::string text, reason;
    std::size_t offset;
  };
  const std::vector<Case> cases = {
      {"{a: 1}", "Object keys must be strings in double quotes.", 1},
      {"{'a': 1}", "Object keys must be strings in double quotes.", 1},
      {"['a']", "Strings must be in double quotes.", 1},
      {"\"a\\'b\"", "Invalid escape sequence \\' in a string.", 2},
      {"\"\\v\"", "Invalid escape sequence \\v in a string.", 1},
      {"\"a\tb\"", "Control character U+0009 must be escaped in a string.", 2},
      {"[1.]", "Expected a digit after the decimal point.", 3},
      {"\f1", "Expected a value (a string, number, object, array, true, false or null).", 0},
      {"\"\\ud800\"", "Invalid \\u escape: an unpaired UTF-16 surrogate.", 1},
      {"\"\\udc00\"", "Invalid \\u escape: an unpaired UTF-16 surrogate.", 1},
      {"\"\\ud800\\u0041\"", "Invalid \\u escape: an unpaired UTF-16 surrogate.", 1},
  };
  for (const Case& c : cases) {
    const JsonInputError e = refusal(c.text, kStrict);
    EXPECT_EQ(e.reason(), c.reason) << c.text;
    EXPECT_EQ(e.offset(), c.offset) << c.text;
    EXPECT_EQ(e.kind(), JsonErrorKind::kSyntax) << c.text;
    EXPECT_NO_THROW(parse_json_input(c.text)) << c.text;  // ...all of which lenient reads
  }
}

TEST(JsonInput, OtherSyntaxErrors) {
  EXPECT_EQ(refusal("01").reason(),
            "Numbers cannot have leading zeros (octal and hex are not JSON).");
  EXPECT_EQ(refusal("-").reason(), "Unexpected end of input. Expected a digit after -.");
  EXPECT_EQ(refusal("1e").reason(), "Unexpected end of input. Expected a digit in the exponent.");
  EXPECT_EQ(refusal("1e+x").reason(), "Expected a digit in the exponent.");
  EXPECT_EQ(refusal("0x1F").reason(), "Unexpected text after the JSON value.");
  EXPECT_EQ(refusal("{} {}").offset(), 3u);
  EXPECT_EQ(refusal("\"\\x\"", kStrict).reason(), "Invalid escape sequence \\x in a string.");
  EXPECT_EQ(refusal("\"\\u12G4\"").reason(),
            "Invalid \\u escape: expected four hexadecimal digits.");
  EXPECT_EQ(refusal("trUe").kind(), JsonErrorKind::kSyntax);
  EXPECT_EQ(refusal("nulll").reason(), "Unexpected text after the JSON value.");
  EXPECT_EQ(refusal("{\"a\" 1}").reason(), "Expected : after the object key.");
  EXPECT_EQ(refusal("[1 2]").reason(), "Expected , or ] after array element.");
  EXPECT_EQ(refusal("[1}").reason(), "Expected , or ] after array element.");
  EXPECT_EQ(refusal("{\"a\":1]").reason(), "Expected , or } after key:value pair.");
  EXPECT_EQ(refusal("\xC3\xA9").reason(),
            "Expected a value (a string, number, object, array, true, false or null).");
}

TEST(JsonInput, EmptyAndTruncatedInput) {
  EXPECT_EQ(refusal("").reason(), "Unexpected end of input. Expected a value.");
  EXPECT_EQ(refusal(" \n ").reason(), "Unexpected end of input. Expected a value.");
  EXPECT_EQ(refusal("\xEF\xBB\xBF").reason(), "Unexpected end of input. Expected a value.");
  EXPECT_EQ(refusal("{").reason(), "Unexpected end of input. Expected an object key or }.");
  EXPECT_EQ(refusal("{\"a\"").reason(),
            "Unexpected end of input. Expected : after the object key.");
  EXPECT_EQ(refusal("{\"a\":").reason(), "Unexpected end of input. Expected a value.");
  EXPECT_EQ(refusal("{\"a\":1").reason(),
            "Unexpected end of input. Expected , or } after key:value pair.");
  EXPECT_EQ(refusal("{\"a\":1,").reason(), "Unexpected end of input. Expected an object key.");
  EXPECT_EQ(refusal("[1").reason(),
            "Unexpected end of input. Expected , or ] after array element.");
  EXPECT_EQ(refusal("[tr").reason(), "Unexpected end of input. Expected true.");
  // An unterminated string points at its opening quote.
  const JsonInputError open = refusal("{\"text\": \"never closed");
  EXPECT_EQ(open.reason(), "Unexpected end of input. Expected a closing \" for this string.");
  EXPECT_EQ(open.offset(), 9u);
  EXPECT_EQ(refusal("['x").reason(),
            "Unexpected end of input. Expected a closing ' for this string.");
  EXPECT_EQ(refusal("\"ends in a backslash\\").offset(), 0u);

  // Every proper prefix of a request is refused cleanly, strict or lenient.
  const std::string body = rfc_documents().back();
  for (std::size_t n = 0; n < body.size(); ++n) {
    const std::string prefix = body.substr(0, n);
    for (const JsonLimits& limits : {JsonLimits{}, kStrict}) {
      try {
        (void)parse_json_input(prefix, limits);
        ADD_FAILURE() << "accepted the prefix " << prefix;
      } catch (const JsonInputError& e) {
        EXPECT_LE(e.offset(), n);
        EXPECT_EQ(std::string(e.what()).rfind("Invalid JSON payload received. ", 0), 0u);
      }
    }
  }
}

TEST(JsonInput, DeepNestingIsRefusedWithoutRecursion) {
  // 150,000 levels: a recursive parser, dump() or destructor would overflow the stack.
  const std::size_t depth = 150000;
  for (const JsonLimits& limits : {JsonLimits{}, kStrict}) {
    const JsonInputError arrays = refusal(nested_arrays(depth), limits);
    EXPECT_EQ(arrays.kind(), JsonErrorKind::kTooDeep);
    EXPECT_EQ(arrays.reason(), "Objects and arrays nest deeper than 100 levels.");
    EXPECT_EQ(arrays.offset(), 100u);  // the 101st bracket
    const JsonInputError objects = refusal(nested_objects(depth), limits);
    EXPECT_EQ(objects.kind(), JsonErrorKind::kTooDeep);
    EXPECT_EQ(objects.offset(), 500u);
    // Unclosed, mixed, and inside an otherwise ordinary request.
    std::string mixed = "{\"comment\": {\"text\": \"x\"}, \"context\": ";
    const std::size_t at = mixed.size();
    for (std::size_t i = 0; i < depth; ++i) mixed += i % 2 ? "{\"k\": " : "[";
    const JsonInputError m = refusal(mixed, limits);
    EXPECT_EQ(m.kind(), JsonErrorKind::kTooDeep);
    EXPECT_GT(m.offset(), at);
  }
  std::string bare;
  for (std::size_t i = 0; i < depth; ++i) bare += "{a:";
  EXPECT_EQ(refusal(bare).kind(), JsonErrorKind::kTooDeep);
}

TEST(JsonInput, ExactlyAtTheLimitIsReadAndDumps) {
  const json arrays = parse_json_input(nested_arrays(100));
  EXPECT_EQ(arrays.dump(), nested_arrays(100));
  const json objects = parse_json_input(nested_objects(100), kStrict);
  EXPECT_EQ(objects.dump(), nested_objects(100));
  EXPECT_EQ(refusal(nested_arrays(101)).kind(), JsonErrorKind::kTooDeep);
  EXPECT_EQ(refusal(nested_objects(101)).kind(), JsonErrorKind::kTooDeep);
  // Empty containers count: [[]] is two levels.
  const JsonLimits two{.max_depth = 2};
  EXPECT_NO_THROW(parse_json_input("[[], {}, [1]]", two));
  EXPECT_EQ(refusal("[[[]]]", two).kind(), JsonErrorKind::kTooDeep);
  EXPECT_EQ(refusal("[[{}]]", two).offset(), 2u);
  const JsonLimits none{.max_depth = 0};
  EXPECT_EQ(parse_json_input("\"scalars need no depth\"", none), "scalars need no depth");
  EXPECT_EQ(refusal("{}", none).kind(), JsonErrorKind::kTooDeep);
}

TEST(JsonInput, InvalidUtf8InStringsIsRefused) {
  const JsonInputError value = refusal("{\"text\": \"bad \x80 byte\"}");
  EXPECT_EQ(value.kind(), JsonErrorKind::kInvalidUtf8);
  EXPECT_EQ(value.reason(), "Invalid UTF-8 in a string: unexpected continuation byte 0x80.");
  EXPECT_EQ(value.offset(), 14u);
  const JsonInputError key = refusal("{\"k\xFF\": 1}", kStrict);
  EXPECT_EQ(key.kind(), JsonErrorKind::kInvalidUtf8);
  EXPECT_EQ(key.offset(), 3u);
  // A sequence cut short by the closing quote says so.
  const JsonInputError cut = refusal("['caf\xC3']");
  EXPECT_EQ(cut.reason(),
            "Invalid UTF-8 in a string: truncated sequence: lead byte 0xC3 followed by 0x27.");
  EXPECT_EQ(refusal("\"\xED\xA0\x80\"").kind(), JsonErrorKind::kInvalidUtf8);       // surrogate
  EXPECT_EQ(refusal("\"\xC0\xAF\"", kStrict).kind(), JsonErrorKind::kInvalidUtf8);  // overlong
  // Outside strings a non-ASCII byte is just not JSON.
  EXPECT_EQ(refusal("[1, \xFF]").kind(), JsonErrorKind::kSyntax);
  // Valid multi-byte text, also across the eight-byte fast path.
  const std::string text = "\xE2\x80\x9Cquoted\xE2\x80\x9D and \xF0\x9F\x98\x80 plus a longer tail";
  EXPECT_EQ(parse_json_input("\"" + text + "\"", kStrict), text);
}

TEST(JsonInput, RepeatedKeysKeepTheLastValue) {
  EXPECT_EQ(parse_json_input("{\"a\": 1, \"a\": 2}"), json({{"a", 2}}));
  EXPECT_EQ(parse_json_input("{\"a\": {\"deep\": [1, 2]}, \"b\": 0, \"a\": [3]}", kStrict),
            json::parse("{\"a\": [3], \"b\": 0}"));
  EXPECT_EQ(parse_json_input("{a: 1, 'a': 2, \"a\": 3}"), json({{"a", 3}}));
  EXPECT_EQ(parse_json_input("{\"a\": 1, \"a\": 2}", kStrict), json::parse("{\"a\": 1, \"a\": 2}"));
}

TEST(JsonInput, MessagesShowWhereWithAnExcerptAndACaret) {
  const JsonInputError e = refusal("{comment: {text: \"hi\"} languages: [\"en\"]}");
  EXPECT_EQ(e.reason(), "Expected , or } after key:value pair.");
  EXPECT_EQ(std::string(e.what()),
            "Invalid JSON payload received. Expected , or } after key:value pair. "
            "Line 1, column 24:\n"
            "mment: {text: \"hi\"} languages: [\"en\"]}\n"
            "                    ^");
  // Line and column count from the start of the error's line; the excerpt stays on it.
  const JsonInputError multi = refusal("{\n  \"a\": 1,\n  \"b\" 2\n}");
  EXPECT_EQ(multi.line(), 3u);
  EXPECT_EQ(multi.column(), 7u);
  EXPECT_EQ(std::string(multi.what()),
            "Invalid JSON payload received. Expected : after the object key. Line 3, column 7:\n"
            "  \"b\" 2\n"
            "      ^");
  // Long lines are clipped to 20 bytes either side, never splitting a character:
  // the caret counts characters, so it sits under the offending byte.
  std::string e_acute_9, e_acute_10;
  for (int i = 0; i < 9; ++i) e_acute_9 += "\xC3\xA9";
  e_acute_10 = e_acute_9 + "\xC3\xA9";
  const std::string text = "[\"" + std::string(30, 'x') + e_acute_10 + "\"oops]";
  const std::string what = refusal(text).what();
  EXPECT_EQ(what.substr(what.find('\n') + 1), e_acute_9 + "\"oops]\n" + std::string(10, ' ') + "^");
  EXPECT_FALSE(find_invalid_utf8(what));
  const std::string head = refusal("x" + e_acute_10 + e_acute_10).what();
  EXPECT_EQ(head.substr(head.find('\n') + 1), "x" + e_acute_9 + "\n^");
  // A bad byte or control character in the excerpt is made safe to print and to put into JSON.
  const JsonInputError bad = refusal("{\"a\":\t\"\x80\"}");
  const std::string shown = bad.what();
  EXPECT_FALSE(find_invalid_utf8(shown));
  EXPECT_NE(shown.find("{\"a\": \"\xEF\xBF\xBD\"}\n       ^"), std::string::npos) << shown;
  EXPECT_NO_THROW((void)json(shown).dump());
}

TEST(JsonInput, NoLibraryInternalsInMessages) {
  for (const char* text : {"", "{", "[1,]", "{\"a\" 1}", "\"\\u00\"", "1e999", "[\"\xFF\"]"}) {
    for (const JsonLimits& limits : {JsonLimits{}, kStrict}) {
      try {
        (void)parse_json_input(text, limits);
      } catch (const JsonInputError& e) {
        const std::string what = e.what();
        EXPECT_EQ(what.find("json.exception"), std::string::npos) << what;
        EXPECT_EQ(what.find("nlohmann"), std::string::npos) << what;
        EXPECT_EQ(what.rfind("Invalid JSON payload received. ", 0), 0u) << what;
      }
    }
  }
}

TEST(JsonInput, LenientResultsDumpToStrictJsonOfTheSameValue) {
  const std::vector<std::string> docs = {
      "{a: 'b', c: [1., 2,], d: {e: '\\q\\v\"'},}",
      "['\\ud800', \"\\u00e9\", 'tab\there']",
      "{x: -0, y: 1e-400, z: 123456789012345678901234567890}",
  };
  for (const std::string& doc : docs) {
    const json lenient = parse_json_input(doc);
    const std::string dumped = lenient.dump();
    EXPECT_EQ(parse_json_input(dumped, kStrict), lenient) << dumped;
    EXPECT_EQ(json::parse(dumped), lenient) << dumped;
  }
}

}  // namespace
}  // namespace comity
