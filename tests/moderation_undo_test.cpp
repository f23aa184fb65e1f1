// Undo: POST /v1/comments/{id}:undo takes back a moderator's last decision on a
// comment, restoring the status before it, audited, published and sent to webhooks.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "comity/webhooks.h"
#include "server_test_support.h"

namespace comity::server::testing {
namespace {

using nlohmann::json;

struct UndoServer : RunningServer {
  UndoServer() : RunningServer(std::make_shared<FakeAnalyzer>(), 0, {}, {}, true) {
    call("PUT", "/v1/policies/news", kHoldToxicPolicy, 200);
  }

  json submit(const std::string& id, const std::string& text) {
    return call("POST", "/v1/comments",
                json{{"community", "news"},
                     {"thread", {{"id", "t1"}}},
                     {"comment", {{"id", id}, {"author", "ann"}, {"text", text}}}}
                    .dump(),
                200);
  }
  json decide(const std::string& id, const std::string& action, const std::string& actor) {
    json body = {{"comment_id", id}, {"action", action}, {"actor", actor}};
    if (action == "edit_approve") body["text"] = "kinder words";
    return call("POST", "/v1/queue/decisions", body.dump(), 200);
  }
  json undo(const std::string& id, const json& body, int status) {
    return call("POST", "/v1/comments/" + id + ":undo", body.dump(), status);
  }
  std::string status_of(const std::string& id) {
    return call("GET", "/v1/comments/" + id, "", 200)["status"].get<std::string>();
  }
};

TEST(ModerationUndo, UndoRestoresTheStatusBeforeTheModeratorsLastDecision) {
  UndoServer server;
  EXPECT_EQ(server.submit("c1", "you idiot")["status"], "held");
  const std::int64_t labels = server.store->count_feedback();
  const std::int64_t rejected =
      server.decide("c1", "reject", "alice")["results"][0]["decision_id"].get<std::int64_t>();
  EXPECT_EQ(server.status_of("c1"), "rejected");
  EXPECT_EQ(server.store->count_feedback(), labels + 1);

  const json undone = server.undo("c1", {{"actor", "alice"}, {"reason", "wrong button"}}, 200);
  EXPECT_EQ(undone["comment_id"], "c1");
  EXPECT_EQ(undone["action"], "undo");
  EXPECT_EQ(undone["status"], "held");
  EXPECT_EQ(undone["undone"]["id"], rejected);
  EXPECT_EQ(undone["undone"]["action"], "reject");
  EXPECT_EQ(server.status_of("c1"), "held");
  // The undone verdict is no longer a training label.
  EXPECT_EQ(server.store->count_feedback(), labels);
  // Back in the queue.
  const json queue = server.call("GET", "/v1/queue?community=news", "", 200);
  ASSERT_EQ(queue["comments"].size(), 1u);
  EXPECT_EQ(queue["comments"][0]["id"], "c1");

  // The undo is a decision of its own (what webhooks send) and an audit row.
  const json stored = server.call("GET", "/v1/comments/c1", "", 200);
  const json& last = stored["decisions"].back();
  EXPECT_EQ(last["action"], "undo");
  EXPECT_EQ(last["actor"], "alice");
  EXPECT_EQ(last["reason"], "wrong button");
  EXPECT_EQ(last["reasons"][0]["rule"], "undo");
  EXPECT_EQ(last["reasons"][0]["undone"], rejected);
  EXPECT_EQ(last["reasons"][0]["status"], "held");
  const json audit = server.call("GET", "/v1/audit?community=news&limit=1", "", 200);
  ASSERT_EQ(audit["entries"].size(), 1u);
  EXPECT_EQ(audit["entries"][0]["action"], "decision.undo");
  EXPECT_EQ(audit["entries"][0]["subject"], "c1");
  EXPECT_EQ(audit["entries"][0]["detail"]["from"], "rejected");
  EXPECT_EQ(audit["entries"][0]["detail"]["to"], "held");
  EXPECT_EQ(audit["entries"][0]["detail"]["undone"], rejected);

  // Nothing of a moderator's is left to take back: the policy's hold stays.
  const json nothing = server.undo("c1", {{"actor", "alice"}}, 409);
  EXPECT_EQ(nothing["error"]["status"], "ABORTED");
  EXPECT_NE(nothing["error"]["message"].get<std::string>().find("no moderator's decision"),
            std::string::npos);
}

TEST(ModerationUndo, SuccessiveUndosWalkBackThroughTheModeratorsDecisions) {
  UndoServer server;
  server.submit("c1", "you idiot");
  server.decide("c1", "reject", "alice");
  server.decide("c1", "approve", "alice");
  EXPECT_EQ(server.undo("c1", {{"actor", "alice"}}, 200)["status"], "rejected");
  EXPECT_EQ(server.undo("c1", {{"actor", "alice"}}, 200)["status"], "held");
  server.undo("c1", {{"actor", "alice"}}, 409);
  // And a decision after an undo is undone like any other.
  server.decide("c1", "approve", "alice");
  EXPECT_EQ(server.undo("c1", {{"actor", "alice"}}, 200)["status"], "held");
}

TEST(ModerationUndo, OnlyTheModeratorWhoDecidedUndoesAndEditsCannotBeUndone) {
  UndoServer server;
  server.submit("c1", "you idiot");
  server.decide("c1", "reject", "alice");
  const json other = server.undo("c1", {{"actor", "bob"}}, 409);
  EXPECT_NE(other["error"]["message"].get<std::string>().find("alice"), std::string::npos);
  EXPECT_EQ(server.status_of("c1"), "rejected");
  // The console's header names the actor, whatever the body says.
  const auto as_header = server.client->Post(("/v1/comments/c1:undo?key=" + server.key).c_str(),
                                             httplib::Headers{{"X-Comity-Actor", "bob"}},
                                             json{{"actor", "alice"}}.dump(), "application/json");
  ASSERT_TRUE(as_header);
  EXPECT_EQ(as_header->status, 409) << as_header->body;

  server.submit("c2", "you idiot again");
  server.decide("c2", "edit_approve", "alice");
  const json edit = server.undo("c2", {{"actor", "alice"}}, 409);
  EXPECT_NE(edit["error"]["message"].get<std::string>().find("edit"), std::string::npos);
  EXPECT_EQ(server.status_of("c2"), "approved");
}

TEST(ModerationUndo, BadRequestsGetClearErrors) {
  UndoServer server;
  server.submit("c1", "you idiot");
  server.decide("c1", "reject", "alice");
  // Unknown comment: 404 in the API's format.
  const json unknown = server.undo("nope", {{"actor", "alice"}}, 404);
  EXPECT_EQ(unknown["error"]["status"], "NOT_FOUND");
  EXPECT_NE(unknown["error"]["message"].get<std::string>().find("'nope'"), std::string::npos);
  // No actor, a wrongly typed one, a body that is not an object, wrong reason type.
  EXPECT_EQ(server.undo("c1", json::object(), 400)["error"]["status"], "INVALID_ARGUMENT");
  server.undo("c1", {{"actor", 7}}, 400);
  server.undo("c1", {{"actor", "alice"}, {"reason", json::array()}}, 400);
  server.call("POST", "/v1/comments/c1:undo", "[1, 2]", 400);
  server.call("POST", "/v1/comments/c1:undo", "{not json", 400);
  // Nothing was undone by any of them.
  EXPECT_EQ(server.status_of("c1"), "rejected");
  // A comment form's key cannot undo moderators' decisions.
  const std::string score = server.store->create_api_key("form", 0, ApiKeyScope::kScore).secret;
  const auto scoped = server.client->Post(("/v1/comments/c1:undo?key=" + score).c_str(),
                                          R"({"actor": "alice"})", "application/json");
  ASSERT_TRUE(scoped);
  EXPECT_EQ(scoped->status, 403);
}

TEST(ModerationUndo, TheUndoReachesWebhooksWithTheRestoredStatus) {
  UndoServer server;
  WebhookStore hooks(server.dir.path().string());
  const Webhook hook =
      hooks.add("http://127.0.0.1:9/hook", "a-secret-of-16-bytes-or-more", "news", true);
  server.submit("c1", "you idiot");
  server.decide("c1", "reject", "alice");
  server.undo("c1", {{"actor", "alice"}}, 200);
  // Walk the webhook's events as the dispatcher would, in decision order.
  Webhook cursor = hook;
  std::vector<json> events;
  while (const auto event = hooks.next_event(cursor)) {
    events.push_back(json::parse(event->json));
    cursor.cursor = event->decision_id;
  }
  ASSERT_EQ(events.size(), 3u);  // the policy's hold, the reject, the undo
  EXPECT_EQ(events[1]["decision"]["action"], "reject");
  EXPECT_EQ(events[1]["comment"]["status"], "rejected");
  EXPECT_EQ(events[2]["decision"]["action"], "undo");
  EXPECT_EQ(events[2]["decision"]["actor"], "alice");
  EXPECT_EQ(events[2]["comment"]["status"], "held");
}

}  // namespace
}  // namespace comity::server::testing
