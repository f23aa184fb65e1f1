#include "server/native_api.h"

#include <fmt/format.h>

#include <string>

#include "comity/json_input.h"
#include "comity/scores_json.h"
#include "server/analyze_handler.h"
#include "server/google_error.h"
#include "server/request_json.h"

namespace comity::server {
namespace {

using nlohmann::json;

json model_json(const ModelDescription& model) {
  return {{"name", model.name},
          {"version", model.version},
          {"checksum", fmt::format("{:016x}", model.checksum)}};
}

bool flag(const json& root, const char* name, bool fallback) {
  auto it = root.find(name);
  if (it == root.end() || it->is_null()) return fallback;
  if (!it->is_boolean())
    throw invalid_argument(std::string("'") + name + "' must be true or false.");
  return it->get<bool>();
}

}  // namespace

json score_comments(std::string_view body, const Analyzer& analyzer, const NativeLimits& limits,
                    ServerMetrics* metrics) {
  const json root = parse_request_object(body);
  auto comments = root.find("comments");
  if (comments == root.end() || !comments->is_array() || comments->empty()) {
    throw invalid_argument("'comments' must be a non-empty array.", kCommentEmpty);
  }
  if (comments->size() > limits.max_comments) {
    throw invalid_argument(fmt::format("Too many comments: {} (at most {} per request).",
                                       comments->size(), limits.max_comments));
  }
  const ScoreOptions options{.sentences = flag(root, "sentences", true),
                             .tokens = flag(root, "tokens", true)};

  // Validate everything before scoring anything, so an error costs no model time.
  std::vector<std::pair<json, std::string>> inputs;
  for (std::size_t i = 0; i < comments->size(); ++i) {
    const json& item = (*comments)[i];
    json id = static_cast<std::int64_t>(i);
    std::string text;
    if (item.is_string()) {
      text = item.get<std::string>();
    } else if (item.is_object() && item.contains("text") && item["text"].is_string()) {
      text = item["text"].get<std::string>();
      if (item.contains("id")) id = item["id"];
    } else {
      throw invalid_argument(
          fmt::format("comments[{}] must be a string or an object with a string 'text'.", i));
    }
    if (text.empty())
      throw invalid_argument(fmt::format("comments[{}]: Comment must be non-empty.", i),
                             kCommentEmpty);
    if (text.size() > limits.max_comment_bytes) {
      throw invalid_argument(fmt::format("comments[{}]: Comment text too long.", i),
                             kCommentTooLong);
    }
    inputs.emplace_back(std::move(id), std::move(text));
  }

  json results = json::array();
  for (const auto& [id, text] : inputs) {
    const ScoreResult result = analyzer.score(text, options);
    if (metrics != nullptr) metrics->observe_scores(result.scores);
    json entry = {{"id", id}, {"scores", attribute_scores_json(result.scores)}};
    if (options.sentences) entry["sentences"] = sentences_json(result);
    if (options.tokens) entry["highlights"] = highlights_json(result, text);
    results.push_back(std::move(entry));
  }
  return {{"model", model_json(analyzer.model())}, {"results", std::move(results)}};
}

json describe_models(const Analyzer& analyzer) {
  const ModelDescription& model = analyzer.model();
  json entry = model_json(model);
  json attributes = json::array();
  for (std::size_t i = 0; i < kNumAttributes; ++i)
    attributes.push_back(attribute_name(attribute_at(i)));
  entry["attributes"] = std::move(attributes);
  entry["languages"] = model.languages;
  entry["recipe_sha256"] = model.recipe_sha256;
  entry["created_by"] = model.created_by;
  json quality = json::object();
  if (!model.quality_json.empty()) {
    try {
      quality = parse_json_input(model.quality_json, {.lenient = false});
    } catch (const JsonInputError&) {
      quality = json::object();
    }
  }
  entry["quality"] = std::move(quality);
  return {{"models", json::array({std::move(entry)})}};
}

}  // namespace comity::server
