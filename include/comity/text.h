// The text pipeline: normalisation that keeps the way back to the original.
//
// normalize() turns a comment into tokens whose `norm` form has been through NFKC,
// case folding, confusable/homoglyph folding, zero-width removal and de-obfuscation
// (leetspeak, masking, spaced letters, repeated letters), while each token remembers
// exactly where it came from in the original text in bytes, code points and UTF-16
// code units.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace comity {

// Half-open range [begin, end) into the original text, in three units.
struct TextRange {
  std::uint32_t byte_begin = 0, byte_end = 0;
  std::uint32_t cp_begin = 0, cp_end = 0;    // Unicode code points (toxic-spans data)
  std::uint32_t u16_begin = 0, u16_end = 0;  // UTF-16 code units (Perspective's spanScores)
  bool operator==(const TextRange&) const = default;
};

enum class TokenKind : std::uint8_t { kWord, kNumber, kEmoji, kSymbol };

struct Token {
  std::string norm;  // normalised form used for features, e.g. "f*ck" -> "fuck"
  TextRange where;   // where it came from in the original text
  TokenKind kind = TokenKind::kWord;
  bool obfuscated = false;  // true when de-obfuscation changed the letters
};

struct Sentence {
  std::uint32_t token_begin = 0, token_end = 0;  // token index range
  TextRange where;
};

struct NormalizedText {
  std::vector<Token> tokens;
  std::vector<Sentence> sentences;
  std::string_view language = "en";  // the profile's code (static storage)
};

struct LanguageProfile;

// `text` must be valid UTF-8 (see utf8.h). Never throws on any valid input. The
// profile (language_profile.h) is the language's; without one, English.
NormalizedText normalize(std::string_view text);
NormalizedText normalize(std::string_view text, const LanguageProfile& profile);

// Folds one code point to a Latin look-alike or returns it unchanged
// (Cyrillic/Greek homoglyphs, fullwidth forms, mathematical alphanumerics).
char32_t fold_confusable(char32_t cp);

// Converts a byte offset of valid UTF-8 `text` into code-point and UTF-16 offsets.
// Used by callers that hold byte offsets (e.g. HTML stripping) and need the others.
class OffsetIndex {
 public:
  explicit OffsetIndex(std::string_view text);
  std::uint32_t cp_at_byte(std::uint32_t byte) const;
  std::uint32_t u16_at_byte(std::uint32_t byte) const;
  std::uint32_t byte_at_cp(std::uint32_t cp) const;
  TextRange range(std::uint32_t byte_begin, std::uint32_t byte_end) const;

 private:
  std::vector<std::uint32_t> cp_start_bytes_;  // byte offset of each code point, plus end
  std::vector<std::uint32_t> u16_before_;      // UTF-16 units before each code point, plus end
};

}  // namespace comity
