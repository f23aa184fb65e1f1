// The moderator web console: accounts (users with hashed passwords, roles),
// browser sessions with CSRF tokens, and the routes `comity serve` adds under
// /console. Moderators are people, not API clients: they sign in with a
// password and act through a session cookie, never with an API key.
#pragma once
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace comity::server {
class HttpServer;
}
namespace comity::sqlite {
class Connection;
}

namespace comity::console {

enum class Role { admin, moderator };
const char* role_name(Role role);
// Throws std::invalid_argument for anything but "admin" or "moderator".
Role parse_role(const std::string& name);

struct User {
  std::int64_t id = 0;
  std::string name;
  Role role = Role::moderator;
  std::string created_at;
  bool disabled = false;  // cannot sign in; has no sessions
};

// "pbkdf2_sha256$<iterations>$<salt hex>$<hash hex>" with a random 16-byte salt.
inline constexpr int kPasswordIterations = 210000;
std::string hash_password(const std::string& password, int iterations = kPasswordIterations);
// Constant-time comparison; false for a malformed encoding.
bool verify_password(const std::string& password, const std::string& encoded);

struct SessionGrant {
  std::string token;       // the cookie value, shown once; only its hash is stored
  std::string csrf_token;  // echoed by the browser in X-CSRF-Token
  User user;
};

struct Session {
  User user;
  std::string csrf_token;
};

// Users and sessions in the store's database (`data_dir`/comity.db, schema
// migration 2). Thread-safe.
class Accounts {
 public:
  explicit Accounts(const std::string& data_dir);
  ~Accounts();
  Accounts(const Accounts&) = delete;
  Accounts& operator=(const Accounts&) = delete;

  // Throws std::invalid_argument for an empty name, a short password or a taken name.
  User create_user(const std::string& name, Role role, const std::string& password);
  std::vector<User> list_users();
  // nullopt for an unknown name, a wrong password or a disabled account (same cost
  // in every case).
  std::optional<User> check_password(const std::string& name, const std::string& password);

  // Account administration (`comity users`). Each throws std::invalid_argument for
  // an unknown name, ends the user's sessions where it says so, and appends an
  // audit_log row (`user.<action>`, actor `actor`) in the same transaction.
  // Disabling ends the sessions; enabling lets the user sign in again.
  void set_disabled(const std::string& name, bool disabled, const std::string& actor);
  // A new password (same length rule as create_user); ends the sessions.
  void reset_password(const std::string& name, const std::string& password,
                      const std::string& actor);
  // Signs the user out everywhere; returns how many sessions ended.
  std::int64_t end_sessions(const std::string& name, const std::string& actor);

  SessionGrant open_session(const User& user, std::chrono::seconds lifetime);
  // nullopt when unknown or expired.
  std::optional<Session> find_session(const std::string& token);
  void close_session(const std::string& token);

 private:
  std::int64_t change_account(const std::string& name, const std::string& action,
                              const std::string& update_sql,
                              const std::optional<std::string>& value, bool end_sessions,
                              const std::string& actor);
  std::mutex mutex_;
  std::unique_ptr<sqlite::Connection> connection_;
};

struct ConsoleOptions {
  std::string data_dir;    // where the accounts live (the store's directory)
  std::string static_dir;  // the built front end (web/dist); empty: API only
  std::chrono::seconds session_lifetime{std::chrono::hours(12)};
  int login_failures_allowed = 5;  // per client address and per name, per window
  std::chrono::seconds login_failure_window{std::chrono::minutes(15)};
};

// Adds /console (static files) and /console/api/* (login, logout, me, and the
// moderation API behind a session) to `server`. Call before start().
void install_console(server::HttpServer& server, const ConsoleOptions& options);

}  // namespace comity::console
