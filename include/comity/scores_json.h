// The JSON shape of a comment's scores everywhere Comity writes them (the CLI,
// the moderation API, thread reports): {"TOXICITY": 0.87, ...}, all eight
// attributes, rounded to six decimals so output is stable across platforms.
#pragma once
#include <nlohmann/json.hpp>

#include "comity/attributes.h"

namespace comity {

nlohmann::json attribute_scores_json(const AttributeScores& scores);

}  // namespace comity
