// Sentence boundaries: terminator runs followed by a space, and line breaks.
#include "sentences.h"

#include <algorithm>
#include <iterator>
#include <string>

namespace comity::text {
namespace {

// Abbreviations that end in '.' without ending the sentence. Single letters
// (initials, "e.g.", "U.S.") are handled separately.
constexpr std::string_view kAbbreviations[] = {
    "approx", "capt", "co",  "col", "dept", "dr", "etc",  "fig", "gen", "gov", "inc", "jr",  "lt",
    "ltd",    "mr",   "mrs", "ms",  "mt",   "no", "prof", "rep", "sen", "sr",  "st",  "vol", "vs",
};
static_assert(std::is_sorted(std::begin(kAbbreviations), std::end(kAbbreviations)));

bool is_terminator(const UnitBuffer& buf, const Unit& u) {
  if (u.ascii == '.' || u.ascii == '!' || u.ascii == '?') return true;
  if (u.ascii != 0 || u.cls != UnitClass::kPunct) return false;
  const std::string_view n = buf.norm(u);
  return n == "..." || n == "\u3002";  // "…", "。"
}

bool is_closer(const UnitBuffer& buf, const Unit& u) {
  if (u.ascii == ')' || u.ascii == ']' || u.ascii == '"' || u.ascii == '\'') return true;
  if (u.ascii != 0 || u.cls != UnitClass::kPunct) return false;
  const std::string_view n = buf.norm(u);
  return n == "\u201D" || n == "\u00BB" || n == "\u300D" || n == "\u300F";
}

// True if the '.' at unit `dot` ends an abbreviation rather than a sentence.
bool ends_abbreviation(const std::vector<Unit>& units, std::size_t dot) {
  std::string word;
  std::size_t k = dot;
  while (k > 0 && word.size() <= 8) {
    const Unit& u = units[k - 1];
    if (u.cls != UnitClass::kLetter || u.ascii < 'a' || u.ascii > 'z') break;
    word.insert(word.begin(), u.ascii);
    --k;
  }
  if (word.empty()) return false;
  if (word.size() == 1) return true;
  return std::binary_search(std::begin(kAbbreviations), std::end(kAbbreviations), word);
}

// Unit indices at which a new sentence starts.
std::vector<std::uint32_t> sentence_starts(const UnitBuffer& buf) {
  const auto& units = buf.units;
  std::vector<std::uint32_t> starts;
  std::size_t k = 0;
  while (k < units.size()) {
    const Unit& u = units[k];
    if (u.cls == UnitClass::kNewline) {
      starts.push_back(static_cast<std::uint32_t>(k + 1));
      ++k;
      continue;
    }
    if (!is_terminator(buf, u)) {
      ++k;
      continue;
    }
    std::size_t r = k;
    while (r < units.size() && is_terminator(buf, units[r])) ++r;
    const bool ideographic = buf.norm(units[r - 1]) == "\u3002";
    while (r < units.size() && is_closer(buf, units[r])) ++r;
    const bool followed_by_break = r == units.size() || units[r].cls == UnitClass::kSpace ||
                                   units[r].cls == UnitClass::kNewline || ideographic;
    const bool abbreviation = r - k == 1 && units[k].ascii == '.' && ends_abbreviation(units, k);
    if (followed_by_break && !abbreviation) starts.push_back(static_cast<std::uint32_t>(r));
    k = r;
  }
  return starts;
}

}  // namespace

TextRange range_of(const std::vector<Unit>& units, std::uint32_t first, std::uint32_t last) {
  TextRange r;
  r.byte_begin = units[first].byte_begin;
  r.cp_begin = units[first].cp_begin;
  r.u16_begin = units[first].u16_begin;
  r.byte_end = units[last].byte_end;
  r.cp_end = units[last].cp_end;
  r.u16_end = units[last].u16_end;
  return r;
}

void split_sentences(const UnitBuffer& buf, const std::vector<UnitSpan>& spans,
                     NormalizedText& out) {
  const auto& units = buf.units;
  const std::vector<std::uint32_t> starts = sentence_starts(buf);
  std::size_t segment = 0;  // number of sentence starts at or before the current token
  std::size_t t = 0;
  std::uint32_t floor = 0;  // first unit not yet claimed by a sentence
  while (t < spans.size()) {
    while (segment < starts.size() && starts[segment] <= spans[t].first) ++segment;
    const std::uint32_t seg_end =
        segment < starts.size() ? starts[segment] : static_cast<std::uint32_t>(units.size());
    Sentence s;
    s.token_begin = static_cast<std::uint32_t>(t);
    std::uint32_t last_token_unit = spans[t].last;
    while (t < spans.size() && spans[t].first < seg_end) {
      last_token_unit = std::max(last_token_unit, spans[t].last);
      ++t;
    }
    s.token_end = static_cast<std::uint32_t>(t);
    // Trim blanks: the sentence runs from its first to its last visible character.
    std::uint32_t first = std::max(floor, segment > 0 ? starts[segment - 1] : 0u);
    while (first < spans[s.token_begin].first && is_blank(units[first])) ++first;
    first = std::min(first, spans[s.token_begin].first);
    std::uint32_t last = std::max(seg_end, last_token_unit + 1) - 1;
    while (last > last_token_unit && is_blank(units[last])) --last;
    s.where = range_of(units, first, last);
    out.sentences.push_back(s);
    floor = last + 1;
  }
}

}  // namespace comity::text
