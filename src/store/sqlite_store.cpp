// The SQLite implementation of comity::Store.
//
// One connection per process, guarded by a mutex: SQLite allows a single writer
// anyway, and the server's writes are tiny rows, so a connection pool would only
// add lock contention inside SQLite. Statements are prepared once and reused.
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <mutex>
#include <system_error>

#include <nlohmann/json.hpp>

#include "comity/store.h"
#include "comity/time.h"
#include "store/api_key_secret.h"
#include "store/migrations.h"
#include "store/sqlite_connection.h"

namespace comity {
namespace {

using sqlite::Connection;
using sqlite::Statement;
using sqlite::Use;

std::string attribute_values_to_json(const std::map<std::string, double>& values) {
  nlohmann::json object = nlohmann::json::object();
  for (const auto& [name, value] : values) object[name] = value;
  return object.dump();
}

std::map<std::string, double> attribute_values_from_json(const std::string& text) {
  std::map<std::string, double> values;
  const auto object = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!object.is_object()) return values;
  for (const auto& [name, value] : object.items()) {
    if (value.is_number()) values[name] = value.get<double>();
  }
  return values;
}

bool all_digits(const std::string& s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// The data directory holds client text and key hashes: keep it private to the
// service user when we are the ones creating it.
void create_private_directory(const std::string& data_dir) {
  std::error_code error;
  if (std::filesystem::is_directory(data_dir, error)) return;
  std::filesystem::create_directories(data_dir, error);
  if (error) throw StoreError("cannot create data directory " + data_dir + ": " + error.message());
  ::chmod(data_dir.c_str(), 0700);
}

constexpr const char* kFeedbackColumns =
    "id, created_at, source, community_id, client_token, session_id, text, language, "
    "attribute_values";

constexpr const char* kApiKeyColumns =
    "id, name, prefix, requests_per_minute, created_at, revoked_at IS NOT NULL, scope";

// Rows handed to for_each_feedback per lock acquisition: small enough that an
// export never stalls the server's inserts for long.
constexpr std::int64_t kFeedbackPageSize = 256;

// Below this much free space SQLite's journal and checkpoints may fail mid-write.
constexpr unsigned long long kMinFreeBytes = 1ull << 20;

class SqliteStore final : public Store {
 public:
  SqliteStore(std::string data_dir, std::unique_ptr<Connection> connection)
      : data_dir_(std::move(data_dir)),
        connection_(std::move(connection)),
        insert_feedback_(*connection_,
                         "INSERT INTO feedback(created_at, source, community_id, client_token, "
                         "session_id, text, language, attribute_values) "
                         "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"),
        feedback_page_(*connection_, std::string("SELECT ") + kFeedbackColumns +
                                         " FROM feedback WHERE id > ?1 ORDER BY id LIMIT ?2"),
        count_feedback_(*connection_, "SELECT count(*) FROM feedback"),
        insert_api_key_(*connection_,
                        "INSERT INTO api_keys(name, prefix, key_hash, requests_per_minute, "
                        "created_at, scope) VALUES (?1, ?2, ?3, ?4, ?5, ?6)"),
        find_api_key_(*connection_,
                      std::string("SELECT ") + kApiKeyColumns +
                          " FROM api_keys WHERE key_hash = ?1 AND revoked_at IS NULL"),
        list_api_keys_(*connection_,
                       std::string("SELECT ") + kApiKeyColumns + " FROM api_keys ORDER BY id"),
        revoke_by_id_(*connection_,
                      "UPDATE api_keys SET revoked_at = ?2 WHERE id = ?1 AND revoked_at IS NULL"),
        active_ids_by_prefix_(*connection_,
                              "SELECT id FROM api_keys WHERE prefix = ?1 AND revoked_at IS NULL") {}

  std::optional<std::string> write_problem() override {
    // Free space as an unprivileged writer sees it: root's reserved blocks do not
    // count, the store should not live on them.
    struct statvfs fs {};
    if (::statvfs(data_dir_.c_str(), &fs) != 0) {
      return "cannot inspect the data directory: " + std::string(std::strerror(errno));
    }
    if (fs.f_flag & ST_RDONLY)
      return std::string("the data directory is on a read-only file system");
    const unsigned long long free_bytes =
        static_cast<unsigned long long>(fs.f_bavail) * static_cast<unsigned long long>(fs.f_frsize);
    if (free_bytes < kMinFreeBytes) {
      return "the data directory has " + std::to_string(free_bytes >> 20) + " MiB free";
    }
    // Permissions and quotas show only when a write is tried.
    const std::string probe = (std::filesystem::path(data_dir_) / ".write-probe").string();
    const int fd = ::open(probe.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) return "cannot write in the data directory: " + std::string(std::strerror(errno));
    const bool written = ::write(fd, "ok\n", 3) == 3;
    const int saved = errno;
    ::close(fd);
    ::unlink(probe.c_str());
    if (!written) return "cannot write in the data directory: " + std::string(std::strerror(saved));
    return std::nullopt;
  }

  int schema_version() override {
    std::lock_guard lock(mutex_);
    return static_cast<int>(connection_->query_int("PRAGMA user_version"));
  }

  std::int64_t add_feedback(const FeedbackRecord& record) override {
    const std::string created_at =
        record.created_at.empty() ? utc_now_rfc3339() : record.created_at;
    const std::string attributes = attribute_values_to_json(record.attribute_values);
    std::lock_guard lock(mutex_);
    Use insert(insert_feedback_);
    insert->bind(1, std::string_view(created_at));
    insert->bind(2, std::string_view(record.source));
    insert->bind(3, std::string_view(record.community_id));
    insert->bind(4, std::string_view(record.client_token));
    insert->bind(5, std::string_view(record.session_id));
    insert->bind(6, record.text);  // NULL for doNotStore: the text never reaches SQLite
    insert->bind(7, std::string_view(record.language));
    insert->bind(8, std::string_view(attributes));
    insert->run();
    return sqlite3_last_insert_rowid(connection_->get());
  }

  void for_each_feedback(const std::function<void(const FeedbackRecord&)>& fn) override {
    // Keyset paging: the callback runs without the lock held, so it may be slow
    // or even call back into the store.
    std::int64_t after_id = 0;
    std::vector<FeedbackRecord> page;
    do {
      page.clear();
      {
        std::lock_guard lock(mutex_);
        Use select(feedback_page_);
        select->bind(1, after_id);
        select->bind(2, kFeedbackPageSize);
        while (select->step()) page.push_back(read_feedback(*select));
      }
      for (const FeedbackRecord& record : page) fn(record);
      if (!page.empty()) after_id = page.back().id;
    } while (static_cast<std::int64_t>(page.size()) == kFeedbackPageSize);
  }

  std::int64_t count_feedback() override {
    std::lock_guard lock(mutex_);
    Use count(count_feedback_);
    count->step();
    return count->column_int(0);
  }

  bool remove_latest_feedback(const std::string& source, const std::string& client_token) override {
    std::lock_guard lock(mutex_);
    Statement remove(*connection_,
                     "DELETE FROM feedback WHERE id = (SELECT max(id) FROM feedback"
                     " WHERE source = ?1 AND client_token = ?2)");
    remove.bind(1, std::string_view(source));
    remove.bind(2, std::string_view(client_token));
    remove.run();
    return sqlite3_changes(connection_->get()) > 0;
  }

  CreatedApiKey create_api_key(const std::string& name, int requests_per_minute,
                               ApiKeyScope scope) override {
    if (requests_per_minute < 0) throw StoreError("requests_per_minute must be >= 0");
    CreatedApiKey created;
    created.secret = generate_api_key_secret();
    created.record.name = name;
    created.record.prefix = created.secret.substr(0, kApiKeyShownPrefixChars);
    created.record.requests_per_minute = requests_per_minute;
    created.record.scope = scope;
    created.record.created_at = utc_now_rfc3339();
    const std::string hash = sha256_hex(created.secret);

    std::lock_guard lock(mutex_);
    Use insert(insert_api_key_);
    insert->bind(1, std::string_view(name));
    insert->bind(2, std::string_view(created.record.prefix));
    insert->bind(3, std::string_view(hash));
    insert->bind(4, std::int64_t{requests_per_minute});
    insert->bind(5, std::string_view(created.record.created_at));
    insert->bind(6, api_key_scope_name(scope));
    insert->run();
    created.record.id = sqlite3_last_insert_rowid(connection_->get());
    return created;
  }

  std::optional<ApiKeyRecord> find_api_key(const std::string& secret) override {
    const std::string hash = sha256_hex(secret);
    std::lock_guard lock(mutex_);
    Use find(find_api_key_);
    find->bind(1, std::string_view(hash));
    if (!find->step()) return std::nullopt;
    return read_api_key(*find);
  }

  std::vector<ApiKeyRecord> list_api_keys() override {
    std::vector<ApiKeyRecord> keys;
    std::lock_guard lock(mutex_);
    Use list(list_api_keys_);
    while (list->step()) keys.push_back(read_api_key(*list));
    return keys;
  }

  bool revoke_api_key(const std::string& id_or_prefix) override {
    const std::string now = utc_now_rfc3339();
    std::lock_guard lock(mutex_);
    std::int64_t id = 0;
    if (all_digits(id_or_prefix)) {
      try {
        id = std::stoll(id_or_prefix);
      } catch (const std::out_of_range&) {
        return false;
      }
    } else {
      // A prefix carries only a few random characters, so two keys can share one;
      // revoking both by accident would lock out an innocent client.
      std::vector<std::int64_t> matches;
      {
        Use by_prefix(active_ids_by_prefix_);
        by_prefix->bind(1, std::string_view(id_or_prefix));
        while (by_prefix->step()) matches.push_back(by_prefix->column_int(0));
      }
      if (matches.empty()) return false;
      if (matches.size() > 1) {
        throw StoreError("API key prefix " + id_or_prefix + " matches " +
                         std::to_string(matches.size()) + " keys; revoke by id instead");
      }
      id = matches.front();
    }
    Use revoke(revoke_by_id_);
    revoke->bind(1, id);
    revoke->bind(2, std::string_view(now));
    revoke->run();
    return sqlite3_changes(connection_->get()) > 0;
  }

 private:
  static FeedbackRecord read_feedback(Statement& row) {
    FeedbackRecord record;
    record.id = row.column_int(0);
    record.created_at = row.column_text(1);
    record.source = row.column_text(2);
    record.community_id = row.column_text(3);
    record.client_token = row.column_text(4);
    record.session_id = row.column_text(5);
    record.text = row.column_optional_text(6);
    record.language = row.column_text(7);
    record.attribute_values = attribute_values_from_json(row.column_text(8));
    return record;
  }

  static ApiKeyRecord read_api_key(Statement& row) {
    ApiKeyRecord record;
    record.id = row.column_int(0);
    record.name = row.column_text(1);
    record.prefix = row.column_text(2);
    record.requests_per_minute = static_cast<int>(row.column_int(3));
    record.created_at = row.column_text(4);
    record.revoked = row.column_int(5) != 0;
    // The column's CHECK admits only the three names.
    record.scope = parse_api_key_scope(row.column_text(6)).value_or(ApiKeyScope::kScore);
    return record;
  }

  std::mutex mutex_;
  std::string data_dir_;
  std::unique_ptr<Connection> connection_;
  Statement insert_feedback_;
  Statement feedback_page_;
  Statement count_feedback_;
  Statement insert_api_key_;
  Statement find_api_key_;
  Statement list_api_keys_;
  Statement revoke_by_id_;
  Statement active_ids_by_prefix_;
};

// Connection settings are per connection (only journal_mode persists in the file),
// and migrations must run before the store prepares statements naming their tables.
std::unique_ptr<Connection> open_connection(const std::string& path) {
  auto connection = std::make_unique<Connection>(path);
  sqlite3_busy_timeout(connection->get(), 5000);
  const auto mode = connection->query_text("PRAGMA journal_mode = WAL");
  if (mode != "wal") {
    throw StoreError(path + ": cannot enable WAL journal mode (got " + mode.value_or("nothing") +
                     "); is the data directory on a local filesystem?");
  }
  // NORMAL is durable across application crashes in WAL mode; only a power loss
  // can drop the last few commits, which is acceptable for feedback rows.
  connection->exec("PRAGMA synchronous = NORMAL");
  connection->exec("PRAGMA foreign_keys = ON");
  sqlite::apply_migrations(*connection, sqlite::store_migrations());
  return connection;
}

}  // namespace

namespace sqlite {

std::unique_ptr<Connection> open_store_connection(const std::string& data_dir) {
  open_sqlite_store(data_dir);  // creates the directory and applies every migration
  auto connection =
      std::make_unique<Connection>((std::filesystem::path(data_dir) / "comity.db").string());
  sqlite3_busy_timeout(connection->get(), 5000);
  connection->exec("PRAGMA foreign_keys = ON");
  return connection;
}

}  // namespace sqlite

std::unique_ptr<Store> open_sqlite_store(const std::string& data_dir) {
  create_private_directory(data_dir);
  const std::string path = (std::filesystem::path(data_dir) / "comity.db").string();
  return std::make_unique<SqliteStore>(data_dir, open_connection(path));
}

}  // namespace comity
