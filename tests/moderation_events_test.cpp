// Live queue updates: GET /v1/events (server-sent events) over real HTTP, and the
// EventHub's bounds (subscribers, per-subscriber buffer, heartbeats).
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>

#include "server/event_hub.h"
#include "server_test_support.h"
#include "test_socket.h"

namespace comity::server::testing {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

ServerConfig events_config(int heartbeat_seconds = 15, std::size_t max_subscribers = 100) {
  ServerConfig config;
  config.events_heartbeat_seconds = heartbeat_seconds;
  config.events_max_subscribers = max_subscribers;
  return config;
}

struct EventsServer : RunningServer {
  explicit EventsServer(ServerConfig config = events_config())
      : RunningServer(std::make_shared<FakeAnalyzer>(), 0, std::move(config), {}, true) {
    call("PUT", "/v1/policies/news", kHoldToxicPolicy, 200);
  }

  // A client reading the stream as a browser's EventSource would, with no HTTP
  // library in between.
  std::unique_ptr<Socket> subscribe(const std::string& community = "news",
                                    const std::string& method = "GET") {
    auto socket = std::make_unique<Socket>(server->port());
    EXPECT_TRUE(socket->send(method + " /v1/events?community=" + community + "&key=" + key +
                             " HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n"));
    return socket;
  }

  json submit(const std::string& id, const std::string& text, const std::string& community = "news",
              const std::string& author = "ann") {
    return call("POST", "/v1/comments",
                json{{"community", community},
                     {"thread", {{"id", "t-" + community}}},
                     {"comment", {{"id", id}, {"author", author}, {"text", text}}}}
                    .dump(),
                200);
  }
};

// The JSON of the first `event: type` after the mark.
json event_data(const Socket& client, const std::string& type, std::size_t from = 0) {
  const std::size_t at = client.received().find("event: " + type + "\n", from);
  if (at == std::string::npos) return json();
  const std::size_t data = client.received().find("data: ", at);
  const std::size_t end = client.received().find('\n', data);
  return json::parse(client.received().substr(data + 6, end - data - 6), nullptr, false);
}

TEST(ModerationEvents, AStreamCarriesHeldDecidedReportedAndStandingEventsOfItsCommunity) {
  EventsServer server;
  auto stream = server.subscribe();
  ASSERT_TRUE(stream->read_until(": subscribed\n\n"));
  EXPECT_NE(stream->received().find("HTTP/1.1 200 OK\r\n"), std::string::npos);
  EXPECT_NE(stream->received().find("Content-Type: text/event-stream"), std::string::npos);
  EXPECT_NE(stream->received().find("Transfer-Encoding: chunked"), std::string::npos);
  EXPECT_NE(stream->received().find("retry: "), std::string::npos);

  // Another community's comment is not this stream's business.
  server.submit("elsewhere-1", "you idiot", "sports");
  // Held on intake: comment.held with the comment's id, status and risk.
  EXPECT_EQ(server.submit("c1", "you idiot")["status"], "held");
  ASSERT_TRUE(stream->read_until("event: comment.held\n"));
  const json held = event_data(*stream, "comment.held");
  EXPECT_EQ(held["comment_id"], "c1");
  EXPECT_EQ(held["status"], "held");
  EXPECT_EQ(held["thread"], "t-news");
  EXPECT_GT(held["risk"].get<double>(), 0.5);
  // An approved comment is not held: no event for it.
  EXPECT_EQ(server.submit("c2", "thanks for the article")["status"], "approved");

  server.call("POST", "/v1/queue/decisions",
              json{{"comment_id", "c1"}, {"action", "reject"}, {"actor", "alice"}}.dump(), 200);
  ASSERT_TRUE(stream->read_until("event: comment.decided\n"));
  const json decided = event_data(*stream, "comment.decided");
  EXPECT_EQ(decided["comment_id"], "c1");
  EXPECT_EQ(decided["action"], "reject");
  EXPECT_EQ(decided["status"], "rejected");
  EXPECT_EQ(decided["actor"], "alice");
  EXPECT_GT(decided["decision_id"].get<std::int64_t>(), 0);

  server.call("POST", "/v1/comments/c2:report", R"({"reporter": "r1", "reason": "spam"})", 200);
  ASSERT_TRUE(stream->read_until("event: comment.reported\n"));
  EXPECT_EQ(event_data(*stream, "comment.reported")["open_reports"], 1);

  server.call("PUT", "/v1/authors/news/ann", R"({"standing": "banned", "reason": "abuse"})", 200,
              "application/json");
  ASSERT_TRUE(stream->read_until("event: author.standing\n"));
  const json standing = event_data(*stream, "author.standing");
  EXPECT_EQ(standing["author"], "ann");
  EXPECT_EQ(standing["standing"]["standing"], "banned");
  EXPECT_EQ(standing["standing"]["reason"], "abuse");

  // Every event has an id, increasing; the other community's never arrived.
  EXPECT_EQ(stream->received().find("elsewhere-1"), std::string::npos);
  EXPECT_EQ(stream->received().find("\"c2\",\"status\":\"approved\""), std::string::npos);
  const std::size_t first = stream->received().find("id: ");
  ASSERT_NE(first, std::string::npos);
  EXPECT_LT(std::stoll(stream->received().substr(first + 4)),
            std::stoll(stream->received().substr(stream->received().rfind("id: ") + 4)));
}

TEST(ModerationEvents, AStoredImportIsOneEventNotOnePerComment) {
  EventsServer server;
  auto stream = server.subscribe();
  ASSERT_TRUE(stream->read_until(": subscribed\n\n"));
  const std::string jsonl =
      "{\"id\": \"1\", \"author\": \"a\", \"text\": \"you idiot\"}\n"
      "{\"id\": \"2\", \"author\": \"b\", \"text\": \"a fine point\"}\n";
  server.call("POST", "/v1/threads:import?community=news&thread=imp&format=jsonl", jsonl, 200,
              "application/x-ndjson");
  ASSERT_TRUE(stream->read_until("event: thread.imported\n"));
  const json imported = event_data(*stream, "thread.imported");
  EXPECT_EQ(imported["thread"], "imp");
  EXPECT_EQ(imported["imported"], 2);
  EXPECT_EQ(imported["actions"]["hold"], 1);
  EXPECT_EQ(stream->received().find("event: comment.held"), std::string::npos);
}

TEST(ModerationEvents, AnIdleStreamGetsHeartbeats) {
  EventsServer server(events_config(/*heartbeat_seconds=*/1));
  auto stream = server.subscribe();
  ASSERT_TRUE(stream->read_until(": subscribed\n\n"));
  stream->mark();
  EXPECT_TRUE(stream->read_until(": heartbeat\n\n", 4s)) << stream->received();
  stream->mark();
  EXPECT_TRUE(stream->read_until(": heartbeat\n\n", 4s)) << "heartbeats keep coming";
}

TEST(ModerationEvents, OpenStreamsHoldNoWorker) {
  // Two workers and six open streams that read nothing: every other request is
  // still answered, and the streams still get their events.
  EventsServer server;
  std::vector<std::unique_ptr<Socket>> streams;
  for (int i = 0; i < 6; ++i) streams.push_back(server.subscribe());
  for (auto& stream : streams) ASSERT_TRUE(stream->read_until(": subscribed\n\n"));
  const auto started = std::chrono::steady_clock::now();
  for (int i = 0; i < 5; ++i) {
    server.call("GET", "/v1/queue?community=news", "", 200);
    server.submit("held-" + std::to_string(i), "you idiot " + std::to_string(i));
  }
  EXPECT_LT(std::chrono::steady_clock::now() - started, 5s);
  for (auto& stream : streams) {
    EXPECT_TRUE(stream->read_until("\"comment_id\":\"held-4\""));
  }
}

TEST(ModerationEvents, SubscribersAreBoundedAndAClosedStreamFreesItsPlace) {
  EventsServer server(events_config(15, /*max_subscribers=*/2));
  auto first = server.subscribe();
  auto second = server.subscribe();
  ASSERT_TRUE(first->read_until(": subscribed\n\n"));
  ASSERT_TRUE(second->read_until(": subscribed\n\n"));
  // The third gets the API's own error, in Google's envelope, and a Retry-After.
  const auto refused = server.client->Get(("/v1/events?community=news&key=" + server.key).c_str());
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 503);
  EXPECT_EQ(refused->get_header_value("Retry-After"), "10");
  const json error = json::parse(refused->body, nullptr, false);
  EXPECT_EQ(error["error"]["status"], "UNAVAILABLE");
  EXPECT_NE(error["error"]["message"].get<std::string>().find("events_max_subscribers = 2"),
            std::string::npos);

