#include "store/migrations.h"

#include <string>

namespace comity::sqlite {
namespace {

// Version 1 is what `comity serve` needs; later steps add the console's accounts
// and the moderation tables.
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
    {3, "moderation: communities, threads, comments, scores, decisions, audit log, policies",
     R"sql(
CREATE TABLE communities (
  id         TEXT PRIMARY KEY,
  created_at TEXT NOT NULL
);
CREATE TABLE threads (
  id         TEXT PRIMARY KEY,
  community  TEXT NOT NULL REFERENCES communities(id),
  url        TEXT NOT NULL DEFAULT '',
  title      TEXT NOT NULL DEFAULT '',
  body       TEXT NOT NULL DEFAULT '',
  created_at TEXT NOT NULL
);
CREATE INDEX threads_by_community ON threads(community, created_at);
CREATE TABLE comments (
  id           TEXT PRIMARY KEY,
  community    TEXT NOT NULL REFERENCES communities(id),
  thread       TEXT NOT NULL REFERENCES threads(id),
  parent       TEXT,  -- another comment's id; not a foreign key, replies may arrive first
  author       TEXT NOT NULL DEFAULT '',
  created_at   TEXT NOT NULL,     -- RFC 3339 UTC
  created_unix INTEGER NOT NULL,  -- the same instant, for windows and days
  text         TEXT,              -- NULL when the client asked doNotStore
  status       TEXT NOT NULL DEFAULT 'pending'
               CHECK (status IN ('approved', 'held', 'rejected', 'nudged', 'pending')),
  risk         REAL NOT NULL DEFAULT 0  -- highest attribute score, orders the queue
);
CREATE INDEX comments_by_thread ON comments(thread, created_unix);
CREATE INDEX comments_by_community ON comments(community, created_unix);
CREATE INDEX comments_by_author ON comments(community, author, created_unix);
CREATE INDEX comments_queue ON comments(community, status, risk DESC);
CREATE TABLE scores (
  comment           TEXT PRIMARY KEY REFERENCES comments(id) ON DELETE CASCADE,
  model_version     TEXT NOT NULL,
  toxicity          REAL NOT NULL,
  severe_toxicity   REAL NOT NULL,
  identity_attack   REAL NOT NULL,
  insult            REAL NOT NULL,
  profanity         REAL NOT NULL,
  threat            REAL NOT NULL,
  sexually_explicit REAL NOT NULL,
  flirtation        REAL NOT NULL,
  highlights        TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(highlights))
);
CREATE TABLE decisions (
  id             INTEGER PRIMARY KEY AUTOINCREMENT,
  comment        TEXT NOT NULL REFERENCES comments(id) ON DELETE CASCADE,
  action         TEXT NOT NULL,
  actor          TEXT NOT NULL,  -- "policy" or the moderator
  reason         TEXT NOT NULL DEFAULT '',
  reasons        TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(reasons)),  -- [{rule, detail}]
  policy_version INTEGER,
  created_at     TEXT NOT NULL
);
CREATE INDEX decisions_by_comment ON decisions(comment, id);
CREATE TABLE audit_log (
  id         INTEGER PRIMARY KEY AUTOINCREMENT,
  created_at TEXT NOT NULL,
  community  TEXT NOT NULL DEFAULT '',
  actor      TEXT NOT NULL,
  action     TEXT NOT NULL,
  subject    TEXT NOT NULL DEFAULT '',
  detail     TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(detail))
);
CREATE INDEX audit_log_by_community ON audit_log(community, id);
-- The audit log is evidence: rows are only ever added.
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TABLE policies (
  community  TEXT NOT NULL,
  version    INTEGER NOT NULL,
  toml       TEXT NOT NULL,
  created_at TEXT NOT NULL,
  active     INTEGER NOT NULL DEFAULT 0 CHECK (active IN (0, 1)),
  PRIMARY KEY (community, version)
);
CREATE UNIQUE INDEX policies_one_active ON policies(community) WHERE active = 1;
)sql"},
    // Keys made before scopes had every right: they keep it, so an upgrade breaks
    // no integration. New keys get the scope they are created with.
    {4, "api key scopes", R"sql(
ALTER TABLE api_keys ADD COLUMN scope TEXT NOT NULL DEFAULT 'admin'
  CHECK (scope IN ('score', 'moderation', 'admin'));
)sql"},
    {5, "console accounts can be disabled", R"sql(
ALTER TABLE users ADD COLUMN disabled_at TEXT;
)sql"},
    // Webhooks read the decisions table as their outbox: a decision and its event
    // are one row, written in the decision's own transaction, so no event is lost
    // and none is sent for a decision that rolled back. `cursor` is the last
    // decision id a webhook is done with (delivered, or given up after retries).
    {6, "webhooks and their delivery log", R"sql(
CREATE TABLE webhooks (
  id                INTEGER PRIMARY KEY AUTOINCREMENT,
  url               TEXT NOT NULL,
  secret            TEXT NOT NULL,
  community         TEXT NOT NULL DEFAULT '',  -- '' = every community
  created_at        TEXT NOT NULL,
  disabled_at       TEXT,
  cursor            INTEGER NOT NULL DEFAULT 0,
  failures          INTEGER NOT NULL DEFAULT 0,  -- failed attempts at the event after cursor
  next_attempt_unix INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE webhook_deliveries (
  id          INTEGER PRIMARY KEY AUTOINCREMENT,
  webhook_id  INTEGER NOT NULL REFERENCES webhooks(id) ON DELETE CASCADE,
  decision_id INTEGER NOT NULL,
  attempt     INTEGER NOT NULL,
  http_status INTEGER,          -- NULL when no answer came
  error       TEXT NOT NULL DEFAULT '',
  delivered   INTEGER NOT NULL CHECK (delivered IN (0, 1)),
  created_at  TEXT NOT NULL
);
CREATE INDEX webhook_deliveries_by_webhook ON webhook_deliveries(webhook_id, id);
)sql"},
    {7, "authors trusted, suspended or banned per community", R"sql(
CREATE TABLE author_standing (
  community  TEXT NOT NULL,
  author     TEXT NOT NULL,
  standing   TEXT NOT NULL CHECK (standing IN ('trusted', 'suspended', 'banned')),
  until_unix INTEGER,  -- NULL: until changed
  reason     TEXT NOT NULL DEFAULT '',
  actor      TEXT NOT NULL,
  created_at TEXT NOT NULL,
  PRIMARY KEY (community, author)
);
)sql"},
    // Readers' reports (flags). A moderator's decision on the comment resolves its
    // open reports; a reader reports a comment once.
    {8, "readers' reports", R"sql(
CREATE TABLE reports (
  id          INTEGER PRIMARY KEY AUTOINCREMENT,
  comment     TEXT NOT NULL REFERENCES comments(id),
  community   TEXT NOT NULL,
  reporter    TEXT NOT NULL,
  reason      TEXT NOT NULL,
  detail      TEXT NOT NULL DEFAULT '',
  created_at  TEXT NOT NULL,
  resolved_by INTEGER  -- the decision that resolved it; NULL while open
);
CREATE UNIQUE INDEX reports_once_per_reader ON reports(comment, reporter) WHERE reporter != '';
CREATE INDEX reports_open ON reports(community, resolved_by, comment);
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
