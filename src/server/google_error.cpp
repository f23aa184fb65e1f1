#include "server/google_error.h"

#include <string>

namespace comity::server {
namespace {
constexpr const char* kPerspectiveErrorType =
    "type.googleapis.com/google.commentanalyzer.v1alpha1.Error";
constexpr const char* kErrorInfoType = "type.googleapis.com/google.rpc.ErrorInfo";
constexpr const char* kService = "commentanalyzer.googleapis.com";
}  // namespace

ApiError::ApiError(int http_status, std::string message, nlohmann::json details)
    : std::runtime_error(std::move(message)),
      http_status_(http_status),
      details_(std::move(details)) {}

std::string ApiError::status_name() const {
  switch (http_status_) {
    case 400:
      return "INVALID_ARGUMENT";
    case 401:
      return "UNAUTHENTICATED";
    case 403:
      return "PERMISSION_DENIED";
    case 404:
      return "NOT_FOUND";
    case 409:
      return "ABORTED";
    case 413:
      return "INVALID_ARGUMENT";
    case 429:
      return "RESOURCE_EXHAUSTED";
    case 501:
      return "UNIMPLEMENTED";
    case 503:
      return "UNAVAILABLE";
    case 504:
      return "DEADLINE_EXCEEDED";
    default:
      return http_status_ >= 500 ? "INTERNAL" : "FAILED_PRECONDITION";
  }
}

nlohmann::json ApiError::to_json() const {
  nlohmann::json error = {{"code", http_status_}, {"message", what()}, {"status", status_name()}};
  if (!details_.empty()) error["details"] = details_;
  return {{"error", std::move(error)}};
}

nlohmann::json perspective_error_detail(const std::string& error_type) {
  return {{"@type", kPerspectiveErrorType}, {"errorType", error_type}};
}

ApiError invalid_argument(const std::string& message, const std::string& error_type) {
  return ApiError(400, message, nlohmann::json::array({perspective_error_detail(error_type)}));
}

ApiError invalid_json(const std::string& message, const std::string& field) {
  nlohmann::json violation = {{"description", message}};
  if (!field.empty()) violation["field"] = field;
  return ApiError(
      400, message,
      nlohmann::json::array({{{"@type", "type.googleapis.com/google.rpc.BadRequest"},
                              {"fieldViolations", nlohmann::json::array({violation})}}}));
}

ApiError api_key_invalid() {
  return ApiError(400, "API key not valid. Please pass a valid API key.",
                  nlohmann::json::array({{{"@type", kErrorInfoType},
                                          {"reason", "API_KEY_INVALID"},
                                          {"domain", "googleapis.com"},
                                          {"metadata", {{"service", kService}}}}}));
}

ApiError api_key_missing() {
  return ApiError(403, "The request is missing a valid API key.",
                  nlohmann::json::array({{{"@type", kErrorInfoType},
                                          {"reason", "API_KEY_MISSING"},
                                          {"domain", "googleapis.com"},
                                          {"metadata", {{"service", kService}}}}}));
}

ApiError quota_exceeded(int requests_per_minute) {
  const std::string limit = std::to_string(requests_per_minute);
  return ApiError(
      429,
      "Quota exceeded for quota metric 'Analysis requests (AnalyzeComment)' and limit 'Analysis "
      "requests (AnalyzeComment) per minute' of service 'commentanalyzer.googleapis.com'.",
      nlohmann::json::array({{{"@type", kErrorInfoType},
                              {"reason", "RATE_LIMIT_EXCEEDED"},
                              {"domain", "googleapis.com"},
                              {"metadata",
                               {{"quota_limit_value", limit},
                                {"quota_limit", "AnalyzeRequestsPerMinutePerProject"},
                                {"service", kService},
                                {"quota_location", "global"},
                                {"quota_metric", "CommentAnalyzerService/analyze_requests"}}}}}));
}

ApiError not_found(const std::string& method, const std::string& path) {
  return ApiError(404, "Method not found: " + method + " " + path);
}

ApiError internal_error() { return ApiError(500, "Internal error encountered."); }

ApiError unavailable(const std::string& message) { return ApiError(503, message); }

}  // namespace comity::server