  // The server notices a client that went away without waiting for a write.
  first->close();
  bool admitted = false;
  for (int i = 0; i < 50 && !admitted; ++i) {
    auto third = server.subscribe();
    admitted = third->read_until(": subscribed\n\n", 1s);
    if (!admitted) std::this_thread::sleep_for(100ms);
  }
  EXPECT_TRUE(admitted);
}

TEST(ModerationEvents, BadRequestsGetClearErrors) {
  EventsServer server;
  // No community: 400 in the API's format.
  const json missing = server.call("GET", "/v1/events", "", 400);
  EXPECT_EQ(missing["error"]["status"], "INVALID_ARGUMENT");
  EXPECT_NE(missing["error"]["message"].get<std::string>().find("'community'"), std::string::npos);
  // A comment form's key cannot listen to the moderation queue; no key at all is refused
  // (403, as Google answers a missing key).
  const std::string score = server.store->create_api_key("form", 0, ApiKeyScope::kScore).secret;
  const auto scoped = server.client->Get(("/v1/events?community=news&key=" + score).c_str());
  ASSERT_TRUE(scoped);
  EXPECT_EQ(scoped->status, 403);
  EXPECT_EQ(json::parse(scoped->body)["error"]["status"], "PERMISSION_DENIED");
  const auto anonymous = server.client->Get("/v1/events?community=news");
  ASSERT_TRUE(anonymous);
  EXPECT_EQ(anonymous->status, 403);
  EXPECT_NE(anonymous->body.find("missing a valid API key"), std::string::npos);
  // POST is not a route; HEAD answers the headers and ends at once.
  server.call("POST", "/v1/events?community=news", "{}", 404);
  auto head = server.subscribe("news", "HEAD");
  EXPECT_TRUE(head->read_until("text/event-stream"));
  EXPECT_EQ(head->received().find(": subscribed"), std::string::npos);
}

