// The webhooks over HTTP (admin keys): list, add, remove, the delivery log and
// replays, as `comity webhooks` does them on the command line.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "comity/webhooks.h"
#include "moderation/webhook_dispatcher.h"
#include "server_test_support.h"

namespace comity::server::testing {
namespace {

using nlohmann::json;

struct WebhookServer : RunningServer {
  WebhookServer()
      : RunningServer(std::make_shared<FakeAnalyzer>(), 0, {}, {}, true,
                      [](HttpServer& server, const std::string& data_dir) {
                        register_webhook_routes(server, std::make_shared<WebhookStore>(data_dir));
                      }) {}

  json submit(const std::string& id) {
    return call("POST", "/v1/comments",
                json{{"community", "news"},
                     {"thread", {{"id", "t1"}}},
                     {"comment", {{"id", id}, {"author", "ann"}, {"text", "hello " + id}}}}
                    .dump(),
                200);
  }
  int status(const std::string& secret, const std::string& method, const std::string& path,
             const std::string& body = "{}") {
    const std::string url = path + "?key=" + secret;
    const httplib::Result r = method == "GET" ? client->Get(url.c_str())
                              : method == "DELETE"
                                  ? client->Delete(url.c_str())
                                  : client->Post(url.c_str(), body, "application/json");
    return r ? r->status : 0;
  }
};

// Nothing listens on port 9 of loopback: every attempt fails with a connection error.
constexpr const char* kDeadUrl = "http://127.0.0.1:9/hook";

TEST(WebhookRoutes, AddListRemoveWithTheSecretShownOnce) {
  WebhookServer server;
  EXPECT_EQ(server.call("GET", "/v1/webhooks", "", 200)["webhooks"], json::array());
  const json added = server.call("POST", "/v1/webhooks",
                                 json{{"url", "https://cms.example.org/hook"}}.dump(), 200);
  const std::string secret = added["secret"].get<std::string>();
  EXPECT_EQ(secret.rfind("whsec_", 0), 0u);
  EXPECT_EQ(secret.size(), 6u + 64u);
  EXPECT_EQ(added["url"], "https://cms.example.org/hook");
  EXPECT_EQ(added["community"], nullptr);
  // A secret the site chose is not echoed; a community narrows the events.
  const json chosen = server.call(
      "POST", "/v1/webhooks",
      json{{"url", kDeadUrl}, {"community", "news"}, {"secret", "a secret of our own choosing"}}
          .dump(),
      200);
  EXPECT_FALSE(chosen.contains("secret"));
  EXPECT_EQ(chosen["community"], "news");

  const json listed = server.call("GET", "/v1/webhooks", "", 200)["webhooks"];
  ASSERT_EQ(listed.size(), 2u);
  EXPECT_EQ(listed[0]["id"], added["id"]);
  EXPECT_EQ(listed[1]["community"], "news");
  EXPECT_EQ(listed.dump().find("whsec_"), std::string::npos) << "secrets are never listed";
  EXPECT_EQ(listed.dump().find("our own choosing"), std::string::npos);
  // The CLI's store sees the same webhooks, with their secrets.
  WebhookStore store(server.dir.path().string());
  ASSERT_EQ(store.list().size(), 2u);
  EXPECT_EQ(store.list()[0].secret, secret);

  const auto removed =
      server.client->Delete(("/v1/webhooks/" + added["id"].dump() + "?key=" + server.key).c_str());
  ASSERT_TRUE(removed);
  EXPECT_EQ(removed->status, 200);
  ASSERT_EQ(server.call("GET", "/v1/webhooks", "", 200)["webhooks"].size(), 1u);
  const auto again =
      server.client->Delete(("/v1/webhooks/" + added["id"].dump() + "?key=" + server.key).c_str());
  ASSERT_TRUE(again);
  EXPECT_EQ(again->status, 404);
  EXPECT_EQ(json::parse(again->body)["error"]["status"], "NOT_FOUND");
}

TEST(WebhookRoutes, DeliveriesAreLoggedAndAReplaySendsHistoryAgain) {
  WebhookServer server;
  server.submit("c1");
  server.submit("c2");
  const json hook = server.call("POST", "/v1/webhooks",
                                json{{"url", kDeadUrl}, {"from_start", true}}.dump(), 200);
  const std::string id = hook["id"].dump();
  EXPECT_EQ(hook["cursor"], 0);
  // One pass of the dispatcher: one failed attempt at the first decision.
  WebhookDispatcher dispatcher(
      server.dir.path().string(),
      WebhookOptions{.timeout = std::chrono::seconds(2), .max_attempts = 1});
  EXPECT_EQ(dispatcher.run_once(), 1);
  const json log = server.call("GET", "/v1/webhooks/" + id + "/deliveries", "", 200);
  ASSERT_EQ(log["deliveries"].size(), 1u);
  const json& attempt = log["deliveries"][0];
  EXPECT_FALSE(attempt["delivered"].get<bool>());
  EXPECT_EQ(attempt["http_status"], nullptr);
  EXPECT_FALSE(attempt["error"].get<std::string>().empty());
  EXPECT_EQ(attempt["attempt"], 1);
  const std::int64_t first = attempt["decision_id"].get<std::int64_t>();
  // max_attempts 1: given up, the cursor moved past it.
  const json moved = server.call("GET", "/v1/webhooks", "", 200)["webhooks"][0];
  EXPECT_EQ(moved["cursor"], first);

  const json replayed =
      server.call("POST", "/v1/webhooks/" + id + ":replay", json{{"from", first}}.dump(), 200);
  EXPECT_EQ(replayed["from"], first);
  EXPECT_EQ(server.call("GET", "/v1/webhooks", "", 200)["webhooks"][0]["cursor"], first - 1);
  EXPECT_EQ(dispatcher.run_once(), 1);
  const json after = server.call("GET", "/v1/webhooks/" + id + "/deliveries?limit=1", "", 200);
  ASSERT_EQ(after["deliveries"].size(), 1u) << "limit";
  EXPECT_EQ(after["deliveries"][0]["decision_id"], first) << "the replay sent it again";
}

TEST(WebhookRoutes, BadRequestsGetClearErrorsAndOnlyAdminKeysGetIn) {
  WebhookServer server;
  const auto invalid = [&](const std::string& body, const std::string& field) {
    const json error = server.call("POST", "/v1/webhooks", body, 400);
    EXPECT_EQ(error["error"]["status"], "INVALID_ARGUMENT") << body;
    EXPECT_NE(error.dump().find(field), std::string::npos) << body << ": " << error.dump();
  };
  invalid("{}", "url");
  invalid(R"({"url": 7})", "url");
  invalid(R"({"url": "ftp://example.org/hook"})", "http:// or https://");
  invalid(R"({"url": "https://example.org/hook", "secret": "short"})", "16 characters");
  invalid(R"({"url": "https://example.org/hook", "from_start": "yes"})", "from_start");
  invalid(R"({"url": "https://example.org/hook", "community": ["news"]})", "community");
  server.call("POST", "/v1/webhooks", "[]", 400);
  server.call("POST", "/v1/webhooks", "{not json", 400);
  EXPECT_EQ(server.call("GET", "/v1/webhooks", "", 200)["webhooks"].size(), 0u) << "none added";

  // Ids: not a number is 400, an unknown one 404; replays need a decision id.
  server.call("GET", "/v1/webhooks/abc/deliveries", "", 400);
  server.call("GET", "/v1/webhooks/99/deliveries", "", 404);
  server.call("POST", "/v1/webhooks/99:replay", R"({"from": 1})", 404);
  const json hook = server.call("POST", "/v1/webhooks", json{{"url", kDeadUrl}}.dump(), 200);
  const std::string id = hook["id"].dump();
  for (const char* body : {"{}", R"({"from": 0})", R"({"from": "1"})", R"({"from": 1.5})"}) {
    server.call("POST", "/v1/webhooks/" + id + ":replay", body, 400);
  }
  server.call("GET", "/v1/webhooks/" + id + "/deliveries?limit=0", "", 400);
  server.call("GET", "/v1/webhooks/" + id + "/deliveries?limit=ten", "", 400);

  // A moderation key (and a score key) cannot see or change webhooks.
  for (const ApiKeyScope scope : {ApiKeyScope::kScore, ApiKeyScope::kModeration}) {
    const std::string secret =
        server.store->create_api_key(std::string(api_key_scope_name(scope)), 0, scope).secret;
    EXPECT_EQ(server.status(secret, "GET", "/v1/webhooks"), 403);
    EXPECT_EQ(server.status(secret, "POST", "/v1/webhooks", json{{"url", kDeadUrl}}.dump()), 403);
    EXPECT_EQ(server.status(secret, "DELETE", "/v1/webhooks/" + id), 403);
    EXPECT_EQ(server.status(secret, "GET", "/v1/webhooks/" + id + "/deliveries"), 403);
    EXPECT_EQ(server.status(secret, "POST", "/v1/webhooks/" + id + ":replay", R"({"from": 1})"),
              403);
  }
  EXPECT_EQ(server.call("GET", "/v1/webhooks", "", 200)["webhooks"].size(), 1u);
}

}  // namespace
}  // namespace comity::server::testing
