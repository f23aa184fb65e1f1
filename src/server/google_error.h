// Google's JSON error envelope (google.rpc.Status), which Perspective clients
// parse: {"error": {code, message, status, details: [...]}}. Several clients
// string-match the message, so callers pass Perspective's exact wording.
#pragma once
#include <stdexcept>
#include <string>

#include <nlohmann/json.hpp>

namespace comity::server {

// Perspective's `errorType` values (google.commentanalyzer.v1alpha1.Error).
inline constexpr const char* kCommentTooLong = "COMMENT_TOO_LONG";
inline constexpr const char* kCommentEmpty = "COMMENT_EMPTY";
inline constexpr const char* kNoRequestedAttributes = "NO_REQUESTED_ATTRIBUTES";
inline constexpr const char* kLanguageNotSupported = "LANGUAGE_NOT_SUPPORTED_BY_ATTRIBUTE";
inline constexpr const char* kLanguageDetectionFailed = "LANGUAGE_DETECTION_FAILED";
inline constexpr const char* kInvalidRequest = "INVALID_REQUEST";

class ApiError : public std::runtime_error {
 public:
  // `details` is the array placed under error.details; empty means none.
  ApiError(int http_status, std::string message, nlohmann::json details = nlohmann::json::array());

  int http_status() const { return http_status_; }
  const nlohmann::json& details() const { return details_; }
  // The canonical gRPC status name for the HTTP status, e.g. "INVALID_ARGUMENT".
  std::string status_name() const;
  nlohmann::json to_json() const;

 private:
  int http_status_;
  nlohmann::json details_;
};

// One details[] entry of Perspective's own error type.
nlohmann::json perspective_error_detail(const std::string& error_type);

// HTTP 400 INVALID_ARGUMENT with a Perspective errorType detail.
ApiError invalid_argument(const std::string& message,
                          const std::string& error_type = kInvalidRequest);
// Errors shaped like Google's JSON-to-proto failures (a google.rpc.BadRequest detail).
ApiError invalid_json(const std::string& message, const std::string& field = "");

ApiError api_key_invalid();
ApiError api_key_missing();
ApiError quota_exceeded(int requests_per_minute);
ApiError not_found(const std::string& method, const std::string& path);
ApiError internal_error();
ApiError unavailable(const std::string& message);

}  // namespace comity::server
