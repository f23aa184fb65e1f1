// The HTTP server: Perspective's routes, Comity's native API, discovery, batch,
// health and metrics, with API-key auth and per-key quota from the Store.
//
// Nothing of a comment's text is logged or written anywhere except, for
// suggestscore without doNotStore, the feedback table.
#pragma once
#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include <spdlog/logger.h>

#include "comity/rate_limiter.h"
#include "comity/store.h"
#include "server/analyzer.h"
#include "server/cors.h"
#include "server/http_listener.h"
#include "server/http_message.h"
#include "server/metrics.h"
#include "server/perspective_request.h"
#include "server/server_config.h"

namespace comity::server {

class HttpServer {
 public:
  using ModelLoader = std::function<std::shared_ptr<const Analyzer>()>;

  // `store` is not owned and may be null (then auth cannot pass and feedback is
  // refused); `loader` re-reads the model for reloads; `access_log` receives one
  // JSON line per request (null: no access log). Throws std::runtime_error when
  // validate_config() rejects `config`.
  HttpServer(ServerConfig config, std::shared_ptr<const Analyzer> analyzer, Store* store,
             ModelLoader loader = {}, std::shared_ptr<spdlog::logger> access_log = nullptr);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds config.host:config.port (port 0: an ephemeral port) and returns the
  // port. Throws std::runtime_error when binding fails.
  int bind();
  // Serves until stop(); binds first if needed.
  void serve();
  // serve() on a background thread.
  void start();
  // Stops accepting; requests in flight finish before serve() returns.
  void stop();
  std::size_t open_connections() const { return http_->open_connections(); }
  int port() const { return port_; }

  // Loads the model again through the loader and swaps it in atomically; on
  // failure the old model keeps serving and `error` says why.
  bool reload_model(std::string& error);
  ServerMetrics& metrics() { return metrics_; }

  // Handles one request exactly as if it had arrived over HTTP (used by /batch).
  void handle(const Request& request, Response& response);
  // The same for a trusted in-process caller that has authenticated its user
  // itself (the console's session): authenticated routes take `principal`
  // instead of an API key and its quota; the access log names the principal.
  void handle_as(const std::string& principal, const Request& request, Response& response);

  // Extension routes let feature modules (moderation, console) serve their own
  // paths without growing the built-in table. `path_regex` must match the whole
  // path (std::regex_match); capture groups reach the handler through the match.
  // They are tried after the built-in routes, in the order added; add them
  // before start()/serve(). Handlers throw ApiError for client errors, exactly
  // like the built-in ones; HEAD is served by a GET route.
  //
  // `scope`: the API key scope a caller needs (docs/api.md#keys), or kPublic for
  // routes anyone may call. The console's in-process calls (handle_as) carry
  // their user's own role checks and pass any scope.
  using RouteHandler = std::function<void(const Request&, Response&, const std::smatch&)>;
  static constexpr std::optional<ApiKeyScope> kPublic = std::nullopt;
  void add_route(std::string method, std::string path_regex, std::optional<ApiKeyScope> scope,
                 RouteHandler handler);

  // What extension handlers share with the built-in ones. The store may be null;
  // hold store_mutex() around every call into it. current_analyzer() throws
  // ApiError 503 when no model is loaded.
  Store* store() const { return store_; }
  std::mutex& store_mutex() { return store_mutex_; }
  std::shared_ptr<const Analyzer> current_analyzer() const { return analyzer(); }
  const ServerConfig& config() const { return config_; }

 private:
  struct Route;
  struct ExtensionRoute {
    std::string method;
    std::string pattern;
    std::regex regex;
    std::optional<ApiKeyScope> scope;
    RouteHandler handler;
  };
  // What the listener calls: CORS around handle().
  void serve_http(const Request& request, Response& response);
  void serve_request(const Request& request, Response& response, const std::string* principal);
  void dispatch(const Request& request, Response& response, std::string& route, std::string& key_id,
                const std::string* principal);
  const Route* find_route(const std::string& method, const std::string& path) const;
  // Returns the key id for the access log ("" in no-auth mode). Throws ApiError:
  // 401/403 for a missing or unknown key, 403 PERMISSION_DENIED for a key whose
  // scope does not include `needed`, 429 over its quota.
  std::string authenticate(const Request& request, Response& response, ApiKeyScope needed);
  std::shared_ptr<const Analyzer> analyzer() const;
  RequestLimits request_limits() const;

  void handle_analyze(const Request&, Response&);
  void handle_suggest(const Request&, Response&);
  void handle_native_score(const Request&, Response&);
  void handle_models(const Request&, Response&);
  void handle_reload(const Request&, Response&);
  void handle_discovery(const Request&, Response&);
  void handle_batch(const Request&, Response&);
  void handle_healthz(const Request&, Response&);
  void handle_readyz(const Request&, Response&);
  void handle_metrics(const Request&, Response&);

  ServerConfig config_;
  CorsPolicy cors_;
  AnalyzerSlot analyzer_;
  Store* store_;
  std::mutex store_mutex_;
  RateLimiter rate_limiter_;
  ModelLoader loader_;
  std::mutex reload_mutex_;
  std::shared_ptr<spdlog::logger> access_log_;
  ServerMetrics metrics_;
  std::vector<ExtensionRoute> extension_routes_;
  std::unique_ptr<HttpListener> http_;
  std::thread thread_;
  std::atomic<bool> bound_{false};
  int port_ = 0;
};

}  // namespace comity::server
