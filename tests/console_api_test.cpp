// The console's own routes over real HTTP: sign-in throttling under parallel
// guesses, the session deciding who acts, and the server root leading to the console.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include <nlohmann/json.hpp>

#include "comity/console.h"
#include "comity/moderation_store.h"
#include "comity/store.h"
#include "moderation/moderation_routes.h"
#include "server_test_support.h"

namespace comity::server::testing {
namespace {

using nlohmann::json;

struct ConsoleServer {
  TempDir dir;
  std::unique_ptr<Store> store;
  std::shared_ptr<ModerationStore> moderation;
  std::unique_ptr<HttpServer> server;
  std::string key;

  ConsoleServer() {
    store = open_sqlite_store(dir.path().string());
    key = store->create_api_key("test", 0, ApiKeyScope::kAdmin).secret;
    {
      console::Accounts accounts(dir.path().string());
      accounts.create_user("bob", console::Role::moderator, "correct horse battery");
    }
    ServerConfig config;
    config.host = "127.0.0.1";
    config.port = 0;
    config.threads = 4;
    server = std::make_unique<HttpServer>(config, std::make_shared<FakeAnalyzer>(), store.get());
    console::ConsoleOptions options;
    options.data_dir = dir.path().string();
    console::install_console(*server, options);
    moderation = open_sqlite_moderation_store(dir.path().string());
    register_moderation_routes(*server, moderation);
    server->start();
  }
  ~ConsoleServer() { server->stop(); }

  httplib::Client client() const {
    httplib::Client c("127.0.0.1", server->port());
    c.set_read_timeout(30, 0);
    return c;
  }

  httplib::Result login(const std::string& name, const std::string& password) const {
    return client().Post("/console/api/login", json{{"name", name}, {"password", password}}.dump(),
                         "application/json");
  }
};

TEST(ConsoleApiTest, ParallelWrongGuessesAreCountedBeforeTheyAreChecked) {
  ConsoleServer console;
  constexpr int kGuesses = 60;
  std::atomic<int> wrong = 0, throttled = 0, other = 0;
  std::vector<std::thread> guessers;
  for (int i = 0; i < kGuesses; ++i) {
    guessers.emplace_back([&, i] {
      const auto reply = console.login("bob", "guess number " + std::to_string(i));
      if (!reply) {
        ++other;
      } else if (reply->status == 401) {
        ++wrong;
      } else if (reply->status == 429) {
        ++throttled;
      } else {
        ++other;
      }
    });
  }
  for (auto& t : guessers) t.join();
  const int allowed = console::ConsoleOptions{}.login_failures_allowed;
  EXPECT_EQ(wrong.load(), allowed) << "only the allowed number of guesses reach the password check";
  EXPECT_EQ(throttled.load(), kGuesses - allowed);
  EXPECT_EQ(other.load(), 0);
}

TEST(ConsoleApiTest, ARightPasswordGivesItsAttemptBack) {
  ConsoleServer console;
  const int allowed = console::ConsoleOptions{}.login_failures_allowed;
  // Many successful sign-ins from one address never lock that address out.
  for (int i = 0; i < allowed * 3; ++i) {
    const auto reply = console.login("bob", "correct horse battery");
    ASSERT_TRUE(reply);
    ASSERT_EQ(reply->status, 200) << i << ": " << reply->body;
  }
}

TEST(ConsoleApiTest, ASingleDecisionIsRecordedUnderTheSignedInUser) {
  ConsoleServer console;
  httplib::Client api = console.client();
  const std::string k = "?key=" + console.key;
  ASSERT_EQ(
      api.Put(("/v1/policies/news" + k).c_str(), "default_action = \"hold\"\n", "application/toml")
          ->status,
      200);
  const json comment = {{"community", "news"},
                        {"thread", {{"id", "t1"}}},
                        {"comment", {{"id", "c1"}, {"author", "ann"}, {"text", "hello"}}}};
  ASSERT_EQ(api.Post(("/v1/comments" + k).c_str(), comment.dump(), "application/json")->status,
            200);

  const auto login = console.login("bob", "correct horse battery");
  ASSERT_TRUE(login);
  ASSERT_EQ(login->status, 200);
  const std::string set_cookie = login->get_header_value("Set-Cookie");
  const std::string cookie = set_cookie.substr(0, set_cookie.find(';'));
  const std::string csrf = json::parse(login->body)["csrfToken"];
  httplib::Headers headers = {{"Cookie", cookie}, {"X-CSRF-Token", csrf}};
  // The page names alice; the session is bob's.
  const auto decided =
      api.Post("/console/api/v1/queue/decisions", headers,
               json{{"comment_id", "c1"}, {"action", "reject"}, {"actor", "alice"}}.dump(),
               "application/json");
  ASSERT_TRUE(decided);
  ASSERT_EQ(decided->status, 200) << decided->body;
  EXPECT_EQ(console.moderation->find_comment("c1")->last_decision->actor, "bob");
  for (const AuditEntry& entry : console.moderation->audit_log("news", 10)) {
    if (entry.action == "decision.reject") {
      EXPECT_EQ(entry.actor, "bob");
    }
  }
}

TEST(ConsoleApiTest, TheServerRootLeadsToTheConsole) {
  ConsoleServer console;
  const auto root = console.client().Get("/");
  ASSERT_TRUE(root);
  EXPECT_EQ(root->status, 302);
  EXPECT_EQ(root->get_header_value("Location"), "/console/");
}

}  // namespace
}  // namespace comity::server::testing
