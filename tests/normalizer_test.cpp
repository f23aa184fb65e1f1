// normalize(): each obfuscation class a commenter uses to dodge a filter, undone.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "comity/text.h"

namespace comity {
namespace {

std::vector<std::string> norms(std::string_view text) {
  std::vector<std::string> out;
  for (const Token& t : normalize(text).tokens) out.push_back(t.norm);
  return out;
}

using Strings = std::vector<std::string>;

Token only_token(const NormalizedText& n) {
  EXPECT_EQ(n.tokens.size(), 1u);
  return n.tokens.empty() ? Token{} : n.tokens.front();
}

TEST(Normalize, CaseFoldingAndAccentsAreRemoved) {
  EXPECT_EQ(norms("Hello WORLD, café Straße fück"),
            (Strings{"hello", "world", "cafe", "strasse", "fuck"}));
  // A decomposed accent (e + U+0301) gives the same word as the precomposed one.
  EXPECT_EQ(norms("cafe\u0301"), (Strings{"cafe"}));
  const Token t = only_token(normalize("f\u00FCck"));
  EXPECT_FALSE(t.obfuscated) << "accents are ordinary spelling, not obfuscation";
}

TEST(Normalize, PlainTextIsNotObfuscated) {
  for (const Token& t : normalize("You are simply wrong about this, don't you think?").tokens) {
    EXPECT_FALSE(t.obfuscated) << t.norm;
  }
  EXPECT_EQ(norms("don't"), (Strings{"don't"}));
  EXPECT_EQ(norms("don\u2019t"), (Strings{"don't"}));
}

TEST(Normalize, CyrillicAndGreekHomoglyphs) {
  const Token t = only_token(normalize("\u0456d\u0456\u043Et"));  // іdіоt
  EXPECT_EQ(t.norm, "idiot");
  EXPECT_TRUE(t.obfuscated);
  EXPECT_EQ(norms("\u0397\u0391\u03A4\u0395"), (Strings{"hate"}));  // Greek capitals ΗΑΤΕ
  // Real Cyrillic and Greek words stay in their script.
  EXPECT_EQ(norms("\u041F\u0440\u0438\u0432\u0435\u0442"),
            (Strings{"\u043F\u0440\u0438\u0432\u0435\u0442"}));
  EXPECT_EQ(norms("\u039A\u03B1\u03BB\u03B7\u03BC\u03AD\u03C1\u03B1"),
            (Strings{"\u03BA\u03B1\u03BB\u03B7\u03BC\u03B5\u03C1\u03B1"}));
}

TEST(Normalize, FullwidthMathematicalAndSmallCapitals) {
  EXPECT_EQ(norms("\uFF46\uFF55\uFF43\uFF4B"), (Strings{"fuck"}));                  // ｆｕｃｋ
  EXPECT_EQ(norms("\U0001D41F\U0001D42E\U0001D41C\U0001D424"), (Strings{"fuck"}));  // 𝐟𝐮𝐜𝐤
  EXPECT_EQ(norms("\U0001D4EF\U0001D4FE\U0001D4EC\U0001D4F4"), (Strings{"fuck"}));  // bold script
  EXPECT_EQ(norms("\u1D04\u1D1C\u0274\u1D1B"), (Strings{"cunt"}));                  // small caps
  EXPECT_TRUE(only_token(normalize("\uFF46\uFF55\uFF43\uFF4B")).obfuscated);
}

TEST(Normalize, FoldConfusableMapsLookAlikesToLatin) {
  EXPECT_EQ(fold_confusable(U'\u0430'), U'a');      // Cyrillic а
  EXPECT_EQ(fold_confusable(U'\u0455'), U's');      // Cyrillic ѕ
  EXPECT_EQ(fold_confusable(U'\u0501'), U'd');      // Cyrillic ԁ
  EXPECT_EQ(fold_confusable(U'\u04CF'), U'l');      // Cyrillic palochka ӏ
  EXPECT_EQ(fold_confusable(U'\u03BD'), U'v');      // Greek ν
  EXPECT_EQ(fold_confusable(U'\u03C1'), U'p');      // Greek ρ
  EXPECT_EQ(fold_confusable(U'\uFF21'), U'A');      // fullwidth A
  EXPECT_EQ(fold_confusable(U'\U0001D400'), U'A');  // mathematical bold A
  EXPECT_EQ(fold_confusable(U'\U0001D6C2'), U'a');  // mathematical bold alpha
  EXPECT_EQ(fold_confusable(U'\U0001F170'), U'A');  // negative squared A
  EXPECT_EQ(fold_confusable(U'x'), U'x');
  EXPECT_EQ(fold_confusable(U'\u05D0'), U'\u05D0');  // Hebrew alef has no look-alike
}

TEST(Normalize, ZeroWidthCharactersInsideAWord) {
  for (const char* text : {"f\u200Buck", "f\u00ADu\u200Dck", "fu\uFEFFck", "\u2060fuck\u200C"}) {
    const NormalizedText n = normalize(text);
    ASSERT_EQ(n.tokens.size(), 1u) << text;
    EXPECT_EQ(n.tokens[0].norm, "fuck") << text;
  }
  const Token t = only_token(normalize("f\u200Buck"));
  EXPECT_TRUE(t.obfuscated);
  EXPECT_EQ(t.where.byte_begin, 0u);
  EXPECT_EQ(t.where.byte_end, 7u);  // the zero-width space is inside the token
  // Outside the word it hides nothing and is not part of the token.
  const Token edge = only_token(normalize("\u200Bfuck\u200B"));
  EXPECT_FALSE(edge.obfuscated);
  EXPECT_EQ(edge.where.byte_begin, 3u);
  EXPECT_EQ(edge.where.byte_end, 7u);
}

TEST(Normalize, LeetspeakInsideWords) {
  EXPECT_EQ(norms("sh1t a$$hole h4te @ss n00b l33t d1ck"),
            (Strings{"shit", "asshole", "hate", "ass", "noob", "leet", "dick"}));
  // At the edge of a word a digit is decoded only when that spells a lexicon word.
  EXPECT_EQ(norms("1diot $hit 4ever 3d"), (Strings{"idiot", "shit", "4ever", "3d"}));
  for (const Token& t : normalize("sh1t a$$hole h4te").tokens) EXPECT_TRUE(t.obfuscated);
}

TEST(Normalize, NumbersAndMoneyAreNotLeetspeak) {
  const NormalizedText n = normalize("In 2024 I came 1st, paid $5 for 3.5 kg");
  ASSERT_EQ(n.tokens.size(), 10u);
  EXPECT_EQ(n.tokens[1].norm, "2024");
  EXPECT_EQ(n.tokens[1].kind, TokenKind::kNumber);
  EXPECT_EQ(n.tokens[4].norm, "1st");
  EXPECT_FALSE(n.tokens[4].obfuscated);
  EXPECT_EQ(n.tokens[6].norm, "5");
  EXPECT_EQ(n.tokens[6].kind, TokenKind::kNumber);
  EXPECT_EQ(n.tokens[8].norm, "3.5");
  EXPECT_EQ(norms("covid19 mp3"), (Strings{"covid19", "mp3"}));
}

TEST(Normalize, MentionsAndAddressesAreNotLeetspeak) {
  EXPECT_EQ(norms("@john thanks"), (Strings{"john", "thanks"}));
  EXPECT_EQ(norms("mail john@example.com"), (Strings{"mail", "john", "example", "com"}));
}

TEST(Normalize, MaskedLettersResolveAgainstTheLexicon) {
  EXPECT_EQ(norms("f*ck f**k sh*t b!tch f*** d#mn"),
            (Strings{"fuck", "fuck", "shit", "bitch", "fuck", "damn"}));
  for (const Token& t : normalize("f*ck sh*t").tokens) EXPECT_TRUE(t.obfuscated);
  // Two lexicon words fit "s**t" (shit, slut): the mask stays a wildcard.
  const Token ambiguous = only_token(normalize("s**t"));
  EXPECT_EQ(ambiguous.norm, "s**t");
  EXPECT_TRUE(ambiguous.obfuscated);
  // Emphasis and hashtags are not masks.
  EXPECT_EQ(norms("*really* #metoo"), (Strings{"really", "metoo"}));
}

TEST(Normalize, SpacedAndDottedLettersJoin) {
  const NormalizedText n = normalize("f.u.c.k f u c k f-u-c-k f_u_c_k");
  ASSERT_EQ(n.tokens.size(), 4u);
  for (const Token& t : n.tokens) {
    EXPECT_EQ(t.norm, "fuck");
    EXPECT_TRUE(t.obfuscated);
  }
  EXPECT_EQ(n.tokens[0].where.byte_begin, 0u);
  EXPECT_EQ(n.tokens[0].where.byte_end, 7u);
  EXPECT_EQ(n.tokens[1].where.byte_begin, 8u);
  EXPECT_EQ(n.tokens[1].where.byte_end, 15u);
  // Chat shorthand with spaces needs a lexicon word to join; two letters never join.
  EXPECT_EQ(norms("u r a star"), (Strings{"u", "r", "a", "star"}));
  EXPECT_EQ(norms("a s s"), (Strings{"ass"}));
  EXPECT_EQ(norms("e.g."), (Strings{"e", "g"}));
}

TEST(Normalize, UnderscoresSplitWords) {
  EXPECT_EQ(norms("You_suck"), (Strings{"you", "suck"}));
  EXPECT_EQ(norms("snake_case_name"), (Strings{"snake", "case", "name"}));
}

TEST(Normalize, ElongationCollapses) {
  EXPECT_EQ(norms("fuuuuck soooo loool good"), (Strings{"fuck", "so", "lol", "good"}));
  // When collapsing to one letter misses a lexicon word but two letters hit it.
  EXPECT_EQ(norms("asssss"), (Strings{"ass"}));
  EXPECT_TRUE(only_token(normalize("fuuuuck")).obfuscated);
  EXPECT_FALSE(only_token(normalize("good")).obfuscated);
}

TEST(Normalize, EmojiAreTokensOfTheirOwn) {
  const NormalizedText n = normalize(
      "nice\U0001F44D\U0001F3FD \U0001F469\u200D\U0001F4BB \U0001F1EB\U0001F1F7 \u2764\uFE0F");
  ASSERT_EQ(n.tokens.size(), 5u);
  EXPECT_EQ(n.tokens[0].norm, "nice");
  EXPECT_EQ(n.tokens[1].kind, TokenKind::kEmoji);
  EXPECT_EQ(n.tokens[1].norm, "\U0001F44D");  // skin tone dropped from norm ...
  EXPECT_EQ(n.tokens[1].where.byte_end - n.tokens[1].where.byte_begin, 8u);  // ... not from where
  EXPECT_EQ(n.tokens[2].norm, "\U0001F469\u200D\U0001F4BB");  // ZWJ sequence is one token
  EXPECT_EQ(n.tokens[3].norm, "\U0001F1EB\U0001F1F7");        // a flag is one token
  EXPECT_EQ(n.tokens[4].norm, "\u2764");                      // no variation selector
  for (std::size_t i = 1; i < 5; ++i) EXPECT_EQ(n.tokens[i].kind, TokenKind::kEmoji);
}

TEST(Normalize, ExclamationAndQuestionRunsAreSymbols) {
  const NormalizedText n = normalize("what?! no!!! ok? really?? (yes)");
  Strings symbols;
  for (const Token& t : n.tokens) {
    if (t.kind == TokenKind::kSymbol) symbols.push_back(t.norm);
  }
  EXPECT_EQ(symbols, (Strings{"?!", "!!", "?", "??"}));
  EXPECT_EQ(norms("(yes), [no]; <maybe>"), (Strings{"yes", "no", "maybe"}));
}

TEST(Normalize, CjkIdeographsAreSingleTokens) {
  EXPECT_EQ(norms("\u4F60\u597D world"), (Strings{"\u4F60", "\u597D", "world"}));
}

TEST(Normalize, EmptyAndBlankTextHasNothing) {
  for (const char* text : {"", "   ", "\n\r\n\t", "\u200B\u200B", " \u3000 "}) {
    const NormalizedText n = normalize(text);
    EXPECT_TRUE(n.tokens.empty()) << testing::PrintToString(text);
    EXPECT_TRUE(n.sentences.empty()) << testing::PrintToString(text);
  }
}

// ---- sentences ------------------------------------------------------------------

std::vector<std::string> sentence_texts(std::string_view text) {
  std::vector<std::string> out;
  for (const Sentence& s : normalize(text).sentences) {
    out.emplace_back(text.substr(s.where.byte_begin, s.where.byte_end - s.where.byte_begin));
  }
  return out;
}

TEST(Sentences, SplitOnTerminatorsAndTrimWhitespace) {
  EXPECT_EQ(sentence_texts("  Hello there.  How are you?! Fine... thanks  "),
            (Strings{"Hello there.", "How are you?!", "Fine...", "thanks"}));
}

TEST(Sentences, TextWithoutTerminatorIsOneSentence) {
  const NormalizedText n = normalize("no terminator at all");
  ASSERT_EQ(n.sentences.size(), 1u);
  EXPECT_EQ(n.sentences[0].token_begin, 0u);
  EXPECT_EQ(n.sentences[0].token_end, 4u);
}

TEST(Sentences, AbbreviationsDoNotSplit) {
  EXPECT_EQ(sentence_texts("Mr. Smith, e.g. a friend, met Dr. Who. Then he left."),
            (Strings{"Mr. Smith, e.g. a friend, met Dr. Who.", "Then he left."}));
  EXPECT_EQ(sentence_texts("Pi is 3.14 today."), (Strings{"Pi is 3.14 today."}));
}

TEST(Sentences, LineBreaksSplit) {
  EXPECT_EQ(sentence_texts("first line\r\nsecond line\n\nthird"),
            (Strings{"first line", "second line", "third"}));
}

TEST(Sentences, EveryTokenBelongsToExactlyOneSentence) {
  const NormalizedText n = normalize("One. Two two! Three?\nFour \U0001F600 five. (six)");
  ASSERT_FALSE(n.sentences.empty());
  std::uint32_t next = 0;
  for (const Sentence& s : n.sentences) {
    EXPECT_EQ(s.token_begin, next);
    EXPECT_LT(s.token_begin, s.token_end);
    for (std::uint32_t t = s.token_begin; t < s.token_end; ++t) {
      EXPECT_LE(s.where.byte_begin, n.tokens[t].where.byte_begin);
      EXPECT_GE(s.where.byte_end, n.tokens[t].where.byte_end);
    }
    next = s.token_end;
  }
  EXPECT_EQ(next, n.tokens.size());
  EXPECT_EQ(n.sentences.size(), 5u);
}

}  // namespace
}  // namespace comity
