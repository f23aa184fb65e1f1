// The one JSON shape of a comment's scores in everything Comity writes of its own
// (`comity score`, POST /v1/score, the moderation API, thread reports); Perspective's
// routes keep Google's shape instead.
//
//   "scores":     {"TOXICITY": 0.870123, ...}               six decimals
//   "sentences":  [{<range>, "scores": {...}}, ...]
//   "highlights": [{<range>, "text": "idiot", "score": 0.97}, ...]
//   <range>:      "begin"/"end" (UTF-16 units, as Perspective and JavaScript count),
//                 "byte_begin"/"byte_end" (UTF-8 bytes), "cp_begin"/"cp_end" (code
//                 points, as Python indexes strings)
//
// A highlight is a run of highlighted words with only spaces between them, scored
// by its highest word; rounding is the same six decimals everywhere.
#pragma once
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "comity/attributes.h"
#include "comity/scorer.h"
#include "comity/text.h"

namespace comity {

// Every attribute, or only `only` (in that order) when it is not empty.
nlohmann::json attribute_scores_json(const AttributeScores& scores,
                                     const std::vector<Attribute>& only = {});
nlohmann::json text_range_json(const TextRange& where);
nlohmann::json sentences_json(const ScoreResult& result, const std::vector<Attribute>& only = {});
// `text` is the scored text; without it (the comment was not to be kept) the
// highlights carry ranges and scores only.
nlohmann::json highlights_json(const ScoreResult& result, std::string_view text,
                               bool with_text = true);

}  // namespace comity
