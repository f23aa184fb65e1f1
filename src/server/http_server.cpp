#include "server/http_server.h"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <cmath>
#include <random>
#include <vector>

#include "server/analyze_handler.h"
#include "server/batch.h"
#include "server/discovery.h"
#include "server/google_error.h"
#include "server/native_api.h"
#include "server/perspective_request.h"
#include "server/suggest_handler.h"

namespace comity::server {
namespace {

constexpr const char* kJson = "application/json; charset=UTF-8";

bool pretty_print(const Request& request) {
  const std::string value = request.get_param_value("prettyPrint");
  return !(value == "false" || value == "0");
}

void write_json(Response& response, int status, const nlohmann::json& body, bool pretty) {
  response.status = status;
  response.set_content(pretty ? body.dump(2, ' ', false, nlohmann::json::error_handler_t::replace)
                              : body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace),
                       kJson);
}

void write_error(Response& response, const ApiError& error, bool pretty) {
  write_json(response, error.http_status(), error.to_json(), pretty);
}

std::string random_boundary() {
  static thread_local std::mt19937_64 generator{std::random_device{}()};
  return fmt::format("batch_comity_{:016x}", generator());
}

}  // namespace

struct HttpServer::Route {
  const char* method;
  const char* path;
  std::optional<ApiKeyScope> scope;
  void (HttpServer::*handler)(const Request&, Response&);
};

HttpServer::HttpServer(ServerConfig config, std::shared_ptr<const Analyzer> analyzer, Store* store,
                       ModelLoader loader, std::shared_ptr<spdlog::logger> access_log)
    : config_(std::move(config)),
      cors_(config_.cors_allowed_origins),
      analyzer_(std::move(analyzer)),
      store_(store),
      loader_(std::move(loader)),
      access_log_(std::move(access_log)) {
  validate_config(config_);
  if (auto current = analyzer_.get()) {
    metrics_.set_model_version(current->model().version);
  }

  ListenerLimits limits;
  limits.max_header_bytes = config_.max_header_bytes;
  limits.max_header_count = config_.max_header_count;
  limits.max_body_bytes = config_.max_body_bytes;
  limits.max_connections = config_.max_connections;
  limits.idle_timeout = std::chrono::seconds(config_.keep_alive_timeout_seconds);
  limits.read_timeout = std::chrono::seconds(config_.read_timeout_seconds);
  limits.write_timeout = std::chrono::seconds(config_.write_timeout_seconds);
  limits.max_requests_per_connection = config_.keep_alive_max_requests;
  limits.workers = config_.effective_threads();
  http_ = std::make_unique<HttpListener>(
      limits, [this](const Request& request, Response& response) { serve_http(request, response); },
      [](int status, const std::string& message, Response& response) {
        write_error(response, ApiError(status, message), false);
      });
}

HttpServer::~HttpServer() { stop(); }

void HttpServer::add_route(std::string method, std::string path_regex,
                           std::optional<ApiKeyScope> scope, RouteHandler handler) {
  std::regex regex(path_regex, std::regex::ECMAScript);
  extension_routes_.push_back(
      {std::move(method), std::move(path_regex), std::move(regex), scope, std::move(handler)});
}

