// Webhooks against a real HTTP receiver on loopback: every decision arrives once,
// in order, signed; failures are retried and logged; a dead endpoint is given up
// on without blocking later events; replays send history again.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>

#include <nlohmann/json.hpp>

#include "comity/webhooks.h"
#include "moderation/webhook_dispatcher.h"
#include "server_test_support.h"

namespace comity::server::testing {
namespace {

using nlohmann::json;

// A site's receiver: records what arrives; answers 500 to the first `fail_first`
// requests and to any body containing `always_fail`.
struct Receiver {
  httplib::Server http;
  std::thread thread;
  int port = 0;
  std::mutex mutex;
  std::vector<json> events;
  std::vector<std::string> signatures, bodies;
  int fail_first = 0;
  std::string always_fail;
  int requests = 0;

  Receiver() {
    http.Post("/hook", [this](const httplib::Request& q, httplib::Response& r) {
      std::lock_guard lock(mutex);
      ++requests;
      if (requests <= fail_first ||
          (!always_fail.empty() && q.body.find(always_fail) != std::string::npos)) {
        r.status = 500;
        return;
      }
      events.push_back(json::parse(q.body));
      bodies.push_back(q.body);
      signatures.push_back(q.get_header_value("X-Comity-Signature"));
      r.status = 204;
    });
    port = http.bind_to_any_port("127.0.0.1");
    thread = std::thread([this] { http.listen_after_bind(); });
    while (!http.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ~Receiver() {
    http.stop();
    thread.join();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port) + "/hook"; }
  std::vector<std::string> comment_ids() {
    std::lock_guard lock(mutex);
    std::vector<std::string> out;
    for (const json& e : events) out.push_back(e["comment"]["id"]);
    return out;
  }
};

struct WebhookServer : RunningServer {
  WebhookServer() : RunningServer(std::make_shared<FakeAnalyzer>(), 0, {}, {}, true) {
    call("PUT", "/v1/policies/news", "default_action = \"hold\"\n", 200);
  }
  void post(const std::string& community, const std::string& id) {
    call("POST", "/v1/comments",
         json{{"community", community},
              {"thread", {{"id", community + "-t"}}},
              {"comment", {{"id", id}, {"author", "ann"}, {"text", "hello " + id}}}}
             .dump(),
         200);
  }
  std::string data_dir() const { return dir.path().string(); }
};

const std::string kSecret = "a signing secret of some length";

WebhookOptions fast() {
  WebhookOptions options;
  options.first_retry_seconds = 0;  // retries at once, so the test needs no clock
  options.max_attempts = 3;
  options.timeout = std::chrono::seconds(5);
  return options;
}

int drain(WebhookDispatcher& dispatcher) {
  int total = 0;
  for (int attempts; (attempts = dispatcher.run_once()) > 0;) total += attempts;
  return total;
}

TEST(Webhooks, EveryDecisionArrivesSignedInOrderWithItsFields) {
  WebhookServer server;
  Receiver receiver;
  WebhookStore store(server.data_dir());
  store.add(receiver.url(), kSecret, "", /*from_start=*/false);
  server.post("news", "c1");
  server.post("news", "c2");
  server.call(
      "POST", "/v1/queue/decisions",
      json{{"comment_id", "c1"}, {"action", "reject"}, {"actor", "mod"}, {"reason", "spam"}}.dump(),
      200);
  WebhookDispatcher dispatcher(server.data_dir(), fast());
  EXPECT_EQ(drain(dispatcher), 3);
  ASSERT_EQ(receiver.comment_ids(), (std::vector<std::string>{"c1", "c2", "c1"}));
  const json& last = receiver.events[2];
  EXPECT_EQ(last["type"], "comment.decided");
  EXPECT_EQ(last["community"], "news");
  EXPECT_EQ(last["comment"]["status"], "rejected");
  EXPECT_EQ(last["comment"]["thread"], "news-t");
  EXPECT_EQ(last["decision"]["actor"], "mod");
  EXPECT_EQ(last["decision"]["reason"], "spam");
  EXPECT_EQ(receiver.events[0]["decision"]["actor"], "policy");
  EXPECT_EQ(receiver.events[0]["comment"]["status"], "held");
  EXPECT_EQ(receiver.events[0]["decision"]["policy_version"], 1);
  // The receiver can check each body against the shared secret.
  for (std::size_t i = 0; i < receiver.bodies.size(); ++i) {
    const std::string& header = receiver.signatures[i];
    const auto t = std::stoll(header.substr(2, header.find(',') - 2));
    EXPECT_EQ(header, webhook_signature(kSecret, t, receiver.bodies[i]));
    EXPECT_NE(header, webhook_signature("another secret entirely", t, receiver.bodies[i]));
    EXPECT_LE(std::llabs(t - std::chrono::duration_cast<std::chrono::seconds>(
                                 std::chrono::system_clock::now().time_since_epoch())
                                 .count()),
              60);
  }
  // Nothing twice: another pass finds nothing to send.
  EXPECT_EQ(drain(dispatcher), 0);
  EXPECT_EQ(receiver.events.size(), 3u);
}

TEST(Webhooks, FailuresAreRetriedAndLoggedThenADeadEventIsGivenUp) {
  WebhookServer server;
  Receiver receiver;
  receiver.fail_first = 2;
  receiver.always_fail = "\"c2\"";
  WebhookStore store(server.data_dir());
  const Webhook hook = store.add(receiver.url(), kSecret, "", false);
  server.post("news", "c1");
  server.post("news", "c2");
  server.post("news", "c3");
  WebhookDispatcher dispatcher(server.data_dir(), fast());
  drain(dispatcher);
  // c1 after two failures; c2 never (given up after 3 attempts); c3 still arrives.
  EXPECT_EQ(receiver.comment_ids(), (std::vector<std::string>{"c1", "c3"}));
  std::vector<std::string> log;
  for (const WebhookDelivery& d : store.deliveries(hook.id, 100)) {
    log.push_back(std::to_string(d.attempt) + (d.delivered ? " ok " : " failed ") +
                  (d.http_status ? std::to_string(*d.http_status) : "-"));
  }
  std::reverse(log.begin(), log.end());
  EXPECT_EQ(log,
            (std::vector<std::string>{"1 failed 500", "2 failed 500", "3 ok 204", "1 failed 500",
                                      "2 failed 500", "3 failed 500", "1 ok 204"}));
  EXPECT_EQ(store.list().front().failures, 0);

  // The receiver is fixed: a replay from the given-up decision sends it and what followed.
  receiver.always_fail.clear();
  const auto given_up = store.deliveries(hook.id, 100)[1].decision_id;
  ASSERT_TRUE(store.replay(hook.id, given_up));
  drain(dispatcher);
  EXPECT_EQ(receiver.comment_ids(), (std::vector<std::string>{"c1", "c3", "c2", "c3"}));
}

TEST(Webhooks, AnUnreachableEndpointIsLoggedWithItsError) {
  WebhookServer server;
  WebhookStore store(server.data_dir());
  int closed_port = 0;
  {
    Receiver gone;
    closed_port = gone.port;
  }
  const Webhook hook =
      store.add("http://127.0.0.1:" + std::to_string(closed_port) + "/hook", kSecret, "", false);
  server.post("news", "c1");
  WebhookDispatcher dispatcher(server.data_dir(), fast());
  drain(dispatcher);
  const auto log = store.deliveries(hook.id, 10);
  ASSERT_EQ(log.size(), 3u);
  EXPECT_FALSE(log[0].http_status);
  EXPECT_FALSE(log[0].delivered);
  EXPECT_FALSE(log[0].error.empty());
}

TEST(Webhooks, ACommunityWebhookSeesOnlyItsCommunityAndHistoryOnlyWhenAsked) {
  WebhookServer server;
  server.call("PUT", "/v1/policies/sport", "default_action = \"approve\"\n", 200);
  server.post("news", "before");
  Receiver news, all;
  WebhookStore store(server.data_dir());
  store.add(news.url(), kSecret, "news", false);
  store.add(all.url(), kSecret, "", /*from_start=*/true);
  server.post("sport", "s1");
  server.post("news", "n1");
  WebhookDispatcher dispatcher(server.data_dir(), fast());
  drain(dispatcher);
  EXPECT_EQ(news.comment_ids(), (std::vector<std::string>{"n1"}));
  EXPECT_EQ(all.comment_ids(), (std::vector<std::string>{"before", "s1", "n1"}));
  EXPECT_THROW(store.add("ftp://example.org/", kSecret, "", false), std::invalid_argument);
  EXPECT_THROW(store.add(news.url(), "short", "", false), std::invalid_argument);
}

TEST(Webhooks, TheDispatcherThreadDeliversWhileTheServerRuns) {
  WebhookServer server;
  Receiver receiver;
  WebhookStore store(server.data_dir());
  store.add(receiver.url(), kSecret, "", false);
  WebhookOptions options = fast();
  options.poll = std::chrono::milliseconds(20);
  WebhookDispatcher dispatcher(server.data_dir(), options);
  dispatcher.start();
  server.post("news", "live");
  for (int i = 0; i < 500 && receiver.comment_ids().empty(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  dispatcher.stop();
  EXPECT_EQ(receiver.comment_ids(), (std::vector<std::string>{"live"}));
}

}  // namespace
}  // namespace comity::server::testing
