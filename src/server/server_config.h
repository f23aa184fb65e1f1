// `comity serve` settings. Precedence, lowest first: built-in defaults, the TOML
// file (--config), COMITY_* environment variables, command-line flags. Every key
// is documented in docs/configuration.md.
#pragma once
#include <cstddef>
#include <functional>
#include <string>
#include <vector>

namespace comity::server {

struct ServerConfig {
  std::string host = "127.0.0.1";
  int port = 8080;
  std::string model_path;
  std::string data_dir = "comity-data";
  std::string policy_dir;  // <community>.toml files applied at start and on SIGHUP
  int threads = 0;         // scoring workers; 0: one per core
  bool no_auth = false;    // only allowed on a loopback address
  std::size_t max_comment_bytes = 20480;
  std::size_t max_body_bytes = 8u << 20;
  int read_timeout_seconds = 10;
  int write_timeout_seconds = 10;
  // Google's front ends kept idle connections for minutes; googleapiclient and Excon
  // reuse them without retrying, so a short timeout breaks their next call.
  int keep_alive_timeout_seconds = 120;
  int keep_alive_max_requests = 1000;
  std::size_t max_header_bytes = 32 * 1024;
  std::size_t max_header_count = 100;
  std::size_t max_connections = 20000;
  std::size_t max_batch_parts = 100;
  std::size_t max_requested_attributes = 32;
  // Browser origins allowed to call the API (CORS); empty: none.
  std::vector<std::string> cors_allowed_origins;
  // Requested attributes Comity does not have: "error" (Google's 400) or "omit" (left
  // out of the answer and named in the X-Comity-Omitted-Attributes header).
  std::string unknown_attributes = "error";
  std::size_t max_native_comments = 100;
  // Coral Talk's external moderation phase signs each request with this secret
  // (X-Coral-Signature); empty: the route refuses every request unless no_auth.
  std::string coral_signing_secret;
  // Live event streams (GET /v1/events): how many at once, how much each may
  // buffer for a client that reads slowly before it is dropped, how often an
  // idle stream gets a heartbeat.
  std::size_t events_max_subscribers = 100;
  std::size_t events_buffer_bytes = 256 * 1024;
  int events_heartbeat_seconds = 15;
  int events_stream_seconds = 300;  // then a stream ends and its client reconnects
  bool access_log = true;
  std::string log_level = "info";

  int effective_threads() const;
};

// Applies the keys of a TOML file; throws std::runtime_error naming the file and
// the key on a parse error, an unknown key or a wrongly typed value.
void apply_config_file(const std::string& path, ServerConfig& config);
// Applies COMITY_HOST, COMITY_PORT, COMITY_MODEL, COMITY_DATA_DIR, ... (one per key).
void apply_environment(ServerConfig& config,
                       const std::function<const char*(const char*)>& lookup = nullptr);
// Throws std::runtime_error for values that cannot work, e.g. --no-auth on a
// non-loopback address.
void validate_config(const ServerConfig& config);
bool is_loopback_host(const std::string& host);

}  // namespace comity::server
