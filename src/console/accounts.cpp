// Console accounts: PBKDF2 password hashes, users and browser sessions.
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <sqlite3.h>

#include <chrono>
#include <ctime>
#include <stdexcept>

#include "comity/console.h"
#include "comity/sha256.h"
#include "comity/store.h"
#include "comity/time.h"
#include "store/api_key_secret.h"
#include "store/sqlite_connection.h"

namespace comity::console {
namespace {

using sqlite::Statement;

constexpr std::size_t kSaltBytes = 16;
constexpr std::size_t kHashBytes = 32;
constexpr std::size_t kMinPasswordLength = 8;

std::optional<std::string> from_hex(const std::string& hex) {
  if (hex.size() % 2 != 0) return std::nullopt;
  std::string out;
  for (std::size_t i = 0; i < hex.size(); i += 2) {
    int value = 0;
    for (int k = 0; k < 2; ++k) {
      const char c = hex[i + k];
      int digit;
      if (c >= '0' && c <= '9') {
        digit = c - '0';
      } else if (c >= 'a' && c <= 'f') {
        digit = c - 'a' + 10;
      } else {
        return std::nullopt;
      }
      value = value * 16 + digit;
    }
    out.push_back(static_cast<char>(value));
  }
  return out;
}

std::string random_bytes(std::size_t size) {
  std::string buffer(size, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(buffer.data()), static_cast<int>(size)) != 1) {
    throw std::runtime_error("the system random generator failed");
  }
  return buffer;
}

std::string pbkdf2(const std::string& password, const std::string& salt, int iterations) {
  unsigned char out[kHashBytes];
  if (PKCS5_PBKDF2_HMAC(password.data(), static_cast<int>(password.size()),
                        reinterpret_cast<const unsigned char*>(salt.data()),
                        static_cast<int>(salt.size()), iterations, EVP_sha256(), sizeof out,
                        out) != 1) {
    throw std::runtime_error("PBKDF2 failed");
  }
  return std::string(reinterpret_cast<const char*>(out), sizeof out);
}

User read_user(Statement& row) {
  User user;
  user.id = row.column_int(0);
  user.name = row.column_text(1);
  user.role = parse_role(row.column_text(2));
  user.created_at = row.column_text(3);
  user.disabled = !row.column_is_null(4);
  return user;
}

constexpr const char* kUserColumns = "id, name, role, created_at, disabled_at";

}  // namespace

const char* role_name(Role role) { return role == Role::admin ? "admin" : "moderator"; }

Role parse_role(const std::string& name) {
  if (name == "admin") return Role::admin;
  if (name == "moderator") return Role::moderator;
  throw std::invalid_argument("role must be admin or moderator, not '" + name + "'");
}

std::string hash_password(const std::string& password, int iterations) {
  const std::string salt = random_bytes(kSaltBytes);
  return "pbkdf2_sha256$" + std::to_string(iterations) + "$" + to_hex(salt) + "$" +
         to_hex(pbkdf2(password, salt, iterations));
}

bool verify_password(const std::string& password, const std::string& encoded) {
  const auto first = encoded.find('$');
  const auto second = encoded.find('$', first + 1);
  const auto third = encoded.find('$', second + 1);
  if (first == std::string::npos || second == std::string::npos || third == std::string::npos ||
      encoded.substr(0, first) != "pbkdf2_sha256") {
    return false;
  }
  int iterations = 0;
  try {
    iterations = std::stoi(encoded.substr(first + 1, second - first - 1));
  } catch (const std::exception&) {
    return false;
  }
  const auto salt = from_hex(encoded.substr(second + 1, third - second - 1));
  const auto expected = from_hex(encoded.substr(third + 1));
  if (iterations <= 0 || !salt || !expected || expected->size() != kHashBytes) return false;
  const std::string actual = pbkdf2(password, *salt, iterations);
  return CRYPTO_memcmp(actual.data(), expected->data(), kHashBytes) == 0;
}

Accounts::Accounts(const std::string& data_dir)
    : connection_(sqlite::open_store_connection(data_dir)) {}

Accounts::~Accounts() = default;

User Accounts::create_user(const std::string& name, Role role, const std::string& password) {
  if (name.empty() || name.size() > 64) {
    throw std::invalid_argument("a user name takes 1 to 64 characters");
  }
  if (password.size() < kMinPasswordLength) {
    throw std::invalid_argument("a password takes at least " + std::to_string(kMinPasswordLength) +
                                " characters");
  }
  const std::string hash = hash_password(password);
  std::lock_guard lock(mutex_);
  Statement exists(*connection_, "SELECT 1 FROM users WHERE name = ?1");
  exists.bind(1, std::string_view(name));
  if (exists.step()) throw std::invalid_argument("user '" + name + "' already exists");
  exists.reset();
  User user{0, name, role, utc_now_rfc3339(), false};
  Statement insert(*connection_,
                   "INSERT INTO users(name, role, password_hash, created_at) VALUES (?1,?2,?3,?4)");
  insert.bind(1, std::string_view(name));
  insert.bind(2, std::string_view(role_name(role)));
  insert.bind(3, std::string_view(hash));
  insert.bind(4, std::string_view(user.created_at));
  insert.run();
  user.id = sqlite3_last_insert_rowid(connection_->get());
  return user;
}