TEST(ModerationEvents, AStreamEndsAfterItsAgeSoItsKeyIsCheckedAgain) {
  ServerConfig config = events_config(/*heartbeat_seconds=*/1);
  config.events_stream_seconds = 1;
  EventsServer server(config);
  const CreatedApiKey created = server.store->create_api_key("desk", 0, ApiKeyScope::kModeration);
  const std::string desk = created.secret;
  const auto subscribe_with = [&](const std::string& secret) {
    auto socket = std::make_unique<Socket>(server.server->port());
    EXPECT_TRUE(socket->send("GET /v1/events?community=news&key=" + secret +
                             " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"));
    return socket;
  };
  auto stream = subscribe_with(desk);
  ASSERT_TRUE(stream->read_until(": subscribed\n\n"));
  EXPECT_TRUE(stream->closed_within(5s)) << "ended at the first heartbeat past its age";
  EXPECT_NE(stream->received().find("\r\n0\r\n\r\n"), std::string::npos)
      << "a complete chunked response, so the browser reconnects";
  // The key is revoked meanwhile: the reconnection is refused.
  ASSERT_TRUE(server.store->revoke_api_key(std::to_string(created.record.id)));
  auto again = subscribe_with(desk);
  EXPECT_TRUE(again->read_until("HTTP/1.1 400"));
  EXPECT_EQ(again->received().find(": subscribed"), std::string::npos);
}

TEST(ModerationEvents, StoppingTheServerEndsOpenStreams) {
  auto server = std::make_unique<EventsServer>();
  auto stream = server->subscribe();
  ASSERT_TRUE(stream->read_until(": subscribed\n\n"));
  const auto started = std::chrono::steady_clock::now();
  server->server->stop();
  EXPECT_TRUE(stream->closed_within(5s));
  EXPECT_LT(std::chrono::steady_clock::now() - started, 5s);
}

// The hub alone: the bounds that keep a slow client from costing unbounded memory.
TEST(EventHub, ASubscriberThatDoesNotReadIsDroppedAtItsBufferBound) {
  EventHub hub({/*max_subscribers=*/4, /*max_buffer_bytes=*/2048, std::chrono::seconds(60),
                std::chrono::minutes(5)});
  auto slow = hub.subscribe("news");
  auto reader = hub.subscribe("news");
  ASSERT_TRUE(slow && reader);
  int wakes = 0;
  slow->open([&] { ++wakes; });
  reader->open([] {});
  EXPECT_GE(wakes, 1) << "the greeting is pending at once";
  std::string read;
  const std::string data(200, 'x');
  for (int i = 0; i < 30; ++i) {
    hub.publish("news", "comment.held", "\"" + data + "\"");
    ASSERT_TRUE(reader->take(read)) << "a client that reads stays";
    read.clear();
  }
  // 30 events of ~230 bytes never fit in 2048: the slow one was dropped once, the
  // reader never; what the slow one is left with is bounded and its stream ends.
  EXPECT_EQ(hub.dropped(), 1u);
  EXPECT_EQ(hub.subscribers(), 1u);
  std::string pending;
  EXPECT_FALSE(slow->take(pending));
  EXPECT_LE(pending.size(), 2048u);
  // A full hub refuses; closing a stream frees its place.
  auto a = hub.subscribe("news");
  auto b = hub.subscribe("sports");
  auto c = hub.subscribe("news");
  ASSERT_TRUE(a && b && c);
  EXPECT_EQ(hub.subscribe("news"), nullptr);
  c->close();
  EXPECT_NE(hub.subscribe("news"), nullptr) << "the refused one's place, freed by close()";
}

TEST(EventHub, EventsGoToTheirTopicWithIncreasingIds) {
  EventHub hub;
  auto news = hub.subscribe("news");
  auto sports = hub.subscribe("sports");
  std::string text, other;
  news->take(text);
  sports->take(other);
  text.clear();
  other.clear();
  hub.publish("news", "comment.held", R"({"comment_id":"c1"})");
  hub.publish("news", "comment.decided", R"({"comment_id":"c1"})");
  ASSERT_TRUE(news->take(text));
  ASSERT_TRUE(sports->take(other));
  EXPECT_EQ(other, "");
  EXPECT_EQ(text,
            "id: 1\nevent: comment.held\ndata: {\"comment_id\":\"c1\"}\n\n"
            "id: 2\nevent: comment.decided\ndata: {\"comment_id\":\"c1\"}\n\n");
  // Dropping a stream unsubscribes it.
  news.reset();
  EXPECT_EQ(hub.subscribers(), 1u);
}

}  // namespace
}  // namespace comity::server::testing
