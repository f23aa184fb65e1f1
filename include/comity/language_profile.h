// A language profile: what text normalisation needs to know about one language.
//
// normalize() is the same pipeline for every language; a profile switches the parts
// that only make sense for some of them: leetspeak ("4" for "a") in Latin-script
// languages, the direction look-alike letters are folded (Cyrillic "а" inside a Latin
// word, Latin "o" inside a Russian one), the in-language words that de-obfuscation may
// spell ("sch*iße", "с*ка"), and the short function words that identify a language in
// a text too short for statistics. A model records the profiles it was trained with
// (ModelInfo::text_profiles), so scoring normalises a text exactly as training did.
#pragma once
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace comity {

enum class Script : std::uint8_t {
  kLatin,
  kCyrillic,
  kGreek,
  kArabic,
  kHebrew,
  kDevanagari,
  kThai,
  kHan,     // Chinese characters (also in Japanese)
  kKana,    // Japanese hiragana and katakana
  kHangul,  // Korean
  kOther,
};

struct LanguageProfile {
  std::string_view code;  // canonical tag (canonical_language): "en", "de", "hi-Latn"; "und"
  Script script = Script::kLatin;
  // Digits and symbols inside a word may stand for letters ("1d10t"). Only where
  // words are written in Latin letters: elsewhere a digit in a word is a digit.
  bool leetspeak = true;
  // Normalised (case-folded, accents stripped) in-language profanity, sorted: the
  // words a masked or stretched spelling is resolved to ("f*ck", "scheisssse").
  std::span<const std::string_view> lexicon;
  // Normalised frequent short words of the language, sorted: evidence for detection.
  std::span<const std::string_view> function_words;
  // Bumped whenever anything above changes what normalize() produces.
  std::uint32_t version = 1;

  // "de/2": what a model file records so a changed profile is noticed.
  std::string fingerprint() const;
};

// The profile for a canonical language tag; the generic profile ("und": no lexicon,
// leetspeak on, Latin folding) for a language without one of its own.
const LanguageProfile& language_profile(std::string_view canonical_code);

// Every language that has its own profile, in code order.
std::vector<std::string_view> profiled_languages();

// "DE-at" -> "de", "pt_BR" -> "pt", "zh-Hant" -> "zh", "hi-Latn" -> "hi-Latn",
// "iw" -> "he", "nb" / "no-NB" -> "no". Empty when `tag` is not a plausible BCP-47
// tag (primary subtag of 2-3 letters, then alphanumeric subtags of 1-8).
std::string canonical_language(std::string_view tag);

// The canonical code of the first of `tags` that is a language tag; empty when none
// is. The caller's word on a text's language: routing detects only without it.
std::string first_language_tag(const std::vector<std::string>& tags);

}  // namespace comity
