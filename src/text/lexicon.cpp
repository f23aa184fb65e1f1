// The de-obfuscation lexicon (see lexicon.h for why it exists).
#include "lexicon.h"

#include <algorithm>
#include <iterator>

namespace comity::text {
namespace {

// Sorted, lowercase ASCII. Inflected forms are listed because masks keep the length.
constexpr std::string_view kWords[] = {
    "ass",    "asses",    "asshole",  "assholes",     "bastard", "bastards", "bitch",    "bitches",
    "bitchy", "bullshit", "cock",     "crap",         "crappy",  "cunt",     "cunts",    "damn",
    "damned", "dick",     "dickhead", "dicks",        "die",     "dumb",     "dumbass",  "fag",
    "faggot", "faggots",  "fuck",     "fucked",       "fucker",  "fuckers",  "fucking",  "fucks",
    "hate",   "hoe",      "idiot",    "idiotic",      "idiots",  "jerk",     "kill",     "killed",
    "loser",  "moron",    "morons",   "motherfucker", "nigga",   "niggas",   "nigger",   "niggers",
    "piss",   "pissed",   "prick",    "pussy",        "rape",    "retard",   "retarded", "retards",
    "shit",   "shits",    "shitty",   "slut",         "sluts",   "stfu",     "stupid",   "suck",
    "sucks",  "twat",     "wanker",   "whore",        "whores",
};
static_assert(std::is_sorted(std::begin(kWords), std::end(kWords)), "binary search needs order");

bool matches(std::string_view pattern, std::string_view word) {
  if (pattern.size() != word.size()) return false;
  for (std::size_t i = 0; i < word.size(); ++i) {
    if (pattern[i] != '*' && pattern[i] != word[i]) return false;
  }
  return true;
}

}  // namespace

bool in_lexicon(std::string_view word) {
  return std::binary_search(std::begin(kWords), std::end(kWords), word);
}

std::optional<std::string_view> unique_lexicon_match(std::string_view pattern) {
  std::optional<std::string_view> found;
  for (std::string_view word : kWords) {
    if (!matches(pattern, word)) continue;
    if (found) return std::nullopt;
    found = word;
  }
  return found;
}

}  // namespace comity::text
