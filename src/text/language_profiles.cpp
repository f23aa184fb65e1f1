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
// One list per line: word lists, not code to align.
// clang-format off
constexpr W kEnWords[] = {"a", "about", "all", "also", "an", "and", "are", "as", "at", "be", "because", "been", "but", "by", "can", "could", "did", "do", "does", "don't", "for", "from", "get", "got", "had", "has", "have", "he", "her", "here", "him", "his", "how", "i", "i'm", "if", "in", "is", "it", "it's", "just", "like", "me", "my", "no", "not", "now", "of", "on", "one", "only", "or", "our", "out", "she", "should", "so", "some", "than", "that", "the", "their", "them", "then", "there", "they", "this", "to", "too", "up", "us", "very", "was", "we", "were", "what", "when", "which", "who", "why", "will", "with", "would", "yes", "you", "you're", "your"};

constexpr W kDeLexicon[] = {"arsch",    "arschloch", "blod",      "depp",   "fick",    "ficken",
                            "fotze",    "hure",      "hurensohn", "idiot",  "idioten", "penner",
                            "scheisse", "schlampe",  "spast",     "wichser"};
constexpr W kDeWords[] = {"aber", "auch", "auf", "aus", "bei", "bin", "bist", "dann", "das", "dass", "dem", "den", "denn", "der", "dich", "die", "dir", "doch", "du", "ein", "eine", "er", "es", "euch", "fur", "habe", "haben", "hast", "hat", "hier", "ich", "ihr", "im", "immer", "ist", "ja", "jetzt", "kein", "keine", "mal", "man", "mein", "mich", "mit", "nach", "nicht", "noch", "nur", "oder", "schon", "sehr", "sie", "sind", "uber", "und", "uns", "von", "was", "weil", "wenn", "wer", "wie", "wir", "wird", "zu", "zum", "zur"};

constexpr W kEsLexicon[] = {"cabron",  "cono",  "estupido", "gilipollas", "hijoputa", "idiota",
                            "imbecil", "joder", "mierda",   "pendejo",    "puta",     "puto"};
constexpr W kEsWords[] = {"al", "aqui", "asi", "bien", "como", "con", "cuando", "de", "del", "donde", "el", "en", "eres", "es", "eso", "esta", "este", "esto", "fue", "hay", "la", "las", "le", "les", "lo", "los", "mas", "me", "mi", "muy", "ni", "no", "nos", "para", "pero", "por", "porque", "pues", "que", "se", "ser", "sin", "sobre", "son", "soy", "su", "tambien", "te", "tiene", "todo", "tu", "un", "una", "y", "ya", "yo"};

constexpr W kFrLexicon[] = {"batard", "con",    "connard", "connasse", "encule",
                            "merde",  "putain", "pute",    "salaud",   "salope"};
constexpr W kFrWords[] = {"au", "aux", "avec", "bien", "c'est", "ce", "cette", "comme", "dans", "des", "du", "elle", "est", "et", "etre", "fait", "il", "ils", "j'ai", "je", "la", "le", "les", "lui", "mais", "meme", "mes", "moi", "mon", "ne", "nous", "ou", "par", "pas", "plus", "pour", "que", "qui", "rien", "sa", "ses", "son", "sont", "sur", "ta", "toi", "ton", "tout", "tres", "tu", "un", "une", "vous"};

constexpr W kItLexicon[] = {"bastardo", "cazzo",   "coglione", "merda",
                            "puttana",  "stronzo", "troia",    "vaffanculo"};
constexpr W kItWords[] = {"ad", "al", "alla", "anche", "che", "chi", "ci", "come", "con", "cosa", "dal", "del", "della", "di", "e", "gia", "gli", "ha", "hai", "ho", "il", "io", "la", "le", "lei", "lo", "lui", "ma", "mi", "molto", "nel", "non", "per", "perche", "piu", "quello", "questo", "sei", "sempre", "si", "solo", "sono", "su", "ti", "tra", "tutto", "una", "uno"};

constexpr W kPtLexicon[] = {"babaca", "buceta", "caralho", "corno", "filho",
                            "idiota", "merda",  "porra",   "puta",  "viado"};
constexpr W kPtWords[] = {"a", "agora", "ao", "aqui", "as", "ate", "com", "como", "da", "depois", "do", "e", "eh", "ela", "ele", "eles", "em", "esta", "eu", "foi", "isso", "ja", "mais", "mas", "mesmo", "meu", "minha", "muito", "na", "nada", "nao", "nas", "nem", "no", "nos", "o", "os", "para", "pela", "pelo", "por", "porque", "pra", "quando", "que", "se", "ser", "seu", "sim", "sobre", "sua", "ta", "tambem", "tem", "tudo", "um", "uma", "vai", "vc", "voce", "voces", "vou"};