const HttpServer::Route* HttpServer::find_route(const std::string& method,
                                                const std::string& path) const {
  static const Route kRoutes[] = {
      {"POST", "/v1alpha1/comments:analyze", ApiKeyScope::kScore, &HttpServer::handle_analyze},
      {"POST", "/v1alpha1/comments:suggestscore", ApiKeyScope::kScore, &HttpServer::handle_suggest},
      {"POST", "/batch", kPublic, &HttpServer::handle_batch},
      {"POST", "/batch/commentanalyzer/v1alpha1", kPublic, &HttpServer::handle_batch},
      {"GET", "/$discovery/rest", kPublic, &HttpServer::handle_discovery},
      {"GET", "/discovery/v1/apis/commentanalyzer/v1alpha1/rest", kPublic,
       &HttpServer::handle_discovery},
      {"POST", "/v1/score", ApiKeyScope::kScore, &HttpServer::handle_native_score},
      {"GET", "/v1/models", ApiKeyScope::kScore, &HttpServer::handle_models},
      {"POST", "/v1/models:reload", ApiKeyScope::kAdmin, &HttpServer::handle_reload},
      // The name before the :verb convention (docs/api.md), kept for old callers.
      {"POST", "/v1/admin/reload", ApiKeyScope::kAdmin, &HttpServer::handle_reload},
      {"GET", "/healthz", kPublic, &HttpServer::handle_healthz},
      {"GET", "/readyz", kPublic, &HttpServer::handle_readyz},
      {"GET", "/metrics", kPublic, &HttpServer::handle_metrics},
  };
  for (const Route& route : kRoutes) {
    if (path == route.path &&
        (method == route.method || (method == "HEAD" && std::string(route.method) == "GET"))) {
      return &route;
    }
  }
  return nullptr;
}

void HttpServer::serve_http(const Request& request, Response& response) {
  if (cors_.answer_preflight(request, response)) return;
  handle(request, response);
  cors_.add_headers(request, response);
}

void HttpServer::handle(const Request& request, Response& response) {
  serve_request(request, response, nullptr);
}

void HttpServer::handle_as(const std::string& principal, const Request& request,
                           Response& response) {
  serve_request(request, response, &principal);
}

