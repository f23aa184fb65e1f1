// comments:analyze: scores one validated request and builds Perspective's response.
#pragma once
#include <nlohmann/json.hpp>

#include "server/analyzer.h"
#include "server/metrics.h"
#include "server/perspective_request.h"

namespace comity::server {

// Throws ApiError for language problems (detection failed, unsupported language)
// and for HTML that has no visible text.
nlohmann::json analyze_comment(const AnalyzeRequest& request, const Analyzer& analyzer,
                               ServerMetrics* metrics = nullptr);

// A probability as JSON, rounded to float precision so 0.86279612 does not
// print as 0.8627961277961731.
nlohmann::json probability_json(float value);

}  // namespace comity::server