constexpr W kNlWords[] = {"als", "bij", "dat", "de", "deze", "die", "dit", "door", "een", "en", "er", "geen", "hebben", "heeft", "het", "hij", "hoe", "ik", "is", "je", "jij", "jullie", "maar", "met", "mijn", "naar", "niet", "nog", "om", "ook", "op", "te", "toch", "uit", "van", "voor", "waarom", "wat", "we", "wel", "werd", "wij", "zal", "ze", "zij", "zijn"};
constexpr W kPlLexicon[] = {"chuj", "debil", "dupa", "kurwa", "pierdole", "spierdalaj"};
constexpr W kPlWords[] = {"ale", "bo", "byl", "bylo", "co", "czy", "dla", "do", "gdzie", "go", "i", "ja", "jak", "jego", "jej", "jest", "jestem", "jestes", "juz", "kto", "mi", "mnie", "na", "nie", "po", "przez", "sa", "sie", "sobie", "tak", "ten", "tez", "to", "tu", "ty", "tylko", "tym", "w", "z", "ze"};
constexpr W kCsWords[] = {"a", "aby", "ale", "bude", "by", "byl", "byla", "bylo", "co", "do", "jak", "jako", "je", "jen", "jsem", "jsi", "jsou", "jste", "kdyz", "ktera", "ktere", "ktery", "mi", "mu", "na", "ne", "nebo", "neni", "pro", "proto", "s", "se", "si", "ta", "tady", "tak", "ted", "ten", "to", "uz", "v", "z", "ze"};
constexpr W kSvWords[] = {"alla", "ar", "att", "av", "bara", "de", "den", "det", "dig", "du", "eller", "en", "ett", "for", "han", "har", "hon", "i", "inte", "jag", "kan", "med", "men", "mig", "mycket", "nar", "ni", "nu", "och", "om", "pa", "sa", "sig", "ska", "skulle", "som", "till", "vad", "var", "vi"};
constexpr W kDaWords[] = {"af", "alle", "at", "bare", "de", "den", "der", "det", "dig", "du", "eller", "er", "et", "for", "han", "har", "her", "hun", "hvad", "i", "ikke", "jeg", "jo", "kan", "med", "meget", "men", "mig", "nar", "nu", "og", "ogsa", "om", "pa", "sa", "sig", "skal", "som", "til", "var", "vi"};
constexpr W kNoWords[] = {"alle", "at", "av", "bare", "de", "deg", "den", "der", "det", "du", "eller", "er", "et", "for", "han", "har", "her", "hun", "hva", "i", "ikke", "jeg", "kan", "med", "meg", "men", "na", "nar", "og", "ogsa", "om", "pa", "sa", "seg", "skal", "som", "til", "var", "veldig", "vi"};
constexpr W kIdWords[] = {"ada", "aja", "akan", "aku", "apa", "atau", "belum", "bisa", "dalam", "dan", "dari", "dengan", "di", "dia", "gak", "harus", "ini", "itu", "jadi", "juga", "kalau", "kamu", "karena", "ke", "kita", "lagi", "lebih", "mau", "mereka", "nggak", "oleh", "orang", "pada", "sama", "saya", "sudah", "tapi", "tidak", "untuk", "ya", "yang"};
constexpr W kTrWords[] = {"ama", "ben", "beni", "benim", "bir", "bu", "cok", "da", "daha", "de", "degil", "diye", "gibi", "her", "hic", "icin", "ile", "kadar", "ki", "mi", "nasil", "ne", "neden", "o", "olan", "onu", "sana", "sen", "seni", "senin", "simdi", "sonra", "var", "ve", "yok"};
constexpr W kFiWords[] = {"aina", "ei", "eika", "etta", "han", "he", "ja", "jo", "joka", "jos", "kaikki", "kanssa", "koska", "kuin", "kun", "me", "mika", "mina", "minun", "mita", "mutta", "myos", "ne", "niin", "nyt", "ole", "olen", "olet", "oli", "on", "ovat", "se", "sen", "sina", "sinun", "sita", "sitten", "tai", "tama", "te", "vain", "viela"};
constexpr W kHuWords[] = {"a", "akkor", "az", "azt", "csak", "de", "egy", "en", "es", "ez", "ezt", "ha", "hogy", "is", "itt", "ki", "lesz", "majd", "mar", "meg", "mert", "mi", "mint", "most", "nagyon", "nekem", "neki", "nem", "ott", "sem", "te", "vagy", "van", "volt"};
constexpr W kSwWords[] = {"cha", "gani", "hapa", "hapana", "hata", "hawa", "hii", "hivyo", "hiyo", "huo", "huyu", "kama", "katika", "kuwa", "kwa", "kwamba", "la", "lakini", "mimi", "na", "ndiyo", "ni", "nini", "pia", "sana", "si", "sisi", "tu", "wa", "wako", "wao", "wewe", "ya", "yako", "yangu", "yeye", "za"};
// clang-format on
constexpr W kRuLexicon[] = {"блядь", "дебил", "дура", "дурак", "идиот", "пидор", "сука", "хуи"};

// Sorted by code: looked up by binary search.
constexpr std::array kProfiles = {
    LanguageProfile{"ar", Script::kArabic, false, {}, {}, 1},
    LanguageProfile{"cs", Script::kLatin, true, {}, kCsWords, 1},
    LanguageProfile{"da", Script::kLatin, true, {}, kDaWords, 1},
    LanguageProfile{"de", Script::kLatin, true, kDeLexicon, kDeWords, 1},
    LanguageProfile{"en", Script::kLatin, true, kEnLexicon, kEnWords, 1},
    LanguageProfile{"es", Script::kLatin, true, kEsLexicon, kEsWords, 1},
    LanguageProfile{"fi", Script::kLatin, true, {}, kFiWords, 1},
    LanguageProfile{"fr", Script::kLatin, true, kFrLexicon, kFrWords, 1},
    LanguageProfile{"he", Script::kHebrew, false, {}, {}, 1},
    LanguageProfile{"hi", Script::kDevanagari, false, {}, {}, 1},
    LanguageProfile{"hu", Script::kLatin, true, {}, kHuWords, 1},
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
    LanguageProfile{"sw", Script::kLatin, true, {}, kSwWords, 1},
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
