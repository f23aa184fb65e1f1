#include "comity/store.h"

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <regex>
#include <set>
#include <sstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "comity/feedback_export.h"
#include "store/api_key_secret.h"
#include "store/migrations.h"
#include "store/sqlite_connection.h"

namespace comity {
namespace {

namespace fs = std::filesystem;

class TempDir {
 public:
  TempDir() {
    std::string pattern = (fs::temp_directory_path() / "comity-store-XXXXXX").string();
    if (!mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp failed");
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ignored;
    fs::remove_all(path_, ignored);
  }
  const fs::path& path() const { return path_; }
  std::string str() const { return path_.string(); }

 private:
  fs::path path_;
};

std::string read_bytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// Everything SQLite has written: the main file plus the write-ahead log.
std::string database_bytes(const TempDir& dir) {
  return read_bytes(dir.path() / "comity.db") + read_bytes(dir.path() / "comity.db-wal");
}

// A second, raw connection for inspecting or tampering with the file.
std::int64_t raw_query_int(const TempDir& dir, const std::string& sql) {
  sqlite::Connection connection((dir.path() / "comity.db").string());
  return connection.query_int(sql);
}

FeedbackRecord make_feedback(std::string source, std::optional<std::string> text) {
  FeedbackRecord record;
  record.source = std::move(source);
  record.community_id = "community-1";
  record.client_token = "token-1";
  record.session_id = "session-1";
  record.text = std::move(text);
  record.language = "en";
  record.attribute_values = {{"TOXICITY", 1.0}, {"INSULT", 0.25}};
  return record;
}

TEST(SqliteStore, MigratesAFreshDirectory) {
  TempDir dir;
  const std::string data_dir = (dir.path() / "nested" / "data").string();
  auto store = open_sqlite_store(data_dir);
  EXPECT_EQ(store->schema_version(), sqlite::latest_schema_version());
  EXPECT_TRUE(fs::exists(fs::path(data_dir) / "comity.db"));

  sqlite::Connection raw((fs::path(data_dir) / "comity.db").string());
  EXPECT_EQ(raw.query_text("PRAGMA journal_mode"), "wal");
  EXPECT_EQ(raw.query_int("SELECT count(*) FROM schema_migrations"),
            sqlite::latest_schema_version());
  EXPECT_EQ(raw.query_int("SELECT max(version) FROM schema_migrations"),
            sqlite::latest_schema_version());
  EXPECT_EQ(raw.query_int("SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name IN "
                          "('feedback', 'api_keys')"),
            2);
}

TEST(SqliteStore, ReopeningIsIdempotent) {
  TempDir dir;
  {
    auto store = open_sqlite_store(dir.str());
    store->add_feedback(make_feedback("suggestscore", "kept across reopen"));
    store->create_api_key("ci", 10, ApiKeyScope::kScore);
  }
  const auto migrations_before = raw_query_int(dir, "SELECT count(*) FROM schema_migrations");
  for (int i = 0; i < 2; ++i) {
    auto store = open_sqlite_store(dir.str());
    EXPECT_EQ(store->schema_version(), sqlite::latest_schema_version());
    EXPECT_EQ(store->count_feedback(), 1);
    EXPECT_EQ(store->list_api_keys().size(), 1u);
  }
  EXPECT_EQ(raw_query_int(dir, "SELECT count(*) FROM schema_migrations"), migrations_before);
}

TEST(SqliteStore, RefusesADatabaseFromANewerBuild) {
  TempDir dir;
  open_sqlite_store(dir.str());
  const int newer = sqlite::latest_schema_version() + 1;
  {
    sqlite::Connection raw((dir.path() / "comity.db").string());
    raw.exec("PRAGMA user_version = " + std::to_string(newer));
  }
  try {
    open_sqlite_store(dir.str());
    FAIL() << "opening a newer schema must throw";
  } catch (const StoreError& e) {
    EXPECT_EQ(std::string(e.what()), "database schema version " + std::to_string(newer) +
                                         " is newer than this build supports (" +
                                         std::to_string(sqlite::latest_schema_version()) + ")");
  }
}

TEST(SqliteStore, RefusesAFileThatIsNotADatabase) {
  TempDir dir;
  std::ofstream(dir.path() / "comity.db") << "this is not an SQLite database, just text padding "
                                             "it out beyond the 100-byte header size......";
  EXPECT_THROW(open_sqlite_store(dir.str()), StoreError);
}

TEST(Migrations, AFailedStepRollsBackAndALaterBuildCanExtend) {
  TempDir dir;
  sqlite::Connection connection((dir.path() / "comity.db").string());
  const sqlite::Migration first[] = {{1, "one", "CREATE TABLE one (x INTEGER);"}};
  sqlite::apply_migrations(connection, first);
  EXPECT_EQ(connection.query_int("PRAGMA user_version"), 1);

  const sqlite::Migration broken[] = {
      first[0], {2, "two", "CREATE TABLE two (x INTEGER); INSERT INTO missing VALUES (1);"}};
  EXPECT_THROW(sqlite::apply_migrations(connection, broken), StoreError);
  EXPECT_EQ(connection.query_int("PRAGMA user_version"), 1);
  EXPECT_EQ(connection.query_int("SELECT count(*) FROM sqlite_schema WHERE name = 'two'"), 0);
  EXPECT_EQ(connection.query_int("SELECT count(*) FROM schema_migrations"), 1);

  const sqlite::Migration fixed[] = {
      first[0], {2, "two", "CREATE TABLE two (x INTEGER)"}, {3, "three", "CREATE TABLE three (y)"}};
  sqlite::apply_migrations(connection, fixed);
  EXPECT_EQ(connection.query_int("PRAGMA user_version"), 3);
  EXPECT_EQ(connection.query_int("SELECT count(*) FROM schema_migrations"), 3);
  EXPECT_EQ(connection.query_int("SELECT count(*) FROM sqlite_schema WHERE name IN ('two', "
                                 "'three')"),
            2);
}

TEST(Migrations, StepsAreNumberedWithoutGaps) {
  int expected = 1;
  for (const auto& step : sqlite::store_migrations()) EXPECT_EQ(step.version, expected++);
}

TEST(SqliteStore, FeedbackRoundTripsInInsertionOrder) {
  TempDir dir;
  auto store = open_sqlite_store(dir.str());
  std::vector<FeedbackRecord> added;
  added.push_back(make_feedback("suggestscore", "first comment"));
  added.push_back(make_feedback("moderation", std::nullopt));
  added.push_back(make_feedback("suggestscore", "third, with ünïcode and \"quotes\""));
  added[1].attribute_values = {};
  added[2].created_at = "2026-01-02T03:04:05.678Z";
  added[2].community_id = "other";

  std::vector<std::int64_t> ids;
  for (const auto& record : added) ids.push_back(store->add_feedback(record));
  EXPECT_LT(ids[0], ids[1]);
  EXPECT_LT(ids[1], ids[2]);
  EXPECT_EQ(store->count_feedback(), 3);

  std::vector<FeedbackRecord> seen;
  store->for_each_feedback([&](const FeedbackRecord& r) { seen.push_back(r); });
  ASSERT_EQ(seen.size(), 3u);
  const std::regex rfc3339(R"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z)");
  for (std::size_t i = 0; i < seen.size(); ++i) {
    SCOPED_TRACE(i);
    EXPECT_EQ(seen[i].id, ids[i]);
    EXPECT_EQ(seen[i].source, added[i].source);
    EXPECT_EQ(seen[i].community_id, added[i].community_id);
    EXPECT_EQ(seen[i].client_token, added[i].client_token);
    EXPECT_EQ(seen[i].session_id, added[i].session_id);
    EXPECT_EQ(seen[i].text, added[i].text);
    EXPECT_EQ(seen[i].language, added[i].language);
    EXPECT_EQ(seen[i].attribute_values, added[i].attribute_values);
    EXPECT_TRUE(std::regex_match(seen[i].created_at, rfc3339)) << seen[i].created_at;
  }
  EXPECT_EQ(seen[2].created_at, "2026-01-02T03:04:05.678Z");
}

TEST(SqliteStore, ForEachFeedbackCrossesPagesAndMayCallBackIntoTheStore) {
  TempDir dir;
  auto store = open_sqlite_store(dir.str());
  constexpr int kRows = 1000;  // several internal pages
  for (int i = 0; i < kRows; ++i) {
    store->add_feedback(make_feedback("suggestscore", "row " + std::to_string(i)));
  }
  int next = 0;
  store->for_each_feedback([&](const FeedbackRecord& r) {
    EXPECT_EQ(r.text, "row " + std::to_string(next));
    ++next;
    if (next % 300 == 0) {
      EXPECT_EQ(store->count_feedback(), kRows);  // no self-deadlock
    }
  });
  EXPECT_EQ(next, kRows);
}

TEST(SqliteStore, DoNotStoreLeavesNoTraceOfTheText) {
  TempDir dir;
  const std::string withheld = "WITHHELD-MARKER-7f3a9c51e2";
  const std::string stored = "STORED-MARKER-b81d04e6aa";
  auto store = open_sqlite_store(dir.str());
  // What the server records when a request says doNotStore: everything but the text.
  FeedbackRecord private_record = make_feedback("suggestscore", std::nullopt);
  store->add_feedback(private_record);
  store->add_feedback(make_feedback("suggestscore", stored));

  const std::string bytes = database_bytes(dir);
  // The stored marker proves the scan can see row contents at all.
  EXPECT_NE(bytes.find(stored), std::string::npos);
  EXPECT_EQ(bytes.find(withheld), std::string::npos);

  int without_text = 0;
  store->for_each_feedback([&](const FeedbackRecord& r) { without_text += !r.text; });
  EXPECT_EQ(without_text, 1);
  EXPECT_EQ(raw_query_int(dir, "SELECT count(*) FROM feedback WHERE text IS NULL"), 1);
}

TEST(SqliteStore, ConcurrentWritersLoseNothing) {
  TempDir dir;
  auto store = open_sqlite_store(dir.str());
  constexpr int kThreads = 8;
  constexpr int kRowsPerThread = 200;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kRowsPerThread; ++i) {
        auto record = make_feedback("suggestscore", std::to_string(t) + ":" + std::to_string(i));
        store->add_feedback(record);
      }
    });
  }
  for (auto& thread : threads) thread.join();

  EXPECT_EQ(store->count_feedback(), kThreads * kRowsPerThread);
  std::set<std::string> texts;
  std::vector<int> next_per_thread(kThreads, 0);
  store->for_each_feedback([&](const FeedbackRecord& r) {
    texts.insert(*r.text);
    // Each thread's own rows must come back in the order it wrote them.
    const auto colon = r.text->find(':');
    const int t = std::stoi(r.text->substr(0, colon));
    EXPECT_EQ(std::stoi(r.text->substr(colon + 1)), next_per_thread[t]++);
  });
  EXPECT_EQ(texts.size(), static_cast<std::size_t>(kThreads * kRowsPerThread));
}

