// Perspective's two request bodies, parsed and validated into plain structs.
// Every rejection is an ApiError carrying Perspective's exact message and
// errorType, because clients string-match them.
#pragma once
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "comity/attributes.h"

namespace comity::server {

enum class TextType { kPlainText, kHtml };

struct RequestLimits {
  std::size_t max_comment_bytes = 20480;  // Perspective's documented 20 KB
  // The work of one request (and one quota unit) grows with the attributes asked for.
  std::size_t max_requested_attributes = 32;
  // Attributes Comity does not have: refused with Google's 400, or left out.
  bool omit_unknown_attributes = false;
};

struct RequestedAttribute {
  std::string name;  // as sent ("TOXICITY@6"); the response uses it as the key
  Attribute attribute = Attribute::kToxicity;
  std::optional<double> score_threshold;
};

struct AnalyzeRequest {
  std::string text;
  TextType text_type = TextType::kPlainText;
  std::vector<RequestedAttribute> attributes;   // in request order
  std::vector<std::string> omitted_attributes;  // unknown names left out (omit mode)
  bool span_annotations = false;
  std::vector<std::string> languages;  // empty: detect
  bool do_not_store = false;
  std::optional<std::string> client_token;
  std::optional<std::string> session_id;
  std::optional<std::string> community_id;
};

struct SuggestedSpan {
  std::uint32_t begin = 0, end = 0;  // UTF-16 code units
  double value = 0;
};

struct SuggestedScore {
  std::string name;  // as sent
  // Null for names Comity has no model for: Coral Talk sends moderators' decisions
  // (APPROVED, REJECTED, ...) as attributes, and Google kept any name as feedback.
  std::optional<Attribute> attribute;
  // The key the label is stored under: the attribute's name, else `name` without
  // its version suffix.
  std::string label_name() const;
  std::optional<double> summary;
  std::vector<SuggestedSpan> spans;
  // The single value kept as a label: the summary, else the highest span score.
  double label() const;
};

struct SuggestRequest {
  std::string text;
  TextType text_type = TextType::kPlainText;
  std::vector<SuggestedScore> scores;
  std::vector<std::string> languages;
  bool do_not_store = false;  // a Comity extension: keep the label, drop the text
  std::optional<std::string> client_token;
  std::optional<std::string> session_id;
  std::optional<std::string> community_id;
};

// Both throw ApiError. Unknown fields are ignored (lenient, unlike Google), and
// snake_case field names are accepted as proto3 JSON allows.
AnalyzeRequest parse_analyze_request(std::string_view body, const RequestLimits& limits = {});
SuggestRequest parse_suggest_request(std::string_view body, const RequestLimits& limits = {});

// "TOXICITY@6" and "TOXICITY_EXPERIMENTAL" -> kToxicity (Perspective served each
// attribute under an _EXPERIMENTAL alias too); nullopt for unknown names or
// malformed versions.
std::optional<Attribute> parse_versioned_attribute(std::string_view name);

}  // namespace comity::server