void HttpServer::serve_request(const Request& request, Response& response,
                               const std::string* principal) {
  const auto started = std::chrono::steady_clock::now();
  std::string route = "unmatched";
  std::string key_id;
  try {
    dispatch(request, response, route, key_id, principal);
  } catch (const ApiError& error) {
    write_error(response, error, pretty_print(request));
  } catch (const std::exception& error) {
    // Engine and store errors name files and codes, never request text.
    spdlog::error("{} {}: {}", request.method, route, error.what());
    write_error(response, internal_error(), pretty_print(request));
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  metrics_.observe_request(route, response.status, seconds);
  if (access_log_ && config_.access_log) {
    // The query string is left out: it carries the API key.
    const nlohmann::json line = {{"remote", request.remote_addr},
                                 {"method", request.method},
                                 {"route", route},
                                 {"status", response.status},
                                 {"ms", std::round(seconds * 1e5) / 100},
                                 {"bytesIn", request.body.size()},
                                 {"bytesOut", response.body.size()},
                                 {"key", key_id}};
    access_log_->info(line.dump());
  }
}

void HttpServer::dispatch(const Request& request, Response& response, std::string& route,
                          std::string& key_id, const std::string* principal) {
  const auto who = [&](ApiKeyScope needed) {
    return principal ? *principal : authenticate(request, response, needed);
  };
  const Route* match = find_route(request.method, request.path);
  if (match == nullptr) {
    for (const ExtensionRoute& extension : extension_routes_) {
      const bool method_ok = request.method == extension.method ||
                             (request.method == "HEAD" && extension.method == "GET");
      std::smatch groups;
      if (!method_ok || !std::regex_match(request.path, groups, extension.regex)) {
        continue;
      }
      route = extension.pattern;
      if (extension.scope) {
        key_id = who(*extension.scope);
      }
      extension.handler(request, response, groups);
      return;
    }
    throw not_found(request.method, request.path);
  }
  route = match->path;
  if (match->scope) {
    key_id = who(*match->scope);
  }
  (this->*match->handler)(request, response);
}

std::string HttpServer::authenticate(const Request& request, Response& response,
                                     ApiKeyScope needed) {
  if (config_.no_auth) {
    return "";
  }
  std::string key = request.get_param_value("key");
  if (key.empty()) {
    key = request.get_header_value("X-Goog-Api-Key");
  }
  if (key.empty()) {
    throw api_key_missing();
  }
  if (store_ == nullptr) {
    throw api_key_invalid();
  }
  std::optional<ApiKeyRecord> record;
  {
    std::lock_guard lock(store_mutex_);
    record = store_->find_api_key(key);
  }
  if (!record) {
    throw api_key_invalid();
  }
  if (record->scope < needed) {
    throw ApiError(403, fmt::format("This API key has the '{}' scope; this request needs '{}' "
                                    "(comity keys create --scope).",
                                    api_key_scope_name(record->scope), api_key_scope_name(needed)));
  }
  const RateLimiter::Decision decision =
      rate_limiter_.check(record->id, record->requests_per_minute, RateLimiter::Clock::now());
  if (!decision.allowed) {
    const auto seconds = (decision.retry_after.count() + 999) / 1000;
    response.set_header("Retry-After", std::to_string(std::max<long long>(1, seconds)));
    throw quota_exceeded(record->requests_per_minute);
  }
  return std::to_string(record->id);
}

std::shared_ptr<const Analyzer> HttpServer::analyzer() const {
  auto current = analyzer_.get();
  if (!current) {
    throw unavailable("No model is loaded.");
  }
  return current;
}

RequestLimits HttpServer::request_limits() const {
  RequestLimits limits;
  limits.max_comment_bytes = config_.max_comment_bytes;
  limits.max_requested_attributes = config_.max_requested_attributes;
  limits.omit_unknown_attributes = config_.unknown_attributes == "omit";
  return limits;
}

void HttpServer::handle_analyze(const Request& request, Response& response) {
  const AnalyzeRequest parsed = parse_analyze_request(request.body, request_limits());
  if (!parsed.omitted_attributes.empty()) {
    response.set_header("X-Comity-Omitted-Attributes",
                        fmt::format("{}", fmt::join(parsed.omitted_attributes, ",")));
  }
  const auto current = analyzer();
  write_json(response, 200, analyze_comment(parsed, *current, &metrics_), pretty_print(request));
}

void HttpServer::handle_suggest(const Request& request, Response& response) {
  const SuggestRequest parsed = parse_suggest_request(request.body, request_limits());
  FeedbackSink sink;
  if (store_ != nullptr) {
    sink = [this](const FeedbackRecord& record) {
      std::lock_guard lock(store_mutex_);
      store_->add_feedback(record);
    };
  }
  write_json(response, 200, suggest_score(parsed, sink), pretty_print(request));
}

void HttpServer::handle_native_score(const Request& request, Response& response) {
  const auto current = analyzer();
  const NativeLimits limits{config_.max_native_comments, config_.max_comment_bytes};
  write_json(response, 200, score_comments(request.body, *current, limits, &metrics_), false);
}

void HttpServer::handle_models(const Request&, Response& response) {
  write_json(response, 200, describe_models(*analyzer()), false);
}

void HttpServer::handle_reload(const Request&, Response& response) {
  std::string error;
  if (!reload_model(error)) {
    throw ApiError(500, "Model reload failed: " + error);
  }
  write_json(response, 200, {{"model", analyzer()->model().version}, {"reloaded", true}}, false);
}

bool HttpServer::reload_model(std::string& error) {
  std::lock_guard lock(reload_mutex_);
  if (!loader_) {
    error = "this server has no model file to reload";
    return false;
  }
  try {
    auto next = loader_();
    if (!next) {
      throw std::runtime_error("the loader returned no model");
    }
    metrics_.set_model_version(next->model().version);
    analyzer_.set(std::move(next));
    metrics_.observe_reload(true);
    return true;
  } catch (const std::exception& e) {
    error = e.what();
    metrics_.observe_reload(false);
    return false;
  }
}

void HttpServer::handle_discovery(const Request& request, Response& response) {
  const std::string version = request.get_param_value("version");
  if (!version.empty() && version != "v1alpha1") {
    throw ApiError(404, "Discovery document not found for API service: commentanalyzer " + version);
  }
  // Google checks a key sent with the discovery fetch; perspective.py relies on it.
  if (!config_.no_auth && (request.has_param("key") || request.has_header("X-Goog-Api-Key"))) {
    authenticate(request, response, ApiKeyScope::kScore);
  }
  const std::string root = client_root_url(
      request.get_header_value("X-Forwarded-Proto"), request.get_header_value("X-Forwarded-Host"),
      request.get_header_value("Host"), fmt::format("{}:{}", config_.host, port_));
  std::map<std::string, std::vector<std::string>> served;
  if (const auto current = analyzer()) {
    for (std::size_t i = 0; i < kNumAttributes; ++i) {
      served[std::string(attribute_name(attribute_at(i)))] =
          current->served_languages(attribute_at(i));
    }
  }
  write_json(response, 200, discovery_document(root, served), true);
}

void HttpServer::handle_batch(const Request& request, Response& response) {
  const auto boundary = multipart_mixed_boundary(request.get_header_value("Content-Type"));
  if (!boundary) {
    throw invalid_argument("Batch requests must be multipart/mixed with a boundary.");
  }
  // A part is one request: it may be as large as a request body may.
  const std::vector<BatchPart> parts =
      parse_multipart(request.body, *boundary, {config_.max_batch_parts, config_.max_body_bytes});
  std::vector<BatchReply> replies;
  replies.reserve(parts.size());
  for (const BatchPart& part : parts) {
    Response inner_response;
    try {
      Request inner = parse_embedded_request(part.payload);
      inner.remote_addr = request.remote_addr;
      const Route* inner_route = find_route(inner.method, inner.path);
      if (inner_route != nullptr && inner_route->handler == &HttpServer::handle_batch) {
        throw invalid_argument("Nested batch requests are not supported.");
      }
      handle(inner, inner_response);
    } catch (const ApiError& error) {
      write_error(inner_response, error, true);
    }
    replies.push_back({part.content_id, inner_response.status,
                       inner_response.get_header_value("Content-Type").empty()
                           ? kJson
                           : inner_response.get_header_value("Content-Type"),
                       inner_response.body, inner_response.get_header_value("Retry-After")});
  }
  const std::string reply_boundary = random_boundary();
  response.status = 200;
  response.set_content(render_batch_reply(replies, reply_boundary),
                       "multipart/mixed; boundary=" + reply_boundary);
}

void HttpServer::handle_healthz(const Request&, Response& response) {
  write_json(response, 200, {{"status", "ok"}}, false);
}

void HttpServer::handle_readyz(const Request&, Response& response) {
  const auto current = analyzer_.get();
  if (!current) {
    write_json(response, 503, {{"status", "no model loaded"}}, false);
    return;
  }
  if (store_ != nullptr) {
    std::optional<std::string> problem;
    {
      std::lock_guard lock(store_mutex_);
      problem = store_->write_problem();
    }
    if (problem) {
      write_json(response, 503, {{"status", "store not writable"}, {"reason", *problem}}, false);
      return;
    }
  }
  write_json(response, 200, {{"status", "ready"}, {"model", current->model().version}}, false);
}

void HttpServer::handle_metrics(const Request&, Response& response) {
  response.status = 200;
  response.set_content(metrics_.render(), "text/plain; version=0.0.4; charset=utf-8");
}

int HttpServer::bind() {
  if (!bound_) {
    port_ = http_->bind(config_.host, config_.port);
    bound_ = true;
  }
  return port_;
}

void HttpServer::serve() {
  bind();
  http_->run();
}

void HttpServer::start() {
  bind();
  // The port is listening once bind() returns, so clients may connect right away.
  thread_ = std::thread([this] { http_->run(); });
}

void HttpServer::stop() {
  if (bound_) {
    http_->stop();
  }
  if (thread_.joinable()) {
    thread_.join();
  }
}

}  // namespace comity::server
