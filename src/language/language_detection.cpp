// detect_language(): the decision, in order.
//  1. Count letters per script. A script that only one language here writes decides
//     (Hangul: ko, kana: ja, Thai: th, Hebrew: he, Greek: el).
//  2. Otherwise CLD2 ranks languages. It is trusted when it is reliable and has enough
//     letters, and also whenever the text is not Latin-script (it knows which
//     Cyrillic, Arabic or Han language); a non-Latin script without a CLD2 answer
//     gets that script's most common language (ru, ar, zh, hi).
//  3. Short or unreliable Latin-script text: CLD2 misreads short English as Turkish
//     or Italian, and short German as English. The profiles' function words vote
//     ("ich", "und", "nicht"); CLD2's choice is kept when it has as many votes as the
//     winner. No English word, accented letters and a CLD2 answer: CLD2's answer.
//     Otherwise English, flagged unreliable.
#include "comity/language_detection.h"

#include <cld2/public/compact_lang_det.h>

#include <algorithm>
#include <array>

#include "comity/language_profile.h"
#include "comity/text.h"
#include "comity/utf8.h"

namespace comity {
namespace {

// Below this many letters CLD2's statistics are not trusted for Latin-script text.
constexpr std::size_t kShortTextLetters = 50;
constexpr std::size_t kDetectBytes = 512;

struct ScriptCounts {
  std::array<std::size_t, static_cast<std::size_t>(Script::kOther) + 1> letters{};
  std::size_t total = 0;
  std::size_t accented_latin = 0;  // Latin letters beyond ASCII: rare in English
  std::size_t east_cyrillic = 0;   // я ю щ ы э ъ ь й ё: not in Serbian or Macedonian
  std::size_t of(Script s) const { return letters[static_cast<std::size_t>(s)]; }
};

Script script_of(char32_t cp) {
  if (cp < 0x80) {
    return ((cp | 0x20) >= 'a' && (cp | 0x20) <= 'z') ? Script::kLatin : Script::kOther;
  }
  if (cp >= 0x00C0 && cp < 0x0250 && cp != 0xD7 && cp != 0xF7) return Script::kLatin;
  if (cp >= 0x1E00 && cp < 0x1F00) return Script::kLatin;
  if (cp >= 0x0370 && cp < 0x0400) return Script::kGreek;
  if (cp >= 0x0400 && cp < 0x0530) return Script::kCyrillic;
  if (cp >= 0x0590 && cp < 0x0600) return Script::kHebrew;
  if ((cp >= 0x0600 && cp < 0x0780) || (cp >= 0xFB50 && cp < 0xFE00) ||
      (cp >= 0xFE70 && cp < 0xFF00))
    return Script::kArabic;
  if (cp >= 0x0900 && cp < 0x0980) return Script::kDevanagari;
  if (cp >= 0x0E00 && cp < 0x0E80) return Script::kThai;
  if (cp >= 0x1100 && cp < 0x1200) return Script::kHangul;
  if (cp >= 0x3040 && cp < 0x3100) return Script::kKana;
  if ((cp >= 0x3400 && cp < 0xA000) || (cp >= 0xF900 && cp < 0xFB00)) return Script::kHan;
  if ((cp >= 0xAC00 && cp < 0xD7B0) || (cp >= 0x3130 && cp < 0x3190)) return Script::kHangul;
  return Script::kOther;
}

bool is_east_cyrillic(char32_t cp) {
  const char32_t lower = cp >= 0x0410 && cp < 0x0430 ? cp + 0x20 : cp == 0x0401 ? 0x0451 : cp;
  return lower == 0x044F || lower == 0x044E || lower == 0x0449 || lower == 0x044B ||
         lower == 0x044D || lower == 0x044A || lower == 0x044C || lower == 0x0439 ||
         lower == 0x0451;
}

ScriptCounts count_scripts(std::string_view text) {
  ScriptCounts counts;
  for (std::size_t i = 0; i < text.size();) {
    const char32_t cp = decode_utf8(text, i);
    const Script s = script_of(cp);
    if (s == Script::kOther) continue;
    counts.accented_latin += s == Script::kLatin && cp >= 0x80;
    counts.east_cyrillic += is_east_cyrillic(cp);
    ++counts.letters[static_cast<std::size_t>(s)];
    ++counts.total;
  }
  return counts;
}

struct Cld2Result {
  std::vector<std::string> languages;  // canonical, most likely first
  bool reliable = false;
};

Cld2Result run_cld2(std::string_view text) {
  CLD2::Language top3[3] = {CLD2::UNKNOWN_LANGUAGE, CLD2::UNKNOWN_LANGUAGE, CLD2::UNKNOWN_LANGUAGE};
  int percent3[3] = {0, 0, 0};
  int text_bytes = 0;
  bool reliable = false;
  CLD2::DetectLanguageSummary(text.data(), static_cast<int>(text.size()), true, top3, percent3,
                              &text_bytes, &reliable);
  Cld2Result out;
  out.reliable = reliable;
  for (CLD2::Language language : top3) {
    if (language == CLD2::UNKNOWN_LANGUAGE || language == CLD2::TG_UNKNOWN_LANGUAGE) continue;
    const std::string code = canonical_language(CLD2::LanguageCode(language));
    if (code.empty() ||
        std::find(out.languages.begin(), out.languages.end(), code) != out.languages.end())
      continue;
    out.languages.push_back(code);
  }
  return out;
}

// The language CLD2 may name for a script, and the default when it names none.
struct ScriptLanguages {
  Script script;
  std::string_view fallback;
  std::array<std::string_view, 8> accepted;
};
constexpr ScriptLanguages kScripts[] = {
    {Script::kCyrillic, "ru", {"ru", "uk", "bg", "sr", "mk", "be", "kk", "ky"}},
    {Script::kArabic, "ar", {"ar", "fa", "ur", "ps", "ku", "ug", "sd"}},
    {Script::kHan, "zh", {"zh", "ja"}},
    {Script::kDevanagari, "hi", {"hi", "mr", "ne", "sa"}},
    {Script::kHangul, "ko", {"ko"}},
    {Script::kKana, "ja", {"ja"}},
    {Script::kThai, "th", {"th"}},
    {Script::kHebrew, "he", {"he", "yi"}},
    {Script::kGreek, "el", {"el"}},
};

// Function-word votes per profiled Latin-script language, over normalised tokens.
std::vector<std::pair<std::string_view, int>> function_word_votes(std::string_view text) {
  const NormalizedText normalized = normalize(text, language_profile("und"));
  std::vector<std::pair<std::string_view, int>> votes;
  for (const std::string_view code : profiled_languages()) {
    const LanguageProfile& profile = language_profile(code);
    if (profile.script != Script::kLatin || profile.function_words.empty()) continue;
    // Its function words and its profanity ("porra", "kurwa") are both evidence.
    int hits = 0;
    for (const Token& token : normalized.tokens) {
      if (token.kind != TokenKind::kWord) continue;
      const std::string_view word(token.norm);
      hits +=
          std::binary_search(profile.function_words.begin(), profile.function_words.end(), word) ||
          std::binary_search(profile.lexicon.begin(), profile.lexicon.end(), word);
    }
    if (hits > 0) votes.emplace_back(code, hits);
  }
  std::stable_sort(votes.begin(), votes.end(),
                   [](const auto& a, const auto& b) { return a.second > b.second; });
  return votes;
}

void put_first(std::vector<std::string>& languages, std::string_view code) {
  languages.erase(std::remove(languages.begin(), languages.end(), code), languages.end());
  languages.insert(languages.begin(), std::string(code));
}

// The text without what is written the same in every language: @mentions, links and
// a retweet's "RT". CLD2 reads "rt @user ... https://t.co/x" as English whatever the rest.
std::string without_handles_and_links(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  std::size_t i = 0;
  while (i < text.size()) {
    const std::size_t start = text.find_first_not_of(" \t\n\r", i);
    if (start == std::string_view::npos) break;
    std::size_t end = text.find_first_of(" \t\n\r", start);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view word = text.substr(start, end - start);
    const bool skip = word.front() == '@' || word.starts_with("http://") ||
                      word.starts_with("https://") || word.starts_with("www.") || word == "rt" ||
                      word == "RT";
    if (!skip) {
      if (!out.empty()) out += ' ';
      out += word;
    }
    i = end;
  }
  return out;
}

}  // namespace

LanguageGuess detect_language(std::string_view utf8_text) {
  // The first kDetectBytes decide: a comment does not change language halfway often
  // enough to pay CLD2 over every byte of a long one (it was a third of scoring time).
  if (utf8_text.size() > kDetectBytes) {
    std::size_t cut = kDetectBytes;
    while (cut > 0 && (static_cast<unsigned char>(utf8_text[cut]) & 0xC0) == 0x80) --cut;
    utf8_text = utf8_text.substr(0, cut);
  }
  const std::string cleaned = without_handles_and_links(utf8_text);
  utf8_text = cleaned;
  const ScriptCounts counts = count_scripts(utf8_text);
  LanguageGuess guess;
  if (counts.total == 0) {
    guess.languages = {"en"};
    return guess;
  }
  Script dominant = Script::kLatin;
  for (std::size_t s = 0; s < counts.letters.size(); ++s) {
    if (counts.letters[s] > counts.of(dominant)) dominant = static_cast<Script>(s);
  }
  // Japanese mixes kana into Han; a few kana make Han text Japanese.
  if (dominant == Script::kHan && counts.of(Script::kKana) * 10 >= counts.of(Script::kHan)) {
    dominant = Script::kKana;
  }
  const ScriptLanguages* script = nullptr;
  for (const ScriptLanguages& s : kScripts) {
    if (s.script == dominant) script = &s;
  }
  // A script only one language writes decides without CLD2.
  if (script != nullptr && script->accepted[1].empty()) {
    guess.languages = {std::string(script->fallback)};
    guess.reliable = true;
    return guess;
  }
  Cld2Result cld2 = run_cld2(utf8_text);
  guess.languages = cld2.languages;

  if (dominant != Script::kLatin) {
    for (const ScriptLanguages& s : kScripts) {
      if (s.script != dominant) continue;
      const auto accepted = [&](const std::string& code) {
        return std::find(s.accepted.begin(), s.accepted.end(), code) != s.accepted.end();
      };
      const auto it = std::find_if(guess.languages.begin(), guess.languages.end(), accepted);
      std::string first = it != guess.languages.end() ? std::string(*it) : std::string(s.fallback);
      // CLD2 calls short Russian Serbian ("Иди на хуй, мудак"); letters Serbian and
      // Macedonian do not write say otherwise.
      if ((first == "sr" || first == "mk") && counts.east_cyrillic > 0) first = "ru";
      put_first(guess.languages, first);
      guess.reliable = true;
      return guess;
    }
  }

  const bool long_enough = counts.of(Script::kLatin) >= kShortTextLetters;
  if (cld2.reliable && long_enough && !guess.languages.empty()) {
    guess.reliable = true;
    return guess;
  }
  // A language other than English needs more votes than English, and two of them
  // unless CLD2 names it too: one shared short word ("a", "de") is not evidence.
  const auto votes = function_word_votes(utf8_text);
  const std::string_view cld2_first =
      guess.languages.empty() ? std::string_view() : std::string_view(guess.languages.front());
  int english = 0;
  for (const auto& [code, hits] : votes) {
    if (code == "en") english = hits;
  }
  std::string_view winner;
  int best = english;
  for (const auto& [code, hits] : votes) {
    if (code == "en") continue;
    const bool agreed = code == cld2_first;
    // A tie goes to CLD2's choice when it is sure of it ("garoto burro do caralho": "do"
    // is a word of both) or when English is already behind.
    const bool tie_won = agreed && (best > english || cld2.reliable);
    if ((hits > best || (hits == best && tie_won)) && (hits >= 2 || agreed)) {
      winner = code;
      best = hits;
    }
  }
  if (!winner.empty()) {
    put_first(guess.languages, winner);
    guess.reliable = true;
    return guess;
  }
  // No English word and letters English does not write ("Puhun vitun kylpyhuoneestäsi"):
  // CLD2's unreliable first choice beats the default.
  if (english == 0 && counts.accented_latin > 0 && !cld2_first.empty() && cld2_first != "en") {
    return guess;
  }
  guess.reliable = english > 0;
  put_first(guess.languages, "en");
  return guess;
}

}  // namespace comity
