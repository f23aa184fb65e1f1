// `comity serve` settings. Precedence, lowest first: built-in defaults, the TOML
// file (--config), COMITY_* environment variables, command-line flags. Every key
// is documented in docs/configuration.md.
#pragma once
#include <cstddef>
#include <functional>
#include <string>

namespace comity::server {

struct ServerConfig {
  std::string host = "127.0.0.1";
  int port = 8080;
  std::string model_path;
  std::string data_dir = "comity-data";
  std::string policy_dir;  // <community>.toml files applied at start and on SIGHUP
  int threads = 0;         // 0: one per core
  bool no_auth = false;    // only allowed on a loopback address
  std::size_t max_comment_bytes = 20480;
  std::size_t max_body_bytes = 8u << 20;
  int read_timeout_seconds = 10;
  int write_timeout_seconds = 10;
  int keep_alive_timeout_seconds = 5;
  int keep_alive_max_requests = 1000;
  std::size_t max_batch_parts = 100;
  std::size_t max_native_comments = 100;
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
