// The webhooks over HTTP (admin keys): what `comity webhooks add|list|remove|
// deliveries|replay` does, for a site's deploy scripts and admin tools.
#include <fmt/format.h>

#include <memory>
#include <stdexcept>
#include <string>

#include <nlohmann/json.hpp>

#include "comity/webhooks.h"
#include "moderation/moderation_routes.h"
#include "server/google_error.h"
#include "server/request_json.h"

namespace comity::server {
namespace {

using nlohmann::json;

constexpr std::size_t kMaxDeliveries = 1000;

void reply(Response& response, int status, const json& body) {
  response.status = status;
  response.set_content(body.dump(-1, ' ', false, json::error_handler_t::replace),
                       "application/json; charset=UTF-8");
}

// A webhook as the API shows it: never its secret (that is shown once, on creation).
json webhook_json(const Webhook& w) {
  return {{"id", w.id},
          {"url", w.url},
          {"community", w.community.empty() ? json(nullptr) : json(w.community)},
          {"created_at", w.created_at},
          {"cursor", w.cursor},
          {"failures", w.failures},
          {"disabled", w.disabled}};
}

// A path id: 1 to 18 digits, else 400; unknown ids are the caller's 404.
std::int64_t id_in_path(const std::string& text) {
  if (text.empty() || text.size() > 18 ||
      text.find_first_not_of("0123456789") != std::string::npos) {
    throw invalid_argument(fmt::format("'{}' is not a webhook id (a positive integer).", text));
  }
  return std::stoll(text);
}

std::string optional_string(const json& body, const char* name) {
  const auto it = body.find(name);
  if (it == body.end() || it->is_null()) return "";
  if (!it->is_string()) throw invalid_json(fmt::format("'{}' must be a string.", name), name);
  return it->get<std::string>();
}

class WebhookRoutes {
 public:
  explicit WebhookRoutes(std::shared_ptr<WebhookStore> store) : store_(std::move(store)) {}

  void list(Response& response) {
    json out = json::array();
    for (const Webhook& w : store_->list()) out.push_back(webhook_json(w));
    reply(response, 200, {{"webhooks", std::move(out)}});
  }

  void add(const Request& request, Response& response) {
    const json body = parse_request_object(request.body);
    const std::string url = optional_string(body, "url");
    if (url.empty()) throw invalid_json("Missing required field 'url'.", "url");
    std::string secret = optional_string(body, "secret");
    const bool generated = secret.empty();
    if (generated) secret = generate_webhook_secret();
    bool from_start = false;
    if (const auto it = body.find("from_start"); it != body.end() && !it->is_null()) {
      if (!it->is_boolean())
        throw invalid_json("'from_start' must be true or false.", "from_start");
      from_start = it->get<bool>();
    }
    Webhook added;
    try {
      added = store_->add(url, secret, optional_string(body, "community"), from_start);
    } catch (const std::invalid_argument& e) {
      throw invalid_json(std::string("Cannot add the webhook: ") + e.what() + ".",
                         url.rfind("http", 0) == 0 ? "secret" : "url");
    }
    json out = webhook_json(added);
    // Shown once: the receiver needs it to check signatures; it is never listed.
    if (generated) out["secret"] = secret;
    reply(response, 200, out);
  }

  void remove(const std::string& id, Response& response) {
    const std::int64_t webhook = id_in_path(id);
    if (!store_->remove(webhook)) throw not_found_webhook(webhook);
    reply(response, 200, {{"id", webhook}, {"removed", true}});
  }

  void deliveries(const std::string& id, const Request& request, Response& response) {
    const std::int64_t webhook = id_in_path(id);
    if (!exists(webhook)) throw not_found_webhook(webhook);
    std::size_t limit = 50;
    if (request.has_param("limit")) {
      const std::string text = request.get_param_value("limit");
      if (text.empty() || text.size() > 6 ||
          text.find_first_not_of("0123456789") != std::string::npos || std::stoul(text) == 0) {
        throw invalid_argument("'limit' must be a positive integer.");
      }
      limit = std::min<std::size_t>(std::stoul(text), kMaxDeliveries);
    }
    json out = json::array();
    for (const WebhookDelivery& d : store_->deliveries(webhook, limit)) {
      out.push_back({{"id", d.id},
                     {"decision_id", d.decision_id},
                     {"attempt", d.attempt},
                     {"http_status", d.http_status ? json(*d.http_status) : json(nullptr)},
                     {"error", d.error},
                     {"delivered", d.delivered},
                     {"created_at", d.created_at}});
    }
    reply(response, 200, {{"webhook", webhook}, {"deliveries", std::move(out)}});
  }

  void replay(const std::string& id, const Request& request, Response& response) {
    const std::int64_t webhook = id_in_path(id);
    const json body = parse_request_object(request.body);
    const auto from = body.find("from");
    if (from == body.end() || !from->is_number_integer() || from->get<std::int64_t>() < 1) {
      throw invalid_json("'from' must be a decision id (a positive integer).", "from");
    }
    if (!store_->replay(webhook, from->get<std::int64_t>())) throw not_found_webhook(webhook);
    reply(response, 200, {{"id", webhook}, {"from", from->get<std::int64_t>()}});
  }

 private:
  bool exists(std::int64_t id) {
    for (const Webhook& w : store_->list()) {
      if (w.id == id) return true;
    }
    return false;
  }
  static ApiError not_found_webhook(std::int64_t id) {
    return ApiError(404, fmt::format("No webhook {}.", id));
  }

  std::shared_ptr<WebhookStore> store_;
};

}  // namespace

void register_webhook_routes(HttpServer& server, std::shared_ptr<WebhookStore> store) {
  auto routes = std::make_shared<WebhookRoutes>(std::move(store));
  using Match = std::smatch;
  server.add_route("GET", "/v1/webhooks", ApiKeyScope::kAdmin,
                   [routes](const Request&, Response& r, const Match&) { routes->list(r); });
  server.add_route("POST", "/v1/webhooks", ApiKeyScope::kAdmin,
                   [routes](const Request& q, Response& r, const Match&) { routes->add(q, r); });
  server.add_route(
      "DELETE", "/v1/webhooks/([^/:]+)", ApiKeyScope::kAdmin,
      [routes](const Request&, Response& r, const Match& m) { routes->remove(m[1].str(), r); });
  server.add_route("GET", "/v1/webhooks/([^/:]+)/deliveries", ApiKeyScope::kAdmin,
                   [routes](const Request& q, Response& r, const Match& m) {
                     routes->deliveries(m[1].str(), q, r);
                   });
  server.add_route("POST", "/v1/webhooks/([^/:]+):replay", ApiKeyScope::kAdmin,
                   [routes](const Request& q, Response& r, const Match& m) {
                     routes->replay(m[1].str(), q, r);
                   });
}

}  // namespace comity::server
