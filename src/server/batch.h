// Google's batch protocol (POST /batch, multipart/mixed). googleapiclient's
// BatchHttpRequest (used by HELM) sends each call as an application/http part;
// the reply carries each part's HTTP response with Content-ID "response-<id>".
#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "server/http_message.h"

namespace comity::server {

struct BatchPart {
  std::string content_id;  // without angle brackets; may be empty
  std::string payload;     // the embedded HTTP request, as sent
};

// The boundary parameter of a multipart/mixed Content-Type, or nullopt.
std::optional<std::string> multipart_mixed_boundary(std::string_view content_type);

struct BatchLimits {
  std::size_t max_parts = 100;
  std::size_t max_part_bytes = 1u << 20;
};

// Splits a multipart body. Accepts CRLF or bare LF line ends (Python's email
// generator writes LF) and unfolds folded part headers (RFC 5322 2.2.3:
// googleapiclient folds a Content-ID longer than 78 characters). Throws ApiError
// for a body without any part, and as soon as a part or the part count exceeds
// `limits`, before the parts after it are looked at.
std::vector<BatchPart> parse_multipart(std::string_view body, std::string_view boundary,
                                       const BatchLimits& limits = {});

// Parses "POST /path?query HTTP/1.1\r\nHeader: v\r\n\r\nbody" into a request
// with method, path, params, headers and body set. Throws ApiError.
Request parse_embedded_request(std::string_view payload);

struct BatchReply {
  std::string content_id;
  int status = 200;
  std::string content_type;
  std::string body;
  std::string retry_after;  // the part's Retry-After, if it had one
};

// The multipart/mixed reply body for `boundary`.
std::string render_batch_reply(const std::vector<BatchReply>& replies, std::string_view boundary);

}  // namespace comity::server
