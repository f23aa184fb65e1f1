#include "server/discovery.h"

#include <cctype>

namespace comity::server {
namespace {

using nlohmann::json;

json string_field(const char* description) {
  return {{"type", "string"}, {"description", description}};
}
json ref(const char* name) { return {{"$ref", name}}; }
json map_of(const char* name) { return {{"type", "object"}, {"additionalProperties", ref(name)}}; }
json array_of(json items) { return {{"type", "array"}, {"items", std::move(items)}}; }

json query_parameter(const char* description, json extra = json::object()) {
  json p = {{"type", "string"}, {"location", "query"}, {"description", description}};
  p.update(extra);
  return p;
}

json standard_parameters() {
  return {
      {"key", query_parameter("API key. Required unless the server runs with --no-auth.")},
      {"access_token", query_parameter("OAuth access token (ignored by Comity).")},
      {"oauth_token", query_parameter("OAuth 2.0 token (ignored by Comity).")},
      {"quotaUser", query_parameter("Quota user (ignored by Comity).")},
      {"fields", query_parameter("Selector of response fields (ignored by Comity).")},
      {"prettyPrint", query_parameter("Returns response with indentations and line breaks.",
                                      {{"type", "boolean"}, {"default", "true"}})},
      {"alt", query_parameter(
                  "Data format for response.",
                  {{"default", "json"},
                   {"enum", {"json", "media", "proto"}},
                   {"enumDescriptions", {"JSON response", "Media download", "Protocol buffer"}}})},
      {"$.xgafv", query_parameter("V1 error format.",
                                  {{"enum", {"1", "2"}},
                                   {"enumDescriptions", {"v1 error format", "v2 error format"}}})},
      {"callback", query_parameter("JSONP")},
      {"uploadType", query_parameter("Legacy upload protocol for media.")},
      {"upload_protocol", query_parameter("Upload protocol for media.")},
  };
}

json method(const char* name, const char* request, const char* response, const char* description) {
  const std::string path = std::string("v1alpha1/comments:") + name;
  return {{"id", std::string("commentanalyzer.comments.") + name},
          {"path", path},
          {"flatPath", path},
          {"httpMethod", "POST"},
          {"parameters", json::object()},
          {"parameterOrder", json::array()},
          {"request", ref(request)},
          {"response", ref(response)},
          {"description", description},
          {"scopes", {"https://www.googleapis.com/auth/userinfo.email"}}};
}

json schemas(const std::map<std::string, std::vector<std::string>>& attribute_languages) {
  const json score_type = {
      {"type", "string"},
      {"enum", {"SCORE_TYPE_UNSPECIFIED", "PROBABILITY", "STD_DEV_SCORE", "PERCENTILE", "RAW"}},
      {"description", "Only PROBABILITY is supported."}};
  const json text_type = {{"type", "string"},
                          {"enum", {"TEXT_TYPE_UNSPECIFIED", "PLAIN_TEXT", "HTML"}}};
  const json languages = array_of({{"type", "string"}});
  std::string served =
      "BCP-47 language tags (any case, region subtags allowed); detected when absent.";
  for (const auto& [attribute, codes] : attribute_languages) {
    served += " " + attribute + ":";
    for (std::size_t i = 0; i < codes.size(); ++i) served += (i ? ", " : " ") + codes[i];
    served += ".";
  }
  json request_languages = languages;
  request_languages["description"] = served;
  return {
      {"TextEntry",
       {{"id", "TextEntry"},
        {"type", "object"},
        {"properties", {{"text", string_field("UTF-8 text.")}, {"type", text_type}}}}},
      {"ArticleAndParentComment",
       {{"id", "ArticleAndParentComment"},
        {"type", "object"},
        {"properties", {{"article", ref("TextEntry")}, {"parentComment", ref("TextEntry")}}}}},
      {"Context",
       {{"id", "Context"},
        {"type", "object"},
        {"description", "Accepted; does not change scores."},
        {"properties",
         {{"entries", array_of(ref("TextEntry"))},
          {"articleAndParentComment", ref("ArticleAndParentComment")}}}}},
      {"AttributeParameters",
       {{"id", "AttributeParameters"},
        {"type", "object"},
        {"properties",
         {{"scoreType", score_type},
          {"scoreThreshold", {{"type", "number"}, {"format", "float"}}}}}}},
      {"Score",
       {{"id", "Score"},
        {"type", "object"},
        {"properties",
         {{"value", {{"type", "number"}, {"format", "float"}}}, {"type", score_type}}}}},
      {"SpanScore",
       {{"id", "SpanScore"},
        {"type", "object"},
        {"properties",
         {{"begin", {{"type", "integer"}, {"format", "int32"}}},
          {"end", {{"type", "integer"}, {"format", "int32"}}},
          {"score", ref("Score")}}}}},
      {"AttributeScores",
       {{"id", "AttributeScores"},
        {"type", "object"},
        {"properties",
         {{"summaryScore", ref("Score")}, {"spanScores", array_of(ref("SpanScore"))}}}}},
      {"AnalyzeCommentRequest",
       {{"id", "AnalyzeCommentRequest"},
        {"type", "object"},
        {"properties",
         {{"comment", ref("TextEntry")},
          {"context", ref("Context")},
          {"requestedAttributes", map_of("AttributeParameters")},
          {"spanAnnotations", {{"type", "boolean"}}},
          {"languages", request_languages},
          {"doNotStore", {{"type", "boolean"}}},
          {"clientToken", {{"type", "string"}}},
          {"sessionId", {{"type", "string"}}},
          {"communityId", {{"type", "string"}}}}}}},
      {"AnalyzeCommentResponse",
       {{"id", "AnalyzeCommentResponse"},
        {"type", "object"},
        {"properties",
         {{"attributeScores", map_of("AttributeScores")},
          {"languages", languages},
          {"detectedLanguages", languages},
          {"clientToken", {{"type", "string"}}}}}}},
      {"SuggestCommentScoreRequest",
       {{"id", "SuggestCommentScoreRequest"},
        {"type", "object"},
        {"properties",
         {{"comment", ref("TextEntry")},
          {"context", ref("Context")},
          {"attributeScores", map_of("AttributeScores")},
          {"languages", languages},
          {"doNotStore", {{"type", "boolean"}}},
          {"clientToken", {{"type", "string"}}},
          {"sessionId", {{"type", "string"}}},
          {"communityId", {{"type", "string"}}}}}}},
      {"SuggestCommentScoreResponse",
       {{"id", "SuggestCommentScoreResponse"},
        {"type", "object"},
        {"properties",
         {{"detectedLanguages", languages},
          {"requestedLanguages", languages},
          {"clientToken", {{"type", "string"}}}}}}},
  };
}

}  // namespace

nlohmann::json discovery_document(
    const std::string& root_url,
    const std::map<std::string, std::vector<std::string>>& attribute_languages) {
  return {
      {"kind", "discovery#restDescription"},
      {"discoveryVersion", "v1"},
      {"id", "commentanalyzer:v1alpha1"},
      {"name", "commentanalyzer"},
      {"canonicalName", "Comment Analyzer"},
      {"version", "v1alpha1"},
      {"revision", "20190414"},
      {"title", "Perspective Comment Analyzer API (served by Comity)"},
      {"description",
       "Scores comments on Perspective's attributes with a self-hosted Comity model."},
      {"ownerDomain", "google.com"},
      {"ownerName", "Google"},
      {"documentationLink", "https://github.com/conversationai/perspectiveapi"},
      {"protocol", "rest"},
      {"rootUrl", root_url},
      {"servicePath", ""},
      {"basePath", ""},
      {"baseUrl", root_url},
      {"batchPath", "batch"},
      {"mtlsRootUrl", root_url},
      {"fullyEncodeReservedExpansion", true},
      {"icons",
       {{"x16", "http://www.google.com/images/icons/product/search-16.gif"},
        {"x32", "http://www.google.com/images/icons/product/search-32.gif"}}},
      {"auth",
       {{"oauth2",
         {{"scopes",
           {{"https://www.googleapis.com/auth/userinfo.email",
             {{"description", "View your email address"}}}}}}}}},
      {"parameters", standard_parameters()},
      {"resources",
       {{"comments",
         {{"methods",
           {{"analyze",
             method("analyze", "AnalyzeCommentRequest", "AnalyzeCommentResponse",
                    "Analyzes the provided text and returns scores for requested attributes.")},
            {"suggestscore",
             method("suggestscore", "SuggestCommentScoreRequest", "SuggestCommentScoreResponse",
                    "Suggest comment scores as training data.")}}}}}}},
      {"schemas", schemas(attribute_languages)},
  };
}

std::string client_root_url(const std::string& forwarded_proto, const std::string& forwarded_host,
                            const std::string& host, const std::string& fallback_host) {
  std::string scheme = forwarded_proto.substr(0, forwarded_proto.find(','));
  if (scheme != "https") scheme = "http";
  std::string authority = forwarded_host.substr(0, forwarded_host.find(','));
  if (authority.empty()) authority = host;
  if (authority.empty()) authority = fallback_host;
  // The authority is echoed into URLs clients will call: keep only host characters.
  std::string clean;
  for (char c : authority) {
    if (std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == ':' ||
        c == '[' || c == ']' || c == '_') {
      clean += c;
    }
  }
  if (clean.empty()) clean = fallback_host;
  return scheme + "://" + clean + "/";
}

}  // namespace comity::server
