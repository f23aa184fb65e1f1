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

// A signed-in browser: the session cookie and CSRF token of one sign-in.
struct SignedIn {
  httplib::Headers headers;
  int me_status(const ConsoleServer& console) const {
    const auto reply = console.client().Get("/console/api/me", headers);
    return reply ? reply->status : 0;
  }
};

SignedIn sign_in(const ConsoleServer& console, const std::string& password) {
  const auto login = console.login("bob", password);
  EXPECT_TRUE(login);
  if (!login || login->status != 200) return {};
  const std::string set_cookie = login->get_header_value("Set-Cookie");
  return {{{"Cookie", set_cookie.substr(0, set_cookie.find(';'))},
           {"X-CSRF-Token", json::parse(login->body)["csrfToken"].get<std::string>()}}};
}

TEST(ConsoleApiTest, DisablingAnAccountEndsItsSessionsUntilItIsEnabled) {
  ConsoleServer console;
  const SignedIn browser = sign_in(console, "correct horse battery");
  ASSERT_EQ(browser.me_status(console), 200);
  console::Accounts accounts(console.dir.path().string());
  accounts.set_disabled("bob", true, "cli:ops");
  EXPECT_EQ(browser.me_status(console), 401) << "the open session ends with the account";
  EXPECT_EQ(console.login("bob", "correct horse battery")->status, 401);
  EXPECT_TRUE(accounts.list_users().front().disabled);

  accounts.set_disabled("bob", false, "cli:ops");
  EXPECT_EQ(browser.me_status(console), 401) << "an ended session stays ended";
  EXPECT_EQ(sign_in(console, "correct horse battery").me_status(console), 200);
  EXPECT_THROW(accounts.set_disabled("nobody", true, "cli:ops"), std::invalid_argument);

  std::vector<std::string> actions;
  for (const AuditEntry& entry : console.moderation->audit_log("", 10)) {
    if (entry.subject == "bob") {
      EXPECT_EQ(entry.actor, "cli:ops");
      actions.push_back(entry.action);
    }
  }
  EXPECT_EQ(actions, (std::vector<std::string>{"user.enable", "user.disable"}));
}

TEST(ConsoleApiTest, APasswordResetAndEndingSessionsSignTheUserOutEverywhere) {
  ConsoleServer console;
  const SignedIn first = sign_in(console, "correct horse battery");
  const SignedIn second = sign_in(console, "correct horse battery");
  console::Accounts accounts(console.dir.path().string());
  EXPECT_EQ(accounts.end_sessions("bob", "cli:ops"), 2);
  EXPECT_EQ(first.me_status(console), 401);
  EXPECT_EQ(second.me_status(console), 401);

  const SignedIn third = sign_in(console, "correct horse battery");
  EXPECT_THROW(accounts.reset_password("bob", "short", "cli:ops"), std::invalid_argument);
  EXPECT_EQ(third.me_status(console), 200) << "a refused reset changes nothing";
  accounts.reset_password("bob", "a brand new passphrase", "cli:ops");
  EXPECT_EQ(third.me_status(console), 401);
  EXPECT_EQ(console.login("bob", "correct horse battery")->status, 401);
  EXPECT_EQ(sign_in(console, "a brand new passphrase").me_status(console), 200);
}

TEST(ConsoleApiTest, AModeratorMayUndoButNotReadTheWebhooks) {
  ConsoleServer console;
  const auto login = console.login("bob", "correct horse battery");
  ASSERT_TRUE(login);
  ASSERT_EQ(login->status, 200);
  const std::string set_cookie = login->get_header_value("Set-Cookie");
  const httplib::Headers headers = {{"Cookie", set_cookie.substr(0, set_cookie.find(';'))},
                                    {"X-CSRF-Token", json::parse(login->body)["csrfToken"]}};
  httplib::Client api = console.client();
  // The webhooks (their URLs and delivery log) are the site's integration: admins only.
  for (const char* path : {"/console/api/v1/webhooks", "/console/api/v1/webhooks/1/deliveries"}) {
    const auto refused = api.Get(path, headers);
    ASSERT_TRUE(refused);
    EXPECT_EQ(refused->status, 403) << path;
    EXPECT_NE(refused->body.find("moderator may not GET"), std::string::npos) << refused->body;
  }
  // Undo is a moderator's: the request reaches the route (an unknown comment: 404).
  const auto undo =
      api.Post("/console/api/v1/comments/nope:undo", headers, "{}", "application/json");
  ASSERT_TRUE(undo);
  EXPECT_EQ(undo->status, 404) << undo->body;
  EXPECT_NE(undo->body.find("No comment 'nope'"), std::string::npos);
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