std::vector<User> Accounts::list_users() {
  std::lock_guard lock(mutex_);
  Statement rows(*connection_, std::string("SELECT ") + kUserColumns + " FROM users ORDER BY id");
  std::vector<User> users;
  while (rows.step()) users.push_back(read_user(rows));
  return users;
}

std::optional<User> Accounts::check_password(const std::string& name, const std::string& password) {
  std::optional<User> user;
  std::string encoded;
  {
    std::lock_guard lock(mutex_);
    Statement row(*connection_, std::string("SELECT ") + kUserColumns +
                                    ", password_hash FROM users WHERE name = ?1");
    row.bind(1, std::string_view(name));
    if (row.step()) {
      user = read_user(row);
      encoded = row.column_text(5);
    }
  }
  // An unknown name costs a full hash too, so timing does not reveal which names exist.
  static const std::string kDecoy = hash_password("decoy password");
  const bool ok = verify_password(password, user ? encoded : kDecoy);
  if (!user || !ok || user->disabled) return std::nullopt;
  return user;
}

SessionGrant Accounts::open_session(const User& user, std::chrono::seconds lifetime) {
  SessionGrant grant{random_hex(32), random_hex(32), user};
  std::lock_guard lock(mutex_);
  Statement purge(*connection_, "DELETE FROM console_sessions WHERE expires_at <= ?1");
  purge.bind(1, unix_now());
  purge.run();
  Statement insert(*connection_,
                   "INSERT INTO console_sessions(token_hash, user_id, csrf_token, expires_at) "
                   "VALUES (?1, ?2, ?3, ?4)");
  insert.bind(1, std::string_view(sha256_hex(grant.token)));
  insert.bind(2, user.id);
  insert.bind(3, std::string_view(grant.csrf_token));
  insert.bind(4, unix_now() + static_cast<std::int64_t>(lifetime.count()));
  insert.run();
  return grant;
}

std::optional<Session> Accounts::find_session(const std::string& token) {
  if (token.empty()) return std::nullopt;
  std::lock_guard lock(mutex_);
  Statement row(*connection_,
                "SELECT u.id, u.name, u.role, u.created_at, u.disabled_at, s.csrf_token "
                "FROM console_sessions s JOIN users u ON u.id = s.user_id "
                "WHERE s.token_hash = ?1 AND s.expires_at > ?2 AND u.disabled_at IS NULL");
  row.bind(1, std::string_view(sha256_hex(token)));
  row.bind(2, unix_now());
  if (!row.step()) return std::nullopt;
  Session session{read_user(row), row.column_text(5)};
  return session;
}

// One account change: the user's row updated by `update` (bound ?1 = user id),
// optionally their sessions ended, and an audit row, all in one transaction.
std::int64_t Accounts::change_account(const std::string& name, const std::string& action,
                                      const std::string& update_sql,
                                      const std::optional<std::string>& value, bool end_sessions,
                                      const std::string& actor) {
  std::lock_guard lock(mutex_);
  connection_->exec("BEGIN IMMEDIATE");
  try {
    Statement find(*connection_, "SELECT id FROM users WHERE name = ?1");
    find.bind(1, std::string_view(name));
    if (!find.step()) throw std::invalid_argument("no user '" + name + "'");
    const std::int64_t id = find.column_int(0);
    if (!update_sql.empty()) {
      Statement update(*connection_, update_sql);
      update.bind(1, id);
      update.bind(2, value);
      update.run();
    }
    std::int64_t ended = 0;
    if (end_sessions) {
      Statement erase(*connection_, "DELETE FROM console_sessions WHERE user_id = ?1");
      erase.bind(1, id);
      erase.run();
      ended = sqlite3_changes(connection_->get());
    }
    Statement audit(*connection_,
                    "INSERT INTO audit_log(created_at, community, actor, action, subject, detail) "
                    "VALUES (?1, '', ?2, ?3, ?4, json_object('sessions_ended', ?5))");
    audit.bind(1, std::string_view(utc_now_rfc3339()));
    audit.bind(2, std::string_view(actor));
    audit.bind(3, std::string_view("user." + action));
    audit.bind(4, std::string_view(name));
    audit.bind(5, ended);
    audit.run();
    connection_->exec("COMMIT");
    return ended;
  } catch (...) {
    connection_->exec("ROLLBACK");
    throw;
  }
}

void Accounts::set_disabled(const std::string& name, bool disabled, const std::string& actor) {
  change_account(
      name, disabled ? "disable" : "enable", "UPDATE users SET disabled_at = ?2 WHERE id = ?1",
      disabled ? std::optional<std::string>(utc_now_rfc3339()) : std::nullopt, disabled, actor);
}

void Accounts::reset_password(const std::string& name, const std::string& password,
                              const std::string& actor) {
  if (password.size() < kMinPasswordLength) {
    throw std::invalid_argument("a password takes at least " + std::to_string(kMinPasswordLength) +
                                " characters");
  }
  change_account(name, "reset_password", "UPDATE users SET password_hash = ?2 WHERE id = ?1",
                 hash_password(password), true, actor);
}

std::int64_t Accounts::end_sessions(const std::string& name, const std::string& actor) {
  return change_account(name, "end_sessions", "", std::nullopt, true, actor);
}

void Accounts::close_session(const std::string& token) {
  std::lock_guard lock(mutex_);
  Statement erase(*connection_, "DELETE FROM console_sessions WHERE token_hash = ?1");
  erase.bind(1, std::string_view(sha256_hex(token)));
  erase.run();
}

}  // namespace comity::console
