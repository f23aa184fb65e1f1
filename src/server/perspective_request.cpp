#include "server/perspective_request.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <nlohmann/json.hpp>

#include "server/google_error.h"
#include "server/request_json.h"

namespace comity::server {
namespace {

using nlohmann::json;

constexpr const char* kProtoPackage = "type.googleapis.com/google.commentanalyzer.v1alpha1.";

std::string snake_case(std::string_view camel) {
  std::string out;
  for (char c : camel) {
    if (std::isupper(static_cast<unsigned char>(c))) {
      out += '_';
      out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    } else {
      out += c;
    }
  }
  return out;
}

std::string join_path(const std::string& parent, std::string_view child) {
  return parent.empty() ? std::string(child) : parent + "." + std::string(child);
}

// Shows the offending value as Google does, shortened so a huge body is not echoed.
std::string shown_value(const json& value) {
  std::string text = value.dump(-1, ' ', false, json::error_handler_t::replace);
  if (text.size() > 64) text = text.substr(0, 61) + "...";
  return text;
}

[[noreturn]] void bad_value(const std::string& path, const std::string& type, const json& value) {
  throw invalid_json("Invalid value at '" + path + "' (" + type + "), " + shown_value(value), path);
}

// A member by its proto3 JSON name or its original snake_case name; null counts as absent.
const json* member(const json& object, std::string_view camel) {
  auto it = object.find(std::string(camel));
  if (it == object.end()) it = object.find(snake_case(camel));
  if (it == object.end() || it->is_null()) return nullptr;
  return &*it;
}

const json& expect_object(const json& value, const std::string& path, const std::string& message) {
  if (!value.is_object()) bad_value(path, std::string(kProtoPackage) + message, value);
  return value;
}

std::optional<std::string> optional_string(const json& object, std::string_view name,
                                           const std::string& parent) {
  const json* value = member(object, name);
  if (value == nullptr) return std::nullopt;
  if (!value->is_string()) bad_value(join_path(parent, snake_case(name)), "TYPE_STRING", *value);
  return value->get<std::string>();
}

bool optional_bool(const json& object, std::string_view name, const std::string& parent) {
  const json* value = member(object, name);
  if (value == nullptr) return false;
  if (!value->is_boolean()) bad_value(join_path(parent, snake_case(name)), "TYPE_BOOL", *value);
  return value->get<bool>();
}

// proto3 JSON accepts numbers as JSON numbers or numeric strings.
std::optional<double> optional_number(const json& object, std::string_view name,
                                      const std::string& parent, const char* type) {
  const json* value = member(object, name);
  if (value == nullptr) return std::nullopt;
  const std::string path = join_path(parent, snake_case(name));
  if (value->is_number()) return value->get<double>();
  if (value->is_string()) {
    const auto& text = value->get_ref<const std::string&>();
    try {
      std::size_t used = 0;
      double parsed = std::stod(text, &used);
      if (used == text.size() && std::isfinite(parsed)) return parsed;
    } catch (const std::exception&) {
    }
  }
  bad_value(path, type, *value);
}

struct ParsedComment {
  std::string text;
  TextType type = TextType::kPlainText;
};

ParsedComment parse_comment(const json& root, const RequestLimits& limits) {
  ParsedComment comment;
  if (const json* value = member(root, "comment")) {
    const json& object = expect_object(*value, "comment", "TextEntry");
    comment.text = optional_string(object, "text", "comment").value_or("");
    if (auto type = optional_string(object, "type", "comment")) {
      if (*type == "HTML") {
        comment.type = TextType::kHtml;
      } else if (*type != "PLAIN_TEXT" && *type != "TEXT_TYPE_UNSPECIFIED") {
        throw invalid_argument("Unknown text type");
      }
    }
  }
  if (comment.text.empty()) throw invalid_argument("Comment must be non-empty.", kCommentEmpty);
  if (comment.text.size() > limits.max_comment_bytes) {
    throw invalid_argument("Comment text too long.", kCommentTooLong);
  }
  return comment;
}

void validate_context(const json& root) {
  const json* value = member(root, "context");
  if (value == nullptr) return;
  const json& context = expect_object(*value, "context", "Context");
  const json* entries = member(context, "entries");
  const json* article = member(context, "articleAndParentComment");
  if (entries != nullptr && article != nullptr) {
    throw invalid_argument(
        "Context can have either entries or article_and_parent_comment, but both fields were "
        "populated.");
  }
  if (entries != nullptr && !entries->is_array()) {
    bad_value("context.entries", std::string(kProtoPackage) + "TextEntry", *entries);
  }
  if (article != nullptr)
    expect_object(*article, "context.article_and_parent_comment", "ArticleAndParentComment");
}

std::vector<std::string> parse_languages(const json& root) {
  std::vector<std::string> languages;
  const json* value = member(root, "languages");
  if (value == nullptr) return languages;
  if (!value->is_array()) bad_value("languages", "TYPE_STRING", *value);
  for (const json& item : *value) {
    if (!item.is_string()) bad_value("languages", "TYPE_STRING", item);
    if (!item.get_ref<const std::string&>().empty()) languages.push_back(item.get<std::string>());
  }
  return languages;
}

// Only PROBABILITY is served, like Perspective; the other enum names get its error.
void check_score_type(const json* value, const std::string& attribute_name,
                      const std::string& path) {
  if (value == nullptr) return;
  static const std::vector<std::string> kNames = {"SCORE_TYPE_UNSPECIFIED", "PROBABILITY",
                                                  "STD_DEV_SCORE", "PERCENTILE", "RAW"};
  std::string name;
  if (value->is_string()) {
    name = value->get<std::string>();
    if (std::find(kNames.begin(), kNames.end(), name) == kNames.end()) {
      bad_value(path, std::string(kProtoPackage) + "AttributeParameters.ScoreType", *value);
    }
  } else if (value->is_number_integer() && value->get<std::int64_t>() >= 0 &&
             value->get<std::int64_t>() < static_cast<std::int64_t>(kNames.size())) {
    name = kNames[value->get<std::size_t>()];
  } else {
    bad_value(path, std::string(kProtoPackage) + "AttributeParameters.ScoreType", *value);
  }
  if (name != "SCORE_TYPE_UNSPECIFIED" && name != "PROBABILITY") {
    throw invalid_argument("Requested score type " + name + " is not supported by attribute " +
                           attribute_name);
  }
}

Attribute require_attribute(const std::string& name) {
  auto attribute = parse_versioned_attribute(name);
  if (!attribute) throw invalid_argument("Unknown requested attribute: " + name);
  return *attribute;
}

void parse_common(const json& root, std::vector<std::string>& languages, bool& do_not_store,
                  std::optional<std::string>& client_token, std::optional<std::string>& session_id,
                  std::optional<std::string>& community_id) {
  validate_context(root);
  languages = parse_languages(root);
  do_not_store = optional_bool(root, "doNotStore", "");
  client_token = optional_string(root, "clientToken", "");
  session_id = optional_string(root, "sessionId", "");
  community_id = optional_string(root, "communityId", "");
}

SuggestedSpan parse_span(const json& span, const std::string& path, const std::string& name) {
  expect_object(span, path, "SpanScore");
  // proto3 JSON writers leave out fields holding their default, so a span starting at
  // the first character arrives without "begin".
  const auto begin = optional_number(span, "begin", path, "TYPE_INT32").value_or(0.0);
  auto end = optional_number(span, "end", path, "TYPE_INT32");
  if (!end) throw invalid_argument("Span scores must have an end.");
  if (begin < 0 || *end < begin || *end > 0x7fffffff) {
    throw invalid_argument("Invalid span [" + std::to_string(static_cast<long long>(begin)) + ", " +
                           std::to_string(static_cast<long long>(*end)) + ") for attribute " +
                           name);
  }
  const json* score = member(span, "score");
  if (score == nullptr)
    throw invalid_argument("Span score for attribute " + name + " has no score.");
  expect_object(*score, path + ".score", "Score");
  check_score_type(member(*score, "type"), name, path + ".score.type");
  auto value = optional_number(*score, "value", path + ".score", "TYPE_FLOAT").value_or(0.0);
  return {static_cast<std::uint32_t>(begin), static_cast<std::uint32_t>(*end), value};
}

}  // namespace

std::string SuggestedScore::label_name() const {
  if (attribute) return std::string(attribute_name(*attribute));
  return name.substr(0, name.find('@'));
}

double SuggestedScore::label() const {
  if (summary) return *summary;
  double best = 0;
  for (const auto& span : spans) best = std::max(best, span.value);
  return best;
}

std::optional<Attribute> parse_versioned_attribute(std::string_view name) {
  const auto at = name.find('@');
  if (at != std::string_view::npos) {
    const auto version = name.substr(at + 1);
    if (version.empty() ||
        !std::all_of(version.begin(), version.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      return std::nullopt;
    }
    name = name.substr(0, at);
  }
  constexpr std::string_view kExperimental = "_EXPERIMENTAL";
  if (name.size() > kExperimental.size() && name.ends_with(kExperimental)) {
    name.remove_suffix(kExperimental.size());
  }
  return parse_attribute(name);
}

AnalyzeRequest parse_analyze_request(std::string_view body, const RequestLimits& limits) {
  const json root = parse_request_object(body);
  AnalyzeRequest request;
  ParsedComment comment = parse_comment(root, limits);
  request.text = std::move(comment.text);
  request.text_type = comment.type;

  const json* attributes = member(root, "requestedAttributes");
  if (attributes != nullptr && !attributes->is_object()) {
    bad_value("requested_attributes", std::string(kProtoPackage) + "AttributeParameters",
              *attributes);
  }
  if (attributes == nullptr || attributes->empty()) {
    throw invalid_argument("Missing requested_attributes", kNoRequestedAttributes);
  }
  if (attributes->size() > limits.max_requested_attributes) {
    throw invalid_argument("Too many requested attributes: " + std::to_string(attributes->size()) +
                           " (at most " + std::to_string(limits.max_requested_attributes) + ").");
  }
  for (const auto& [name, config] : attributes->items()) {
    const std::string path = "requested_attributes[" + name + "]";
    const auto attribute = parse_versioned_attribute(name);
    if (!attribute && limits.omit_unknown_attributes) {
      request.omitted_attributes.push_back(name);
      continue;
    }
    RequestedAttribute requested{name, require_attribute(name), std::nullopt};
    if (!config.is_null()) {
      expect_object(config, path, "AttributeParameters");
      check_score_type(member(config, "scoreType"), name, path + ".score_type");
      requested.score_threshold = optional_number(config, "scoreThreshold", path, "TYPE_FLOAT");
    }
    request.attributes.push_back(std::move(requested));
  }
  request.span_annotations = optional_bool(root, "spanAnnotations", "");
  parse_common(root, request.languages, request.do_not_store, request.client_token,
               request.session_id, request.community_id);
  return request;
}

SuggestRequest parse_suggest_request(std::string_view body, const RequestLimits& limits) {
  const json root = parse_request_object(body);
  SuggestRequest request;
  ParsedComment comment = parse_comment(root, limits);
  request.text = std::move(comment.text);
  request.text_type = comment.type;

  const json* scores = member(root, "attributeScores");
  if (scores != nullptr && !scores->is_object()) {
    bad_value("attribute_scores", std::string(kProtoPackage) + "AttributeScores", *scores);
  }
  if (scores == nullptr || scores->empty()) {
    throw invalid_argument("Missing attribute_scores");
  }
  if (scores->size() > limits.max_requested_attributes) {
    throw invalid_argument("Too many attribute scores: " + std::to_string(scores->size()) +
                           " (at most " + std::to_string(limits.max_requested_attributes) + ").");
  }
  for (const auto& [name, value] : scores->items()) {
    const std::string path = "attribute_scores[" + name + "]";
    if (name.empty() || name.size() > 128) {
      throw invalid_argument("Attribute names must have 1 to 128 characters.");
    }
    SuggestedScore suggested{name, parse_versioned_attribute(name), std::nullopt, {}};
    if (value.is_null() || value.empty()) {
      throw invalid_argument("Attribute score for " + name +
                             " must have a summary_score or span_scores");
    }
    expect_object(value, path, "AttributeScores");
    if (const json* summary = member(value, "summaryScore")) {
      expect_object(*summary, path + ".summary_score", "Score");
      check_score_type(member(*summary, "type"), name, path + ".summary_score.type");
      suggested.summary =
          optional_number(*summary, "value", path + ".summary_score", "TYPE_FLOAT").value_or(0.0);
    }
    if (const json* spans = member(value, "spanScores")) {
      if (!spans->is_array())
        bad_value(path + ".span_scores", std::string(kProtoPackage) + "SpanScore", *spans);
      for (const json& span : *spans)
        suggested.spans.push_back(parse_span(span, path + ".span_scores", name));
    }
    if (!suggested.summary && suggested.spans.empty()) {
      throw invalid_argument("Attribute score for " + name +
                             " must have a summary_score or span_scores");
    }
    const auto out_of_range = [](double v) { return !(v >= 0.0 && v <= 1.0); };
    if ((suggested.summary && out_of_range(*suggested.summary)) ||
        std::any_of(suggested.spans.begin(), suggested.spans.end(),
                    [&](const SuggestedSpan& s) { return out_of_range(s.value); })) {
      throw invalid_argument("Score values for " + name + " must be between 0 and 1.");
    }
    request.scores.push_back(std::move(suggested));
  }
  parse_common(root, request.languages, request.do_not_store, request.client_token,
               request.session_id, request.community_id);
  return request;
}

}  // namespace comity::server
