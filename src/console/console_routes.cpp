// The routes of the moderator console. The browser holds a session cookie
// (HttpOnly, SameSite=Strict, only its hash stored) and sends the session's CSRF
// token in X-CSRF-Token on every state-changing request. Calls to the
// moderation API go through /console/api/v1/..., which checks the session and
// role, then hands the request to the very same /v1/... handler.
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <deque>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>

#include <sstream>
#include "comity/store.h"

#include "comity/console.h"
#include "server/google_error.h"
#include "server/http_server.h"
#include "server/request_json.h"

namespace comity::console {
namespace {

using server::Request;
using server::Response;

constexpr const char* kJson = "application/json; charset=UTF-8";
constexpr const char* kCookie = "comity_session";

void write_json(Response& response, int status, const nlohmann::json& body) {
  response.status = status;
  response.set_content(body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace), kJson);
}

// Nothing on a console page may load from elsewhere or run inline.
void set_security_headers(Response& response) {
  response.set_header("Content-Security-Policy",
                      "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' "
                      "data:; connect-src 'self'; object-src 'none'; base-uri 'none'; "
                      "frame-ancestors 'none'; form-action 'self'");
  response.set_header("X-Content-Type-Options", "nosniff");
  response.set_header("Referrer-Policy", "no-referrer");
  response.set_header("Cache-Control", "no-store");
}

std::string cookie_value(const Request& request, const std::string& name) {
  const std::string header = request.get_header_value("Cookie");
  std::size_t start = 0;
  while (start < header.size()) {
    std::size_t end = header.find(';', start);
    if (end == std::string::npos) {
      end = header.size();
    }
    std::string pair = header.substr(start, end - start);
    pair.erase(0, pair.find_first_not_of(' '));
    const auto eq = pair.find('=');
    if (eq != std::string::npos && pair.substr(0, eq) == name) {
      return pair.substr(eq + 1);
    }
    start = end + 1;
  }
  return "";
}

std::string session_cookie(const Request& request, const std::string& value, long long max_age) {
  const bool https = request.get_header_value("X-Forwarded-Proto") == "https";
  return fmt::format("{}={}; Path=/console; Max-Age={}; HttpOnly; SameSite=Strict{}", kCookie,
                     value, max_age, https ? "; Secure" : "");
}

nlohmann::json user_json(const User& user) {
  return {{"name", user.name}, {"role", role_name(user.role)}};
}

const char* content_type_for(const std::filesystem::path& path) {
  static const std::map<std::string, const char*> kTypes = {
      {".html", "text/html; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"},
      {".mjs", "text/javascript; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},
      {".json", "application/json"},
      {".svg", "image/svg+xml"},
      {".png", "image/png"},
      {".ico", "image/x-icon"},
      {".woff2", "font/woff2"},
      {".txt", "text/plain; charset=utf-8"},
      {".map", "application/json"}};
  const auto found = kTypes.find(path.extension().string());
  return found == kTypes.end() ? "application/octet-stream" : found->second;
}

// Failed sign-ins per client address and per name within a sliding window.
class LoginThrottle {
 public:
  LoginThrottle(int allowed, std::chrono::seconds window) : allowed_(allowed), window_(window) {}

  // Counts an attempt before its password is checked, so parallel guesses cannot
  // all pass the check first. Returns the seconds to wait (nothing counted) or 0
  // with the attempt counted; a sign-in that succeeds gives it back (succeeded()).
  long long begin_attempt(const std::vector<std::string>& keys) {
    std::lock_guard lock(mutex_);
    const auto now = Clock::now();
    long long wait = 0;
    for (const auto& key : keys) {
      const auto it = failures_.find(key);
      if (it == failures_.end()) {
        continue;
      }
      auto& times = drop_old(it->second, now);
      if (static_cast<int>(times.size()) >= allowed_) {
        const auto until = times.front() + window_;
        wait = std::max<long long>(
            wait, std::chrono::duration_cast<std::chrono::seconds>(until - now).count() + 1);
      }
    }
    if (wait > 0) {
      return wait;
    }
    // Names are chosen by whoever knocks: forget stale ones so the map stays small.
    if (failures_.size() > kSweepAbove) {
      for (auto it = failures_.begin(); it != failures_.end();) {
        it = drop_old(it->second, now).empty() ? failures_.erase(it) : std::next(it);
      }
    }
    for (const auto& key : keys) {
      failures_[key].push_back(now);
    }
    return 0;
  }
  // A correct password: the name starts afresh and the address gets its attempt back.
  void succeeded(const std::string& name_key, const std::string& addr_key) {
    std::lock_guard lock(mutex_);
    failures_.erase(name_key);
    if (const auto it = failures_.find(addr_key); it != failures_.end() && !it->second.empty()) {
      it->second.pop_back();
    }
  }

 private:
  using Clock = std::chrono::steady_clock;
  static constexpr std::size_t kSweepAbove = 10000;
  std::deque<Clock::time_point>& drop_old(std::deque<Clock::time_point>& times,
                                          Clock::time_point now) {
    while (!times.empty() && now - times.front() > window_) {
      times.pop_front();
    }
    return times;
  }
  int allowed_;
  std::chrono::seconds window_;
  std::mutex mutex_;
  std::map<std::string, std::deque<Clock::time_point>> failures_;
};

struct Console {
  server::HttpServer& server;
  ConsoleOptions options;
  Accounts accounts;
  LoginThrottle throttle;

  Console(server::HttpServer& s, const ConsoleOptions& o)
      : server(s),
        options(o),
        accounts(o.data_dir),
        throttle(o.login_failures_allowed, o.login_failure_window) {}

  Session require_session(const Request& request, bool state_changing) {
    const auto session = accounts.find_session(cookie_value(request, kCookie));
    if (!session) {
      throw server::ApiError(401, "Sign in to the console first.");
    }
    if (state_changing && request.get_header_value("X-CSRF-Token") != session->csrf_token) {
      throw server::ApiError(403, "Missing or wrong X-CSRF-Token header.");
    }
    return *session;
  }

  void login(const Request& request, Response& response) {
    set_security_headers(response);
    // A cross-site form cannot send JSON, so this also stops login CSRF.
    if (request.get_header_value("Content-Type").rfind("application/json", 0) != 0) {
      throw server::ApiError(415, "Send the credentials as application/json.");
    }
    const auto body = server::parse_request_object(request.body);
    if (!body.value("name", nlohmann::json()).is_string() ||
        !body.value("password", nlohmann::json()).is_string()) {
      throw server::ApiError(400, "Expected {\"name\": ..., \"password\": ...}.");
    }
    const std::string name = body["name"];
    const std::vector<std::string> keys = {"addr:" + request.remote_addr, "name:" + name};
    if (const long long wait = throttle.begin_attempt(keys); wait > 0) {
      response.set_header("Retry-After", std::to_string(wait));
      throw server::ApiError(429, "Too many failed sign-ins; try again later.");
    }
    const auto user = accounts.check_password(name, body["password"]);
    if (!user) {
      spdlog::warn("console: failed sign-in from {}", request.remote_addr);
      throw server::ApiError(401, "Wrong name or password.");
    }
    throttle.succeeded(keys[1], keys[0]);
    const SessionGrant grant = accounts.open_session(*user, options.session_lifetime);
    response.set_header("Set-Cookie",
                        session_cookie(request, grant.token, options.session_lifetime.count()));
    write_json(response, 200, {{"user", user_json(*user)}, {"csrfToken", grant.csrf_token}});
  }

  void logout(const Request& request, Response& response) {
    set_security_headers(response);
    require_session(request, true);
    accounts.close_session(cookie_value(request, kCookie));
    response.set_header("Set-Cookie", session_cookie(request, "", 0));
    write_json(response, 200, {{"signedOut", true}});
  }

  // The page keeps the CSRF token in memory only; a reload asks for it again
  // (same-origin reads only: the cookie is SameSite=Strict).
  void me(const Request& request, Response& response) {
    set_security_headers(response);
    const Session session = require_session(request, false);
    write_json(response, 200,
               {{"user", user_json(session.user)}, {"csrfToken", session.csrf_token}});
  }

  // Which moderation calls a role may make through the console.
  static bool allowed(const std::string& method, const std::string& path, Role role, bool dry_run) {
    static const std::regex kPolicy("v1/policies/[^/:]+");
    static const std::regex kDryRun("v1/policies/[^/:]+(:dry_run|/dry-run)");
    static const std::regex kAuthor("v1/authors/[^/:]+/.+");
    // Webhook URLs and their delivery log are the site's integration: admins only.
    if (path == "v1/webhooks" || path.rfind("v1/webhooks/", 0) == 0) {
      return role == Role::admin && (method == "GET" || method == "HEAD");
    }
    if (method == "GET" || method == "HEAD") {
      return true;
    }
    static const std::regex kUndo("v1/comments/.+:undo");
    if (method == "POST" && (path == "v1/queue/decisions" || std::regex_match(path, kDryRun) ||
                             std::regex_match(path, kUndo))) {
      return true;
    }
    // Trusting, suspending and banning authors is moderators' work.
    if ((method == "PUT" || method == "DELETE") && std::regex_match(path, kAuthor)) {
      return true;
    }
    // Imports store whole threads: admins only, but anyone may dry-run one.
    if (method == "POST" && path == "v1/threads:import") {
      return role == Role::admin || dry_run;
    }
    return method == "PUT" && std::regex_match(path, kPolicy) && role == Role::admin;
  }

  void proxy(const Request& request, Response& response, const std::smatch& groups) {
    const bool state_changing = request.method != "GET" && request.method != "HEAD";
    const Session session = require_session(request, state_changing);
    const std::string path = groups[1].str();
    if (!allowed(request.method, path, session.user.role,
                 (request.get_param_value("dry_run") == "true" ||
                  request.get_param_value("dryRun") == "true"))) {
      throw server::ApiError(403, fmt::format("A {} may not {} /{} from the console.",
                                              role_name(session.user.role), request.method, path));
    }
    Request inner;
    inner.method = request.method;
    inner.path = "/" + path;
    inner.params = request.params;
    // The session decides who acts, not a key or an actor named in the URL or the
    // body: the API records X-Comity-Actor for every decision and policy change.
    inner.params.erase("key");
    inner.params.erase("actor");
    inner.set_header("X-Comity-Actor", session.user.name);
    inner.remote_addr = request.remote_addr;
    inner.body = request.body;
    if (request.has_header("Content-Type")) {
      inner.set_header("Content-Type", request.get_header_value("Content-Type"));
    }
    // The session has authenticated the user: the API sees the console acting
    // for them, with no API key of its own to create, store or revoke.
    server.handle_as("console:" + session.user.name, inner, response);
    set_security_headers(response);
  }

  void serve_static(const Request& request, Response& response, const std::smatch& groups) {
    set_security_headers(response);
    std::string relative = groups[1].matched ? groups[1].str() : "";
    if (relative.empty()) {
      response.status = 302;
      response.set_header("Location", "/console/");
      return;
    }
    if (relative.rfind("/api/", 0) == 0) {
      throw server::not_found(request.method, request.path);
    }
    if (options.static_dir.empty()) {
      throw server::ApiError(404, "The console front end is not built (run web/build.sh).");
    }
    namespace fs = std::filesystem;
    const fs::path root = fs::weakly_canonical(options.static_dir);
    fs::path file =
        relative == "/" ? root / "index.html" : fs::weakly_canonical(root / relative.substr(1));
    // Refuse anything that resolves outside the front end's directory.
    const auto [root_end, unused] =
        std::mismatch(root.begin(), root.end(), file.begin(), file.end());
    (void)unused;
    if (root_end != root.end()) {
      throw server::not_found(request.method, request.path);
    }
    std::error_code error;
    if (!fs::is_regular_file(file, error)) {
      if (file.has_extension()) {
        throw server::not_found(request.method, request.path);
      }
      file = root / "index.html";  // the pages route by URL fragment; any other path is the app
    }
    std::ifstream in(file, std::ios::binary);
    if (!in) {
      throw server::ApiError(404, "The console front end is not built (run web/build.sh).");
    }
    std::ostringstream content;
    content << in.rdbuf();
    response.status = 200;
    if (file.parent_path().filename() == "assets") {
      response.set_header("Cache-Control", "public, max-age=31536000, immutable");
    }
    response.set_content(content.str(), content_type_for(file));
  }
};

}  // namespace

void install_console(server::HttpServer& server, const ConsoleOptions& options) {
  auto console = std::make_shared<Console>(server, options);
  const auto plain = [console](void (Console::*method)(const Request&, Response&)) {
    return [console, method](const Request& request, Response& response, const std::smatch&) {
      ((*console).*method)(request, response);
    };
  };
  server.add_route("POST", "/console/api/login", server::HttpServer::kPublic,
                   plain(&Console::login));
  server.add_route("POST", "/console/api/logout", server::HttpServer::kPublic,
                   plain(&Console::logout));
  server.add_route("GET", "/console/api/me", server::HttpServer::kPublic, plain(&Console::me));
  for (const char* method : {"GET", "POST", "PUT", "DELETE", "PATCH"}) {
    server.add_route(
        // Any decoded path: author names and comment ids may hold any character.
        method, "/console/api/(v1/.+)", server::HttpServer::kPublic,
        [console](const Request& request, Response& response, const std::smatch& groups) {
          console->proxy(request, response, groups);
        });
  }
  // The server's root is where people type the address: send them to the console.
  server.add_route("GET", "/", server::HttpServer::kPublic,
                   [](const Request&, Response& response, const std::smatch&) {
                     response.status = 302;
                     response.set_header("Location", "/console/");
                     response.set_content("See /console/.\n", "text/plain; charset=UTF-8");
                   });
  server.add_route(
      "GET", "/console(/.*)?", server::HttpServer::kPublic,
      [console](const Request& request, Response& response, const std::smatch& groups) {
        console->serve_static(request, response, groups);
      });
  if (options.static_dir.empty() || !std::filesystem::is_directory(options.static_dir)) {
    spdlog::warn("console front end not found at '{}': build it with web/build.sh",
                 options.static_dir);
  }
}

}  // namespace comity::console
