#include "server/native_api.h"

#include <fmt/format.h>

#include <string>

#include "comity/json_input.h"
#include "comity/language_profile.h"
#include "comity/scores_json.h"
#include "server/analyze_handler.h"
#include "server/google_error.h"
#include "server/language.h"
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
  struct Input {
    json id;
    std::string text;
    std::vector<std::string> languages;  // the item's "language", when given
  };
  std::vector<Input> inputs;
  for (std::size_t i = 0; i < comments->size(); ++i) {
    const json& item = (*comments)[i];
    json id = static_cast<std::int64_t>(i);
    std::string text;
    std::vector<std::string> languages;
    if (item.is_string()) {
      text = item.get<std::string>();
    } else if (item.is_object() && item.contains("text") && item["text"].is_string()) {
      text = item["text"].get<std::string>();
      if (item.contains("id")) id = item["id"];
      if (item.contains("language")) {
        const json& language = item["language"];
        if (!language.is_string() || canonical_language(language.get<std::string>()).empty()) {
          throw invalid_argument(
              fmt::format("comments[{}]: 'language' must be a BCP-47 tag such as \"de\".", i));
        }
        languages.push_back(language.get<std::string>());
      }
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
    inputs.push_back({std::move(id), std::move(text), std::move(languages)});
  }

  json results = json::array();
  for (const auto& [id, text, languages] : inputs) {
    const RoutedScore routed = score_routed(analyzer, text, languages, options);
    const ScoreResult& result = routed.result;
    if (metrics != nullptr) metrics->observe_scores(result.scores);
    json entry = {{"id", id},
                  {"language", routed.language},
                  {"model", routed.model->version},
                  {"scores", attribute_scores_json(result.scores)}};
    if (options.sentences) entry["sentences"] = sentences_json(result);
    if (options.tokens) entry["highlights"] = highlights_json(result, text);
    results.push_back(std::move(entry));
  }
  return {{"model", model_json(analyzer.model())}, {"results", std::move(results)}};
}

json describe_models(const Analyzer& analyzer) {
  json entries = json::array();
  // Per language: the model that scores it and the attributes served there.
  json languages = json::object();
  for (const ModelDescription* m : analyzer.models()) {
    entries.push_back(describe_model(*m));
    for (const std::string& code : m->languages) {
      if (languages.contains(code)) continue;  // an earlier model routes it
      json attributes = json::array();
      for (std::size_t i = 0; i < kNumAttributes; ++i) {
        if (m->serves(attribute_at(i), code)) attributes.push_back(attribute_name(attribute_at(i)));
      }
      languages[code] = {{"model", m->version}, {"attributes", std::move(attributes)}};
    }
  }
  return {{"models", std::move(entries)}, {"languages", std::move(languages)}};
}

json describe_model(const ModelDescription& model) {
  json entry = model_json(model);
  json attributes = json::array();
  json attribute_languages = json::object();
  for (std::size_t i = 0; i < kNumAttributes; ++i) {
    const Attribute attribute = attribute_at(i);
    attributes.push_back(attribute_name(attribute));
    json codes = json::array();
    for (const std::string& code : model.languages) {
      if (model.serves(attribute, code)) codes.push_back(code);
    }
    attribute_languages[std::string(attribute_name(attribute))] = std::move(codes);
  }
  entry["attributes"] = std::move(attributes);
  entry["languages"] = model.languages;
  entry["attributeLanguages"] = std::move(attribute_languages);
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
  return entry;
}

}  // namespace comity::server
