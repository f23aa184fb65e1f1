// API key scopes over real HTTP: a comment form's `score` key scores and posts
// comments but cannot read the queue, change policies, import, read the audit
// log or reload the model; keys made before scopes keep every right.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "comity/moderation_store.h"
#include "comity/store.h"
#include "server_test_support.h"
#include "store/migrations.h"
#include "store/sqlite_connection.h"

namespace comity::server::testing {
namespace {

using nlohmann::json;

struct ScopedServer : RunningServer {
  ScopedServer() : RunningServer(std::make_shared<FakeAnalyzer>(), 0, {}, {}, true) {}

  int status(const std::string& secret, const std::string& method, const std::string& path,
             const std::string& body = "", const std::string& type = "application/json") {
    const std::string url =
        path + (path.find('?') == std::string::npos ? "?" : "&") + "key=" + secret;
    httplib::Result r = method == "GET"   ? client->Get(url.c_str())
                        : method == "PUT" ? client->Put(url.c_str(), body, type.c_str())
                                          : client->Post(url.c_str(), body, type.c_str());
    EXPECT_TRUE(r) << method << " " << path;
    if (r && r->status == 403) {
      last_error = json::parse(r->body, nullptr, false);
    }
    return r ? r->status : 0;
  }
  json last_error;
};

const std::string kComment = json{{"community", "news"},
                                  {"thread", {{"id", "t1"}}},
                                  {"comment", {{"id", "c1"}, {"author", "ann"}, {"text", "hello"}}}}
                                 .dump();
const std::string kAnalyze =
    R"({"comment": {"text": "hello"}, "requestedAttributes": {"TOXICITY": {}}})";

TEST(ApiKeyScopes, EachScopeReachesItsRoutesAndNoMore) {
  ScopedServer server;
  const std::string score = server.store->create_api_key("form", 0, ApiKeyScope::kScore).secret;
  const std::string mod = server.store->create_api_key("desk", 0, ApiKeyScope::kModeration).secret;
  const std::string admin = server.store->create_api_key("ops", 0, ApiKeyScope::kAdmin).secret;

  // score: what a comment form's backend does.
  EXPECT_EQ(server.status(score, "POST", "/v1alpha1/comments:analyze", kAnalyze), 200);
  EXPECT_EQ(server.status(score, "POST", "/v1/comments", kComment), 200);
  EXPECT_EQ(server.status(score, "GET", "/v1/comments/c1"), 200);
  EXPECT_EQ(server.status(score, "GET", "/v1/models"), 200);
  for (const auto& [method, path] : std::vector<std::pair<std::string, std::string>>{
           {"GET", "/v1/queue?community=news"},
           {"POST", "/v1/queue/decisions"},
           {"GET", "/v1/threads?community=news"},
           {"GET", "/v1/threads/t1/analysis"},
           {"PUT", "/v1/policies/news"},
           {"POST", "/v1/threads:import?community=news&thread=x&dry_run=true"},
           {"GET", "/v1/audit?community=news"},
           {"POST", "/v1/models:reload"}}) {
    EXPECT_EQ(server.status(score, method, path, "{}"), 403) << method << " " << path;
    EXPECT_EQ(server.last_error["error"]["status"], "PERMISSION_DENIED");
    EXPECT_NE(server.last_error["error"]["message"].get<std::string>().find("'score' scope"),
              std::string::npos)
        << server.last_error.dump();
  }

  // moderation: the desk, not the rules.
  EXPECT_EQ(server.status(mod, "GET", "/v1/queue?community=news"), 200);
  EXPECT_EQ(server.status(mod, "GET", "/v1/threads/t1"), 200);
  EXPECT_EQ(server.status(mod, "POST", "/v1/policies/news:dry_run", "default_action = \"hold\"\n",
                          "application/toml"),
            200);
  EXPECT_EQ(server.status(mod, "POST", "/v1/queue/decisions",
                          json{{"comment_id", "c1"}, {"action", "approve"}, {"actor", "m"}}.dump()),
            200);
  EXPECT_EQ(server.status(mod, "PUT", "/v1/policies/news", "default_action = \"hold\"\n",
                          "application/toml"),
            403);
  EXPECT_EQ(server.status(mod, "GET", "/v1/audit?community=news"), 403);
  EXPECT_EQ(server.status(mod, "POST", "/v1/threads:import?community=news&thread=x", "{}"), 403);

  // admin: everything.
  EXPECT_EQ(server.status(admin, "PUT", "/v1/policies/news", "default_action = \"hold\"\n",
                          "application/toml"),
            200);
  EXPECT_EQ(server.status(admin, "GET", "/v1/audit?community=news"), 200);
  EXPECT_EQ(server.moderation->active_policy("news")->version, 1);
}

TEST(ApiKeyScopes, ListingsShowTheScope) {
  TempDir dir;
  auto store = open_sqlite_store(dir.path().string());
  store->create_api_key("form", 0, ApiKeyScope::kScore);
  store->create_api_key("ops", 5, ApiKeyScope::kAdmin);
  const auto keys = store->list_api_keys();
  ASSERT_EQ(keys.size(), 2u);
  EXPECT_EQ(keys[0].scope, ApiKeyScope::kScore);
  EXPECT_EQ(keys[1].scope, ApiKeyScope::kAdmin);
  EXPECT_EQ(parse_api_key_scope("moderation"), ApiKeyScope::kModeration);
  EXPECT_FALSE(parse_api_key_scope("root"));
  EXPECT_EQ(api_key_scope_name(ApiKeyScope::kModeration), "moderation");
}

TEST(ApiKeyScopes, KeysFromBeforeScopesKeepEveryRight) {
  TempDir dir;
  std::string secret;
  {
    // A store as the previous release left it: schema 3, one key.
    sqlite::Connection connection((dir.path() / "comity.db").string());
    const auto all = sqlite::store_migrations();
    sqlite::apply_migrations(connection, all.first(3));
    ASSERT_EQ(connection.query_int("PRAGMA user_version"), 3);
    connection.exec(
        "INSERT INTO api_keys(name, prefix, key_hash, requests_per_minute, created_at) VALUES "
        "('old', 'cmt_old', '" +
        std::string(64, 'a') + "', 0, '2026-01-01T00:00:00Z')");
  }
  auto store = open_sqlite_store(dir.path().string());
  EXPECT_EQ(store->schema_version(), sqlite::latest_schema_version());
  const auto keys = store->list_api_keys();
  ASSERT_EQ(keys.size(), 1u);
  EXPECT_EQ(keys[0].name, "old");
  EXPECT_EQ(keys[0].scope, ApiKeyScope::kAdmin);
}

}  // namespace
}  // namespace comity::server::testing
