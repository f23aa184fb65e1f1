// Comity's own API, for clients not tied to Perspective's shape: many comments per
// request, all attributes, sentence scores, token highlights and the model version
// (so scores stay reproducible when the model changes).
#pragma once
#include <cstddef>
#include <string_view>

#include <nlohmann/json.hpp>

#include "server/analyzer.h"
#include "server/metrics.h"

namespace comity::server {

struct NativeLimits {
  std::size_t max_comments = 100;
  std::size_t max_comment_bytes = 20480;
};

// POST /v1/score. Body: {"comments": [{"id": "c1", "text": "..."} | "text", ...],
// "sentences": true, "tokens": true}. Throws ApiError.
nlohmann::json score_comments(std::string_view body, const Analyzer& analyzer,
                              const NativeLimits& limits, ServerMetrics* metrics = nullptr);

// GET /v1/models.
nlohmann::json describe_models(const Analyzer& analyzer);
// One model: names, checksum, languages, the languages of each attribute, quality.
nlohmann::json describe_model(const ModelDescription& model);

}  // namespace comity::server
