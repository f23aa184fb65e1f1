// UTF-8 validation must name the first bad byte precisely; repair must follow the
// "maximal subpart" practice so that results match browsers and other libraries.
#include <gtest/gtest.h>

#include <string>

#include "comity/utf8.h"

namespace comity {
namespace {

Utf8Error expect_error(std::string_view text) {
  const auto error = find_invalid_utf8(text);
  EXPECT_TRUE(error.has_value()) << "expected an error in " << testing::PrintToString(text);
  return error.value_or(Utf8Error{});
}

TEST(Utf8Validation, AcceptsValidText) {
  EXPECT_FALSE(find_invalid_utf8(""));
  EXPECT_FALSE(find_invalid_utf8("plain ascii\nsecond line"));
  EXPECT_FALSE(find_invalid_utf8("caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x91\x8D \xF4\x8F\xBF\xBF"));
  EXPECT_FALSE(find_invalid_utf8("\xED\x9F\xBF\xEE\x80\x80"));  // U+D7FF, U+E000 around surrogates
}

TEST(Utf8Validation, StrayContinuationByte) {
  const auto e = expect_error("ab\x80");
  EXPECT_EQ(e.byte_offset, 2u);
  EXPECT_EQ(e.line, 1u);
  EXPECT_EQ(e.column, 3u);
  EXPECT_EQ(e.message,
            "invalid UTF-8 at byte 2 (line 1, column 3): unexpected continuation byte 0x80");
}

TEST(Utf8Validation, OverlongEncodings) {
  const auto two = expect_error("line1\nxy\xC0\xAF");
  EXPECT_EQ(two.byte_offset, 8u);
  EXPECT_EQ(two.line, 2u);
  EXPECT_EQ(two.column, 3u);
  EXPECT_NE(two.message.find("overlong"), std::string::npos) << two.message;
  EXPECT_NE(two.message.find("0xC0"), std::string::npos) << two.message;

  const auto three = expect_error("\xE0\x80\xAF");
  EXPECT_EQ(three.byte_offset, 0u);
  EXPECT_NE(three.message.find("overlong"), std::string::npos) << three.message;

  const auto four = expect_error("ok \xF0\x8F\xBF\xBF");
  EXPECT_EQ(four.byte_offset, 3u);
  EXPECT_EQ(four.column, 4u);
  EXPECT_NE(four.message.find("overlong"), std::string::npos) << four.message;
}

TEST(Utf8Validation, EncodedSurrogate) {
  const auto e = expect_error("a\n\nb\xED\xA0\x80");
  EXPECT_EQ(e.byte_offset, 4u);
  EXPECT_EQ(e.line, 3u);
  EXPECT_EQ(e.column, 2u);
  EXPECT_NE(e.message.find("surrogate"), std::string::npos) << e.message;
  EXPECT_NE(e.message.find("0xED"), std::string::npos) << e.message;
}

TEST(Utf8Validation, AboveMaximumCodePoint) {
  const auto e = expect_error("\xF4\x90\x80\x80");
  EXPECT_EQ(e.byte_offset, 0u);
  EXPECT_NE(e.message.find("U+10FFFF"), std::string::npos) << e.message;
  const auto lead = expect_error("xx\xF5\x80\x80\x80");
  EXPECT_EQ(lead.byte_offset, 2u);
  EXPECT_NE(lead.message.find("U+10FFFF"), std::string::npos) << lead.message;
}

TEST(Utf8Validation, TruncatedSequences) {
  const auto at_end = expect_error("euro \xE2\x82");
  EXPECT_EQ(at_end.byte_offset, 5u);
  EXPECT_NE(at_end.message.find("truncated"), std::string::npos) << at_end.message;
  EXPECT_NE(at_end.message.find("end of input"), std::string::npos) << at_end.message;

  const auto interrupted = expect_error("\xF0\x9F\x91x");
  EXPECT_EQ(interrupted.byte_offset, 0u);
  EXPECT_NE(interrupted.message.find("truncated"), std::string::npos) << interrupted.message;
  EXPECT_NE(interrupted.message.find("0x78"), std::string::npos) << interrupted.message;
}

TEST(Utf8Validation, ByteThatNeverAppears) {
  const auto e = expect_error("\xC3\xA9\xFF");
  EXPECT_EQ(e.byte_offset, 2u);
  EXPECT_EQ(e.column, 3u);
  EXPECT_NE(e.message.find("0xFF"), std::string::npos) << e.message;
}

TEST(Utf8Repair, ReplacesEachMaximalInvalidSubsequence) {
  const std::string fffd = "\xEF\xBF\xBD";
  EXPECT_EQ(repair_utf8("a\x80"
                        "b"),
            "a" + fffd + "b");
  // A truncated but well-started sequence is one subpart: one replacement.
  EXPECT_EQ(repair_utf8("\xE2\x82x"), fffd + "x");
  EXPECT_EQ(repair_utf8("\xF0\x9F\x91"), fffd);
  // Bytes that cannot start any valid continuation are replaced one by one.
  EXPECT_EQ(repair_utf8("\xF0\x80\x80"), fffd + fffd + fffd);
  EXPECT_EQ(repair_utf8("\xED\xA0\x80"), fffd + fffd + fffd);
  EXPECT_EQ(repair_utf8("\xF4\x90\x80\x80"), fffd + fffd + fffd + fffd);
  EXPECT_EQ(repair_utf8("\xC0\xAF"), fffd + fffd);
  const std::string valid = "caf\xC3\xA9 \xF0\x9F\x91\x8D";
  EXPECT_EQ(repair_utf8(valid), valid);
  EXPECT_FALSE(find_invalid_utf8(repair_utf8("\xFF\xFE x \xE2\x82 \xF0\x9F")));
}

TEST(Utf8Codec, DecodeAndAppendRoundTrip) {
  for (const char32_t cp : {U'A', U'\u00E9', U'\u20AC', U'\U0001F44D', U'\U0010FFFF'}) {
    std::string encoded;
    append_utf8(encoded, cp);
    EXPECT_FALSE(find_invalid_utf8(encoded));
    std::size_t pos = 0;
    EXPECT_EQ(decode_utf8(encoded, pos), cp);
    EXPECT_EQ(pos, encoded.size());
  }
}

}  // namespace
}  // namespace comity
