#include "server/cors.h"

#include <algorithm>
#include <cctype>

#include "server/google_error.h"

namespace comity::server {
namespace {

constexpr const char* kMethods = "GET, HEAD, POST, PUT, PATCH, DELETE";
// What a page may read besides the CORS-safelisted headers.
constexpr const char* kExposed = "Retry-After, X-Comity-Omitted-Attributes";
constexpr const char* kMaxAgeSeconds = "600";

// A header list is echoed back only if it is plain tokens, so nothing a page sends
// is reflected into a response header unchecked.
bool is_token_list(const std::string& value) {
  return value.size() <= 1024 && std::all_of(value.begin(), value.end(), [](unsigned char c) {
           return std::isalnum(c) || c == '-' || c == '_' || c == ',' || c == ' ';
         });
}

}  // namespace

CorsPolicy::CorsPolicy(std::vector<std::string> allowed_origins) {
  for (std::string& origin : allowed_origins) {
    if (origin == "*") {
      any_ = true;
    } else {
      allowed_.insert(std::move(origin));
    }
  }
}

bool CorsPolicy::allows(const std::string& origin) const {
  if (origin.empty()) return false;
  return any_ || allowed_.count(origin) != 0;
}

bool CorsPolicy::answer_preflight(const Request& request, Response& response) const {
  const std::string origin = request.get_header_value("Origin");
  if (request.method != "OPTIONS" || origin.empty() ||
      !request.has_header("Access-Control-Request-Method")) {
    return false;
  }
  response.set_header("Vary",
                      "Origin, Access-Control-Request-Method, Access-Control-Request-Headers");
  if (!allows(origin)) {
    const ApiError error(403, "Cross-origin requests from " + origin + " are not allowed.");
    response.status = error.http_status();
    response.set_content(error.to_json().dump(), "application/json; charset=UTF-8");
    return true;
  }
  response.status = 204;
  add_headers(request, response);
  response.set_header("Access-Control-Allow-Methods", kMethods);
  const std::string asked = request.get_header_value("Access-Control-Request-Headers");
  if (!asked.empty() && is_token_list(asked)) {
    response.set_header("Access-Control-Allow-Headers", asked);
  }
  response.set_header("Access-Control-Max-Age", kMaxAgeSeconds);
  return true;
}

void CorsPolicy::add_headers(const Request& request, Response& response) const {
  const std::string origin = request.get_header_value("Origin");
  if (!allows(origin)) return;
  response.set_header("Access-Control-Allow-Origin", any_ ? "*" : origin);
  response.set_header("Access-Control-Expose-Headers", kExposed);
  if (!any_ && !response.has_header("Vary")) response.set_header("Vary", "Origin");
}

}  // namespace comity::server
