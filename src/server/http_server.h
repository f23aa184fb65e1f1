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
#include <string>
#include <thread>

#include <httplib.h>
#include <spdlog/logger.h>

#include "comity/rate_limiter.h"
#include "comity/store.h"
#include "server/analyzer.h"
#include "server/metrics.h"
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
  int port() const { return port_; }

  // Loads the model again through the loader and swaps it in atomically; on
  // failure the old model keeps serving and `error` says why.
  bool reload_model(std::string& error);
  ServerMetrics& metrics() { return metrics_; }

  // Handles one request exactly as if it had arrived over HTTP (used by /batch).
  void handle(const httplib::Request& request, httplib::Response& response);

 private:
  struct Route;
  void dispatch(const httplib::Request& request, httplib::Response& response, std::string& route,
                std::string& key_id);
  const Route* find_route(const std::string& method, const std::string& path) const;
  // Returns the key id for the access log ("" in no-auth mode). Throws ApiError.
  std::string authenticate(const httplib::Request& request, httplib::Response& response);
  std::shared_ptr<const Analyzer> analyzer() const;

  void handle_analyze(const httplib::Request&, httplib::Response&);
  void handle_suggest(const httplib::Request&, httplib::Response&);
  void handle_native_score(const httplib::Request&, httplib::Response&);
  void handle_models(const httplib::Request&, httplib::Response&);
  void handle_reload(const httplib::Request&, httplib::Response&);
  void handle_discovery(const httplib::Request&, httplib::Response&);
  void handle_batch(const httplib::Request&, httplib::Response&);
  void handle_healthz(const httplib::Request&, httplib::Response&);
  void handle_readyz(const httplib::Request&, httplib::Response&);
  void handle_metrics(const httplib::Request&, httplib::Response&);

  ServerConfig config_;
  AnalyzerSlot analyzer_;
  Store* store_;
  std::mutex store_mutex_;
  RateLimiter rate_limiter_;
  ModelLoader loader_;
  std::mutex reload_mutex_;
  std::shared_ptr<spdlog::logger> access_log_;
  ServerMetrics metrics_;
  httplib::Server http_;
  std::thread thread_;
  std::atomic<bool> bound_{false};
  int port_ = 0;
};

}  // namespace comity::server
