#include "comity/scores_json.h"

#include <cmath>
#include <string>

namespace comity {

nlohmann::json attribute_scores_json(const AttributeScores& scores) {
  nlohmann::json out = nlohmann::json::object();
  for (std::size_t a = 0; a < kNumAttributes; ++a) {
    out[std::string(attribute_name(attribute_at(a)))] = std::round(scores[a] * 1e6) / 1e6;
  }
  return out;
}

}  // namespace comity
