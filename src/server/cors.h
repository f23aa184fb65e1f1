// Cross-origin requests from browsers (CORS), for the origins an operator lists in
// cors_allowed_origins. Perspective answered any origin; Comity holds API keys and
// moderation data, so it answers only the listed ones ("*" lists every origin).
#pragma once
#include <set>
#include <string>
#include <vector>

#include "server/http_message.h"

namespace comity::server {

class CorsPolicy {
 public:
  explicit CorsPolicy(std::vector<std::string> allowed_origins);

  bool allows(const std::string& origin) const;
  // A preflight is OPTIONS with Origin and Access-Control-Request-Method. Answers it
  // (204 for a listed origin, 403 otherwise) and returns true; false for any other
  // request, which then goes to the routes.
  bool answer_preflight(const Request& request, Response& response) const;
  // Lets the browser hand `response` to a page on a listed origin.
  void add_headers(const Request& request, Response& response) const;

 private:
  // Scheme and host compare case-insensitively (RFC 6454); operators write the list,
  // browsers send lower case.
  std::set<std::string, CaseInsensitiveLess> allowed_;
  bool any_ = false;
};

}  // namespace comity::server