TEST(ApiKeySecret, HasTheDocumentedShapeAndIsRandom) {
  const std::regex shape("cmt_[0-9A-Za-z]{32}");
  std::set<std::string> seen;
  for (int i = 0; i < 50; ++i) {
    const std::string secret = generate_api_key_secret();
    EXPECT_TRUE(std::regex_match(secret, shape)) << secret;
    seen.insert(secret);
  }
  EXPECT_EQ(seen.size(), 50u);
}

TEST(ApiKeySecret, Sha256MatchesTheStandardVectors) {
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(SqliteStore, ApiKeysCreateFindListRevoke) {
  TempDir dir;
  auto store = open_sqlite_store(dir.str());
  const CreatedApiKey ci = store->create_api_key("ci", 60, ApiKeyScope::kScore);
  const CreatedApiKey web = store->create_api_key("web", 0, ApiKeyScope::kScore);
  EXPECT_EQ(ci.record.prefix, ci.secret.substr(0, 8));
  EXPECT_EQ(ci.record.name, "ci");
  EXPECT_EQ(ci.record.requests_per_minute, 60);
  EXPECT_FALSE(ci.record.revoked);
  EXPECT_NE(ci.record.id, web.record.id);

  const auto found = store->find_api_key(ci.secret);
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->id, ci.record.id);
  EXPECT_EQ(found->name, "ci");
  EXPECT_EQ(found->prefix, ci.record.prefix);
  EXPECT_EQ(found->requests_per_minute, 60);
  EXPECT_EQ(found->created_at, ci.record.created_at);
  EXPECT_FALSE(store->find_api_key("cmt_notarealkeynotarealkeynotarealk").has_value());
  EXPECT_FALSE(store->find_api_key(ci.record.prefix).has_value());

  // Only the hash reaches the disk.
  const std::string bytes = database_bytes(dir);
  EXPECT_EQ(bytes.find(ci.secret), std::string::npos);
  EXPECT_EQ(bytes.find(web.secret), std::string::npos);
  EXPECT_NE(bytes.find(sha256_hex(ci.secret)), std::string::npos);

  EXPECT_TRUE(store->revoke_api_key(std::to_string(ci.record.id)));
  EXPECT_FALSE(store->find_api_key(ci.secret).has_value());
  EXPECT_FALSE(store->revoke_api_key(std::to_string(ci.record.id)));  // already revoked
  EXPECT_TRUE(store->find_api_key(web.secret).has_value());

  EXPECT_TRUE(store->revoke_api_key(web.record.prefix));
  EXPECT_FALSE(store->find_api_key(web.secret).has_value());
  EXPECT_FALSE(store->revoke_api_key("cmt_none"));
  EXPECT_FALSE(store->revoke_api_key("999999"));
  EXPECT_FALSE(store->revoke_api_key("99999999999999999999999"));

  const auto keys = store->list_api_keys();
  ASSERT_EQ(keys.size(), 2u);
  EXPECT_EQ(keys[0].name, "ci");
  EXPECT_EQ(keys[1].name, "web");
  EXPECT_TRUE(keys[0].revoked);
  EXPECT_TRUE(keys[1].revoked);
}

