// The language profiles (see comity/language_profile.h) and BCP-47 canonicalisation.
//
// Word lists are in normalize()'s spelling: case-folded, accents stripped, "ß" as "ss".
// Lexicons hold only words whose masked or stretched forms are common in comments;
// they arbitrate de-obfuscation, they do not score anything. Function words are the
// most frequent short words of each language, chosen to be rare in the others.
#include <algorithm>
#include <array>
#include <cctype>
#include <string>

#include "comity/language_profile.h"

namespace comity {
namespace {

using W = std::string_view;

constexpr W kEnLexicon[] = {
    "ass",    "asses",    "asshole",  "assholes",     "bastard", "bastards", "bitch",    "bitches",
    "bitchy", "bullshit", "cock",     "crap",         "crappy",  "cunt",     "cunts",    "damn",
    "damned", "dick",     "dickhead", "dicks",        "die",     "dumb",     "dumbass",  "fag",
    "faggot", "faggots",  "fuck",     "fucked",       "fucker",  "fuckers",  "fucking",  "fucks",
    "hate",   "hoe",      "idiot",    "idiotic",      "idiots",  "jerk",     "kill",     "killed",
    "loser",  "moron",    "morons",   "motherfucker", "nigga",   "niggas",   "nigger",   "niggers",
    "piss",   "pissed",   "prick",    "pussy",        "rape",    "retard",   "retarded", "retards",
    "shit",   "shits",    "shitty",   "slut",         "sluts",   "stfu",     "stupid",   "suck",
    "sucks",  "twat",     "wanker",   "whore",        "whores"};
constexpr W kEnWords[] = {
    "a",    "all",  "an",    "and",  "are",  "as",   "at",    "be",   "but",  "can",    "did",
    "do",   "does", "don't", "for",  "have", "he",   "here",  "i",    "i'm",  "if",     "in",
    "is",   "it",   "it's",  "just", "like", "me",   "my",    "no",   "not",  "now",    "of",
    "on",   "or",   "she",   "so",   "that", "the",  "there", "they", "this", "to",     "too",
    "very", "was",  "we",    "what", "will", "with", "would", "yes",  "you",  "you're", "your"};

constexpr W kDeLexicon[] = {"arsch",    "arschloch", "blod",      "depp",   "fick",    "ficken",
                            "fotze",    "hure",      "hurensohn", "idiot",  "idioten", "penner",
                            "scheisse", "schlampe",  "spast",     "wichser"};
constexpr W kDeWords[] = {"aber", "auch", "das",  "dass", "dem", "den",  "der", "die",
                          "du",   "ein",  "eine", "ich",  "ist", "mich", "mit", "nicht",
                          "noch", "oder", "sie",  "sind", "und", "wie",  "wir", "zu"};

constexpr W kEsLexicon[] = {"cabron",  "cono",  "estupido", "gilipollas", "hijoputa", "idiota",
                            "imbecil", "joder", "mierda",   "pendejo",    "puta",     "puto"};
constexpr W kEsWords[] = {"de",  "del", "el",  "en", "eres", "es", "esta", "la",   "las",
                          "lo",  "los", "mas", "me", "muy",  "no", "para", "pero", "por",
                          "que", "se",  "su",  "te", "tu",   "un", "una",  "y",    "yo"};

constexpr W kFrLexicon[] = {"batard", "con",    "connard", "connasse", "encule",
                            "merde",  "putain", "pute",    "salaud",   "salope"};
constexpr W kFrWords[] = {"avec", "c'est", "ce",  "des",  "du",   "est", "et",   "il",
                          "je",   "la",    "le",  "les",  "mais", "ne",  "nous", "pas",
                          "pour", "que",   "qui", "sont", "tu",   "un",  "une",  "vous"};

constexpr W kItLexicon[] = {"bastardo", "cazzo",   "coglione", "merda",
                            "puttana",  "stronzo", "troia",    "vaffanculo"};
constexpr W kItWords[] = {"che", "chi", "del", "della", "di",  "e",   "gli",  "il",  "io", "la",
                          "le",  "ma",  "non", "per",   "piu", "sei", "sono", "una", "uno"};

constexpr W kPtLexicon[] = {"babaca", "buceta", "caralho", "corno", "filho",
                            "idiota", "merda",  "porra",   "puta",  "viado"};
constexpr W kPtWords[] = {"com",  "da",   "do",   "e",   "eh",  "em",  "esta",
                          "eu",   "isso", "mais", "mas", "nao", "no",  "os",
                          "para", "que",  "se",   "sim", "um",  "uma", "voce"};

constexpr W kNlWords[] = {"dat", "de",  "die", "een",  "en", "het", "ik",  "is",
                          "je",  "jij", "met", "niet", "op", "van", "wat", "zijn"};
constexpr W kPlLexicon[] = {"chuj", "debil", "dupa", "kurwa", "pierdole", "spierdalaj"};
constexpr W kPlWords[] = {"co", "i", "jak", "jest", "nie", "sie", "tak", "to", "w", "z", "ze"};
constexpr W kCsWords[] = {"a", "ale", "jak", "je", "jsem", "jsi", "na", "ne", "se", "to", "ze"};
constexpr W kSvWords[] = {"ar", "att", "det", "en", "ett", "har", "inte", "jag", "och", "som"};
constexpr W kDaWords[] = {"at", "den", "det", "du", "er", "ikke", "jeg", "og", "som", "til"};
constexpr W kNoWords[] = {"at", "den", "det", "du", "er", "ikke", "jeg", "og", "som", "til"};
constexpr W kIdWords[] = {"ada", "aku",  "dan",   "dengan", "ini",
                          "itu", "kamu", "tidak", "ya",     "yang"};
constexpr W kTrWords[] = {"bir", "bu", "da", "de", "degil", "icin", "ne", "ve"};
constexpr W kRuLexicon[] = {"блядь", "дебил", "дура", "дурак", "идиот", "пидор", "сука", "хуи"};

// Sorted by code: looked up by binary search.
constexpr std::array kProfiles = {
    LanguageProfile{"ar", Script::kArabic, false, {}, {}, 1},
    LanguageProfile{"cs", Script::kLatin, true, {}, kCsWords, 1},
    LanguageProfile{"da", Script::kLatin, true, {}, kDaWords, 1},
    LanguageProfile{"de", Script::kLatin, true, kDeLexicon, kDeWords, 1},
    LanguageProfile{"en", Script::kLatin, true, kEnLexicon, kEnWords, 1},
    LanguageProfile{"es", Script::kLatin, true, kEsLexicon, kEsWords, 1},
    LanguageProfile{"fr", Script::kLatin, true, kFrLexicon, kFrWords, 1},
    LanguageProfile{"he", Script::kHebrew, false, {}, {}, 1},
    LanguageProfile{"hi", Script::kDevanagari, false, {}, {}, 1},
    LanguageProfile{"id", Script::kLatin, true, {}, kIdWords, 1},
    LanguageProfile{"it", Script::kLatin, true, kItLexicon, kItWords, 1},
    LanguageProfile{"ja", Script::kKana, false, {}, {}, 1},
    LanguageProfile{"ko", Script::kHangul, false, {}, {}, 1},
    LanguageProfile{"nl", Script::kLatin, true, {}, kNlWords, 1},
    LanguageProfile{"no", Script::kLatin, true, {}, kNoWords, 1},
    LanguageProfile{"pl", Script::kLatin, true, kPlLexicon, kPlWords, 1},
    LanguageProfile{"pt", Script::kLatin, true, kPtLexicon, kPtWords, 1},
    LanguageProfile{"ru", Script::kCyrillic, false, kRuLexicon, {}, 1},
    LanguageProfile{"sv", Script::kLatin, true, {}, kSvWords, 1},
    LanguageProfile{"th", Script::kThai, false, {}, {}, 1},
    LanguageProfile{"tr", Script::kLatin, true, {}, kTrWords, 1},
    LanguageProfile{"uk", Script::kCyrillic, false, {}, {}, 1},
    LanguageProfile{"zh", Script::kHan, false, {}, {}, 1},
};
constexpr LanguageProfile kGeneric{"und", Script::kLatin, true, {}, {}, 1};

constexpr bool sorted_lists() {
  for (std::size_t i = 0; i < kProfiles.size(); ++i) {
    if (i > 0 && !(kProfiles[i - 1].code < kProfiles[i].code)) return false;
    if (!std::is_sorted(kProfiles[i].lexicon.begin(), kProfiles[i].lexicon.end())) return false;
    if (!std::is_sorted(kProfiles[i].function_words.begin(), kProfiles[i].function_words.end()))
      return false;
  }
  return true;
}
static_assert(sorted_lists(), "profiles, lexicons and function words are binary-searched");

// Old or alternative primary subtags Perspective's clients send.
constexpr std::pair<W, W> kAliases[] = {{"in", "id"}, {"iw", "he"}, {"nb", "no"}, {"nn", "no"}};
// Languages whose usual script is not Latin: "-Latn" names a different way of writing.
constexpr W kNonLatin[] = {"ar", "el", "he", "hi", "ja", "ko", "ru", "th", "uk", "zh"};

bool alnum_subtag(std::string_view s, std::size_t min, std::size_t max, bool letters_only) {
  if (s.size() < min || s.size() > max) return false;
  return std::all_of(s.begin(), s.end(), [&](char c) {
    const auto u = static_cast<unsigned char>(c);
    return letters_only ? std::isalpha(u) != 0 : std::isalnum(u) != 0;
  });
}

}  // namespace

std::string LanguageProfile::fingerprint() const {
  return std::string(code) + "/" + std::to_string(version);
}

const LanguageProfile& language_profile(std::string_view canonical_code) {
  const auto it = std::lower_bound(
      kProfiles.begin(), kProfiles.end(), canonical_code,
      [](const LanguageProfile& p, std::string_view code) { return p.code < code; });
  if (it != kProfiles.end() && it->code == canonical_code) return *it;
  // "hi-Latn" and other script variants share their language's word lists but not its
  // script: Latin letters, so the generic Latin profile.
  return kGeneric;
}

std::vector<std::string_view> profiled_languages() {
  std::vector<std::string_view> out;
  for (const auto& p : kProfiles) out.push_back(p.code);
  return out;
}

std::string canonical_language(std::string_view tag) {
  std::vector<std::string> subtags;
  std::string current;
  for (const char c : tag) {
    if (c == '-' || c == '_') {
      subtags.push_back(current);
      current.clear();
    } else {
      current.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
    }
  }
  subtags.push_back(current);
  if (!alnum_subtag(subtags[0], 2, 3, true)) return {};
  for (std::size_t i = 1; i < subtags.size(); ++i) {
    if (!alnum_subtag(subtags[i], 1, 8, false)) return {};
  }
  std::string primary = subtags[0];
  for (const auto& [alias, code] : kAliases) {
    if (primary == alias) primary = code;
  }
  const bool latin_script = subtags.size() > 1 && subtags[1] == "latn";
  if (latin_script &&
      std::find(std::begin(kNonLatin), std::end(kNonLatin), primary) != std::end(kNonLatin)) {
    return primary + "-Latn";
  }
  return primary;
}

std::string first_language_tag(const std::vector<std::string>& tags) {
  for (const std::string& tag : tags) {
    std::string code = canonical_language(tag);
    if (!code.empty()) return code;
  }
  return {};
}

}  // namespace comity
