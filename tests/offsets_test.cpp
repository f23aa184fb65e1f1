// Normalisation must not lose the way back: every token's `where` points at exactly
// the original characters, in bytes, code points and UTF-16 code units alike.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "comity/text.h"

namespace comity {
namespace {

// Independent of the library: walks the UTF-8 by hand and records, for every byte
// offset that starts a code point (and the end), the code-point and UTF-16 offsets.
struct Reference {
  std::vector<int> cp_at_byte, u16_at_byte;  // -1 inside a multi-byte sequence
  explicit Reference(std::string_view text)
      : cp_at_byte(text.size() + 1, -1), u16_at_byte(text.size() + 1, -1) {
    int cp = 0, u16 = 0;
    std::size_t i = 0;
    while (i < text.size()) {
      cp_at_byte[i] = cp;
      u16_at_byte[i] = u16;
      const auto lead = static_cast<unsigned char>(text[i]);
      const std::size_t len = lead < 0x80 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4;
      i += len;
      ++cp;
      u16 += len == 4 ? 2 : 1;
    }
    cp_at_byte[text.size()] = cp;
    u16_at_byte[text.size()] = u16;
  }
};

void expect_round_trip(std::string_view text, const std::vector<std::string>& sources) {
  SCOPED_TRACE(testing::PrintToString(std::string(text)));
  const NormalizedText n = normalize(text);
  const Reference ref(text);
  ASSERT_EQ(n.tokens.size(), sources.size());
  for (std::size_t i = 0; i < n.tokens.size(); ++i) {
    const TextRange& w = n.tokens[i].where;
    ASSERT_LE(w.byte_begin, w.byte_end);
    ASSERT_LE(w.byte_end, text.size());
    EXPECT_EQ(text.substr(w.byte_begin, w.byte_end - w.byte_begin), sources[i]) << "token " << i;
    EXPECT_EQ(static_cast<int>(w.cp_begin), ref.cp_at_byte[w.byte_begin]) << "token " << i;
    EXPECT_EQ(static_cast<int>(w.cp_end), ref.cp_at_byte[w.byte_end]) << "token " << i;
    EXPECT_EQ(static_cast<int>(w.u16_begin), ref.u16_at_byte[w.byte_begin]) << "token " << i;
    EXPECT_EQ(static_cast<int>(w.u16_end), ref.u16_at_byte[w.byte_end]) << "token " << i;
  }
  for (const Sentence& s : n.sentences) {
    EXPECT_EQ(static_cast<int>(s.where.cp_begin), ref.cp_at_byte[s.where.byte_begin]);
    EXPECT_EQ(static_cast<int>(s.where.u16_end), ref.u16_at_byte[s.where.byte_end]);
  }
}

TEST(Offsets, EmojiWithSkinTonesAndZwjSequences) {
  expect_round_trip(
      "hi \U0001F44D\U0001F3FD you \U0001F468\u200D\U0001F469\u200D\U0001F467 ok",
      {"hi", "\U0001F44D\U0001F3FD", "you", "\U0001F468\u200D\U0001F469\u200D\U0001F467", "ok"});
}

TEST(Offsets, CombiningMarksStayWithTheirLetter) {
  expect_round_trip("cafe\u0301 z\u0335\u0321a\u0334lgo",
                    {"cafe\u0301", "z\u0335\u0321a\u0334lgo"});
}

TEST(Offsets, CrLfAndCjk) {
  expect_round_trip("line one\r\n\u4F60\u597D\u3002next",
                    {"line", "one", "\u4F60", "\u597D", "next"});
}

TEST(Offsets, AstralMathematicalLetters) {
  const std::string bold = "\U0001D41F\U0001D42E\U0001D41C\U0001D424";
  expect_round_trip("\U0001F600 " + bold + " end", {"\U0001F600", bold, "end"});
  const NormalizedText n = normalize("\U0001F600 " + bold);
  EXPECT_EQ(n.tokens[1].where.u16_begin, 3u);  // the emoji is a surrogate pair
  EXPECT_EQ(n.tokens[1].where.u16_end, 11u);
  EXPECT_EQ(n.tokens[1].where.cp_end, 6u);
}

TEST(Offsets, ObfuscatedTokensSpanTheirWholeSource) {
  expect_round_trip(
      "\u00E9 f.u.c.k you_sh1t f\u200Buck \u0456d\u0456\u043Et a$$",
      {"\u00E9", "f.u.c.k", "you", "sh1t", "f\u200Buck", "\u0456d\u0456\u043Et", "a$$"});
}

TEST(OffsetIndex, ConvertsByteOffsets) {
  const std::string text = "a\u00E9\U0001F600b";  // 1 + 2 + 4 + 1 bytes
  const OffsetIndex index(text);
  EXPECT_EQ(index.cp_at_byte(0), 0u);
  EXPECT_EQ(index.cp_at_byte(1), 1u);
  EXPECT_EQ(index.cp_at_byte(3), 2u);
  EXPECT_EQ(index.cp_at_byte(7), 3u);
  EXPECT_EQ(index.cp_at_byte(8), 4u);
  EXPECT_EQ(index.u16_at_byte(7), 4u);
  EXPECT_EQ(index.u16_at_byte(8), 5u);
  EXPECT_EQ(index.byte_at_cp(3), 7u);
  EXPECT_EQ(index.byte_at_cp(99), 8u);
  const TextRange r = index.range(3, 8);
  EXPECT_EQ(r.cp_begin, 2u);
  EXPECT_EQ(r.cp_end, 4u);
  EXPECT_EQ(r.u16_begin, 2u);
  EXPECT_EQ(r.u16_end, 5u);
}

TEST(OffsetIndex, AgreesWithNormalize) {
  const std::string text = "x \U0001F469\u200D\U0001F4BB \u0456d\u0456\u043Et \u4F60 ok";
  const OffsetIndex index(text);
  for (const Token& t : normalize(text).tokens) {
    EXPECT_EQ(index.range(t.where.byte_begin, t.where.byte_end), t.where) << t.norm;
  }
}

}  // namespace
}  // namespace comity
