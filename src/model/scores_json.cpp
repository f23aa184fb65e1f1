#include "comity/scores_json.h"

#include <algorithm>
#include <cmath>
#include <string>

namespace comity {
namespace {

double rounded(float value) { return std::round(static_cast<double>(value) * 1e6) / 1e6; }

}  // namespace

nlohmann::json attribute_scores_json(const AttributeScores& scores,
                                     const std::vector<Attribute>& only) {
  nlohmann::json out = nlohmann::json::object();
  if (only.empty()) {
    for (std::size_t a = 0; a < kNumAttributes; ++a) {
      out[std::string(attribute_name(attribute_at(a)))] = rounded(scores[a]);
    }
  } else {
    for (Attribute a : only) out[std::string(attribute_name(a))] = rounded(scores[index_of(a)]);
  }
  return out;
}

nlohmann::json text_range_json(const TextRange& where) {
  return {{"begin", where.u16_begin},       {"end", where.u16_end},
          {"byte_begin", where.byte_begin}, {"byte_end", where.byte_end},
          {"cp_begin", where.cp_begin},     {"cp_end", where.cp_end}};
}

nlohmann::json sentences_json(const ScoreResult& result, const std::vector<Attribute>& only) {
  nlohmann::json out = nlohmann::json::array();
  for (const SentenceScore& sentence : result.sentences) {
    nlohmann::json entry = text_range_json(sentence.where);
    entry["scores"] = attribute_scores_json(sentence.scores, only);
    out.push_back(std::move(entry));
  }
  return out;
}

nlohmann::json highlights_json(const ScoreResult& result, std::string_view text, bool with_text) {
  nlohmann::json out = nlohmann::json::array();
  bool open = false;
  TextRange range;
  float score = 0;
  const auto flush = [&] {
    if (!open) return;
    nlohmann::json entry = text_range_json(range);
    if (with_text && range.byte_end <= text.size()) {
      entry["text"] = std::string(text.substr(range.byte_begin, range.byte_end - range.byte_begin));
    }
    entry["score"] = rounded(score);
    out.push_back(std::move(entry));
    open = false;
  };
  for (const TokenScore& token : result.tokens) {
    if (!token.highlighted) continue;
    const bool adjacent = open && token.where.byte_begin >= range.byte_end &&
                          token.where.byte_begin <= text.size() &&
                          text.substr(range.byte_end, token.where.byte_begin - range.byte_end)
                                  .find_first_not_of(" \t") == std::string_view::npos;
    if (adjacent) {
      range.byte_end = token.where.byte_end;
      range.cp_end = token.where.cp_end;
      range.u16_end = token.where.u16_end;
      score = std::max(score, token.toxic_span);
      continue;
    }
    flush();
    open = true;
    range = token.where;
    score = token.toxic_span;
  }
  flush();
  return out;
}

}  // namespace comity
