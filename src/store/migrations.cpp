#include "store/migrations.h"

#include <string>

namespace comity::sqlite {
namespace {

// Version 1 is what `comity serve` needs. The moderation issue's tables
// (communities, threads, comments, scores, decisions, audit log) come as later steps.
constexpr Migration kMigrations[] = {
    {1, "feedback and api keys", R"sql(
CREATE TABLE feedback (
  id               INTEGER PRIMARY KEY AUTOINCREMENT,
  created_at       TEXT NOT NULL,
  source           TEXT NOT NULL,
  community_id     TEXT NOT NULL DEFAULT '',
  client_token     TEXT NOT NULL DEFAULT '',
  session_id       TEXT NOT NULL DEFAULT '',
  text             TEXT,  -- NULL when the client asked doNotStore
  language         TEXT NOT NULL DEFAULT '',
  attribute_values TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(attribute_values))
);
CREATE TABLE api_keys (
  id                  INTEGER PRIMARY KEY AUTOINCREMENT,
  name                TEXT NOT NULL,
  prefix              TEXT NOT NULL,
  key_hash            TEXT NOT NULL UNIQUE,  -- hex SHA-256 of the secret
  requests_per_minute INTEGER NOT NULL DEFAULT 0 CHECK (requests_per_minute >= 0),
  created_at          TEXT NOT NULL,
  revoked_at          TEXT
);
CREATE INDEX api_keys_by_prefix ON api_keys(prefix);
)sql"},
    {2, "console users and sessions", R"sql(
CREATE TABLE users (
  id            INTEGER PRIMARY KEY AUTOINCREMENT,
  name          TEXT NOT NULL UNIQUE,
  role          TEXT NOT NULL CHECK (role IN ('admin', 'moderator')),
  password_hash TEXT NOT NULL,  -- pbkdf2_sha256$iterations$salt$hash
  created_at    TEXT NOT NULL
);
CREATE TABLE console_sessions (
  token_hash TEXT PRIMARY KEY,  -- hex SHA-256 of the cookie value
  user_id    INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  csrf_token TEXT NOT NULL,
  expires_at INTEGER NOT NULL   -- unix seconds
);
CREATE INDEX console_sessions_by_expiry ON console_sessions(expires_at);
)sql"},
};

}  // namespace

std::span<const Migration> store_migrations() { return kMigrations; }

int latest_schema_version() { return store_migrations().back().version; }

void apply_migrations(Connection& connection, std::span<const Migration> steps) {
  const int known = steps.empty() ? 0 : static_cast<int>(steps.back().version);
  // Refuse before touching anything: an older build must not scribble on a newer schema.
  const auto refuse_if_newer = [&] {
    const auto current = connection.query_int("PRAGMA user_version");
    if (current > known) {
      throw StoreError("database schema version " + std::to_string(current) +
                       " is newer than this build supports (" + std::to_string(known) + ")");
    }
    return current;
  };
  if (refuse_if_newer() == known) return;  // the normal case takes no write lock

  connection.exec(
      "CREATE TABLE IF NOT EXISTS schema_migrations ("
      " version INTEGER PRIMARY KEY,"
      " description TEXT NOT NULL,"
      " applied_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')))");

  for (const Migration& step : steps) {
    Transaction transaction(connection);
    // Re-read under the write lock: another process may have migrated meanwhile.
    if (refuse_if_newer() >= step.version) continue;
    try {
      connection.exec(step.sql);
    } catch (const StoreError& e) {
      throw StoreError("schema migration " + std::to_string(step.version) + " (" +
                       step.description + ") failed: " + e.what());
    }
    Statement record(connection,
                     "INSERT INTO schema_migrations(version, description) VALUES (?1, ?2)");
    record.bind(1, std::int64_t{step.version});
    record.bind(2, std::string_view(step.description));
    record.run();
    // PRAGMA takes no bound parameters; the version is our own integer.
    connection.exec("PRAGMA user_version = " + std::to_string(step.version));
    transaction.commit();
  }
}

}  // namespace comity::sqlite