TEST(SqliteStore, AmbiguousPrefixRevokesNothing) {
  TempDir dir;
  auto store = open_sqlite_store(dir.str());
  const auto a = store->create_api_key("a", 0, ApiKeyScope::kScore);
  const auto b = store->create_api_key("b", 0, ApiKeyScope::kScore);
  {
    // Force a prefix collision, which real keys hit about once in 15 million pairs.
    sqlite::Connection raw((dir.path() / "comity.db").string());
    raw.exec("UPDATE api_keys SET prefix = 'cmt_same'");
  }
  EXPECT_THROW(store->revoke_api_key("cmt_same"), StoreError);
  EXPECT_TRUE(store->find_api_key(a.secret).has_value());
  EXPECT_TRUE(store->find_api_key(b.secret).has_value());
}

TEST(SqliteStore, RejectsNegativeQuota) {
  TempDir dir;
  auto store = open_sqlite_store(dir.str());
  EXPECT_THROW(store->create_api_key("bad", -1, ApiKeyScope::kScore), StoreError);
  EXPECT_TRUE(store->list_api_keys().empty());
}

TEST(FeedbackExport, WritesOneTrainingRowPerStoredText) {
  TempDir dir;
  auto store = open_sqlite_store(dir.str());
  auto first = make_feedback("suggestscore", "you are lovely");
  first.attribute_values = {{"TOXICITY", 0.0}, {"INSULT", 0.0}};
  first.created_at = "2026-03-01T00:00:00.000Z";
  store->add_feedback(first);
  store->add_feedback(make_feedback("suggestscore", std::nullopt));
  auto third = make_feedback("moderation", "line one\nline \"two\"");
  third.community_id = "forum";
  third.language = "de";
  store->add_feedback(third);

  std::ostringstream out;
  const FeedbackExportCounts counts = export_feedback_jsonl(*store, out);
  EXPECT_EQ(counts.written, 2);
  EXPECT_EQ(counts.skipped_without_text, 1);

  std::istringstream lines(out.str());
  std::vector<nlohmann::json> rows;
  for (std::string line; std::getline(lines, line);) rows.push_back(nlohmann::json::parse(line));
  ASSERT_EQ(rows.size(), 2u);

  EXPECT_EQ(rows[0]["text"], "you are lovely");
  EXPECT_EQ(rows[0]["labels"], (nlohmann::json{{"INSULT", 0.0}, {"TOXICITY", 0.0}}));
  EXPECT_EQ(rows[0]["community_id"], "community-1");
  EXPECT_EQ(rows[0]["client_token"], "token-1");
  EXPECT_EQ(rows[0]["source"], "suggestscore");
  EXPECT_EQ(rows[0]["created_at"], "2026-03-01T00:00:00.000Z");
  EXPECT_EQ(rows[0]["language"], "en");

  EXPECT_EQ(rows[1]["text"], "line one\nline \"two\"");
  EXPECT_DOUBLE_EQ(rows[1]["labels"]["TOXICITY"].get<double>(), 1.0);
  EXPECT_DOUBLE_EQ(rows[1]["labels"]["INSULT"].get<double>(), 0.25);
  EXPECT_EQ(rows[1]["community_id"], "forum");
  EXPECT_EQ(rows[1]["source"], "moderation");
  EXPECT_EQ(rows[1]["language"], "de");
  // The export is a training set, not an audit trail: no session ids.
  EXPECT_FALSE(rows[1].contains("session_id"));
}

TEST(FeedbackExport, EmptyStoreWritesNothing) {
  TempDir dir;
  auto store = open_sqlite_store(dir.str());
  std::ostringstream out;
  const auto counts = export_feedback_jsonl(*store, out);
  EXPECT_EQ(counts.written, 0);
  EXPECT_EQ(counts.skipped_without_text, 0);
  EXPECT_TRUE(out.str().empty());
}

}  // namespace
}  // namespace comity
