#include "server/server_config.h"

#include <toml++/toml.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <thread>
#include <variant>
#include <vector>

#include "comity/toml_input.h"

namespace comity::server {
namespace {

// One row per setting: its TOML key (the env name is COMITY_ + upper-case key).
using Field = std::variant<std::string ServerConfig::*, int ServerConfig::*, bool ServerConfig::*,
                           std::size_t ServerConfig::*, std::vector<std::string> ServerConfig::*>;
struct Setting {
  const char* key;
  Field field;
};

const std::vector<Setting>& settings() {
  static const std::vector<Setting> kSettings = {
      {"host", &ServerConfig::host},
      {"port", &ServerConfig::port},
      {"model", &ServerConfig::model_path},
      {"data_dir", &ServerConfig::data_dir},
      {"policy_dir", &ServerConfig::policy_dir},
      {"threads", &ServerConfig::threads},
      {"no_auth", &ServerConfig::no_auth},
      {"max_comment_bytes", &ServerConfig::max_comment_bytes},
      {"max_body_bytes", &ServerConfig::max_body_bytes},
      {"read_timeout_seconds", &ServerConfig::read_timeout_seconds},
      {"write_timeout_seconds", &ServerConfig::write_timeout_seconds},
      {"keep_alive_timeout_seconds", &ServerConfig::keep_alive_timeout_seconds},
      {"keep_alive_max_requests", &ServerConfig::keep_alive_max_requests},
      {"max_header_bytes", &ServerConfig::max_header_bytes},
      {"max_header_count", &ServerConfig::max_header_count},
      {"max_connections", &ServerConfig::max_connections},
      {"max_batch_parts", &ServerConfig::max_batch_parts},
      {"max_requested_attributes", &ServerConfig::max_requested_attributes},
      {"cors_allowed_origins", &ServerConfig::cors_allowed_origins},
      {"unknown_attributes", &ServerConfig::unknown_attributes},
      {"max_native_comments", &ServerConfig::max_native_comments},
      {"coral_signing_secret", &ServerConfig::coral_signing_secret},
      {"events_max_subscribers", &ServerConfig::events_max_subscribers},
      {"events_buffer_bytes", &ServerConfig::events_buffer_bytes},
      {"events_heartbeat_seconds", &ServerConfig::events_heartbeat_seconds},
      {"events_stream_seconds", &ServerConfig::events_stream_seconds},
      {"access_log", &ServerConfig::access_log},
      {"log_level", &ServerConfig::log_level},
  };
  return kSettings;
}

long long parse_integer(const std::string& where, const std::string& text) {
  try {
    std::size_t used = 0;
    const long long value = std::stoll(text, &used);
    if (used == text.size()) {
      return value;
    }
  } catch (const std::exception&) {
  }
  throw std::runtime_error(where + ": expected an integer, got '" + text + "'");
}

bool parse_bool(const std::string& where, std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  if (text == "1" || text == "true" || text == "yes" || text == "on") {
    return true;
  }
  if (text == "0" || text == "false" || text == "no" || text == "off" || text.empty()) {
    return false;
  }
  throw std::runtime_error(where + ": expected true or false, got '" + text + "'");
}

// "a, b,,c" -> {"a", "b", "c"}: the environment's form of a list.
std::vector<std::string> split_list(const std::string& text) {
  std::vector<std::string> out;
  std::size_t begin = 0;
  while (begin <= text.size()) {
    std::size_t end = text.find(',', begin);
    if (end == std::string::npos) end = text.size();
    std::string item = text.substr(begin, end - begin);
    item.erase(0, item.find_first_not_of(" \t"));
    item.erase(item.find_last_not_of(" \t") + 1);
    if (!item.empty()) out.push_back(item);
    begin = end + 1;
  }
  return out;
}

// A TOML array of strings, or one comma-separated string.
std::vector<std::string> string_list(const std::string& where, const toml::node& node) {
  if (auto text = node.value<std::string>()) return split_list(*text);
  const toml::array* array = node.as_array();
  if (array == nullptr) throw std::runtime_error(where + ": expected an array of strings");
  std::vector<std::string> out;
  for (const toml::node& item : *array) {
    auto text = item.value<std::string>();
    if (!text) throw std::runtime_error(where + ": expected an array of strings");
    out.push_back(*text);
  }
  return out;
}

}  // namespace

int ServerConfig::effective_threads() const {
  if (threads > 0) {
    return threads;
  }
  // Connections cost no worker (HttpListener), and scoring is CPU-bound: one per core.
  return static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
}

void apply_config_file(const std::string& path, ServerConfig& config) {
  std::ifstream in(path, std::ios::binary);
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (!in.good() && !in.eof())
    throw std::runtime_error("config " + path + ": cannot open or read it");
  if (const auto deep = check_toml_nesting(text)) {
    throw std::runtime_error("config " + path + ": line " + std::to_string(deep->line) + ": " +
                             deep->message);
  }
  toml::table table;
  try {
    table = toml::parse(text, path);
  } catch (const toml::parse_error& e) {
    throw std::runtime_error("config " + path + ": " + std::string(e.description()));
  }
  for (const auto& entry : table) {
    // Named references, not a structured binding: clang 14 cannot capture bindings in lambdas.
    const toml::node& node = entry.second;
    const std::string name(entry.first.str());
    const auto it = std::find_if(settings().begin(), settings().end(),
                                 [&](const Setting& s) { return name == s.key; });
    if (it == settings().end()) {
      throw std::runtime_error("config " + path + ": unknown key '" + name + "'");
    }
    const std::string where = "config " + path + ": " + name;
    std::visit(
        [&](auto member) {
          using T = std::remove_reference_t<decltype(config.*member)>;
          if constexpr (std::is_same_v<T, std::string>) {
            auto value = node.template value<std::string>();
            if (!value) {
              throw std::runtime_error(where + ": expected a string");
            }
            config.*member = *value;
          } else if constexpr (std::is_same_v<T, bool>) {
            auto value = node.template value<bool>();
            if (!value) {
              throw std::runtime_error(where + ": expected true or false");
            }
            config.*member = *value;
          } else if constexpr (std::is_same_v<T, std::vector<std::string>>) {
            config.*member = string_list(where, node);
          } else {
            auto value = node.template value<std::int64_t>();
            if (!value || *value < 0) {
              throw std::runtime_error(where + ": expected a non-negative integer");
            }
            config.*member = static_cast<T>(*value);
          }
        },
        it->field);
  }
}

void apply_environment(ServerConfig& config,
                       const std::function<const char*(const char*)>& lookup) {
  for (const Setting& setting : settings()) {
    std::string name = "COMITY_";
    for (const char* c = setting.key; *c != '\0'; ++c) {
      name += static_cast<char>(std::toupper(*c));
    }
    const char* raw = lookup ? lookup(name.c_str()) : std::getenv(name.c_str());
    if (raw == nullptr) {
      continue;
    }
    const std::string text(raw);
    std::visit(
        [&](auto member) {
          using T = std::remove_reference_t<decltype(config.*member)>;
          if constexpr (std::is_same_v<T, std::string>) {
            config.*member = text;
          } else if constexpr (std::is_same_v<T, std::vector<std::string>>) {
            config.*member = split_list(text);
          } else if constexpr (std::is_same_v<T, bool>) {
            config.*member = parse_bool(name, text);
          } else {
            const long long value = parse_integer(name, text);
            if (value < 0) {
              throw std::runtime_error(name + ": must not be negative");
            }
            config.*member = static_cast<T>(value);
          }
        },
        setting.field);
  }
}

bool is_loopback_host(const std::string& host) {
  return host == "localhost" || host == "::1" || host == "[::1]" || host.rfind("127.", 0) == 0;
}

void validate_config(const ServerConfig& config) {
  if (config.no_auth && !is_loopback_host(config.host)) {
    throw std::runtime_error(
        "--no-auth serves anyone who can connect, so it only binds a loopback "
        "address (127.0.0.1, ::1, localhost); refusing to bind " +
        config.host);
  }
  if (config.port < 0 || config.port > 65535) {
    throw std::runtime_error("port must be in 0..65535");
  }
  if (config.max_comment_bytes == 0) {
    throw std::runtime_error("max_comment_bytes must be positive");
  }
  if (config.max_body_bytes < config.max_comment_bytes) {
    throw std::runtime_error("max_body_bytes must be at least max_comment_bytes");
  }
  if (config.unknown_attributes != "error" && config.unknown_attributes != "omit") {
    throw std::runtime_error("unknown_attributes must be \"error\" or \"omit\", not \"" +
                             config.unknown_attributes + "\"");
  }
  for (const std::string& origin : config.cors_allowed_origins) {
    // An origin is scheme://host[:port] (or "*"): a path or a trailing slash never matches.
    if (origin != "*" && (origin.find("://") == std::string::npos ||
                          origin.find('/', origin.find("://") + 3) != std::string::npos)) {
      throw std::runtime_error("cors_allowed_origins: '" + origin +
                               "' is not an origin like https://news.example.org");
    }
  }
  if (config.max_connections == 0 || config.max_header_count == 0 ||
      config.max_header_bytes < 1024 || config.max_requested_attributes == 0) {
    throw std::runtime_error(
        "max_connections, max_header_count and max_requested_attributes must be positive, "
        "max_header_bytes at least 1024");
  }
  if (config.events_heartbeat_seconds < 1 || config.events_stream_seconds < 1 ||
      config.events_buffer_bytes < 1024) {
    throw std::runtime_error(
        "events_heartbeat_seconds and events_stream_seconds must be at least 1, "
        "events_buffer_bytes at least 1024");
  }
}

}  // namespace comity::server
