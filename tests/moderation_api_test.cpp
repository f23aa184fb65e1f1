// The moderation API over real HTTP: intake with a real (tiny) model, the queue,
// bulk decisions with audit and feedback rows, policies, dry runs, threads.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "comity/features.h"
#include "comity/model.h"
#include "comity/moderation_store.h"
#include "comity/text.h"
#include "moderation/comment_intake.h"
#include "moderation/moderation_routes.h"
#include "server/scorer_analyzer.h"
#include "server_test_support.h"

namespace comity::server::testing {
namespace {

using nlohmann::json;

// Every feature of "idiot" pushes TOXICITY and INSULT up; everything else scores low.
std::string write_idiot_model(const std::filesystem::path& dir) {
  return write_tiny_model(dir, "tiny-mod-1");
}

struct ModerationServer : RunningServer {
  explicit ModerationServer(std::shared_ptr<const Analyzer> analyzer)
      : RunningServer(std::move(analyzer), 0, {}, {}, /*with_moderation=*/true) {}

  json submit(const std::string& id, const std::string& text, const std::string& author = "ann",
              const std::string& time = "2026-05-01T10:00:00Z", const std::string& parent = "",
              int expected_status = 200) {
    json body = {{"community", "news"},
                 {"thread", {{"id", "t1"}, {"url", "https://example.org/a"}, {"title", "A"}}},
                 {"comment", {{"id", id}, {"author", author}, {"time", time}, {"text", text}}}};
    if (!parent.empty()) body["comment"]["parent"] = parent;
    return call("POST", "/v1/comments", body.dump(), expected_status);
  }
};

TEST(ModerationApiTest, SubmitScoresStoresAndDecidesWithARealModel) {
  TempDir models;
  ModerationServer server(load_model_analyzer(write_idiot_model(models.path())));
  server.call("PUT", "/v1/policies/news", kHoldToxicPolicy, 200);

  const json toxic = server.submit("c1", "you idiot");
  EXPECT_EQ(toxic["comment_id"], "c1");
  EXPECT_EQ(toxic["model"], "tiny-mod-1");
  EXPECT_GT(toxic["scores"]["TOXICITY"].get<double>(), 0.5);
  EXPECT_EQ(toxic["decision"]["action"], "hold");
  EXPECT_EQ(toxic["decision"]["policy_version"], 1);
  ASSERT_EQ(toxic["decision"]["reasons"].size(), 1u);
  EXPECT_EQ(toxic["decision"]["reasons"][0]["rule"], "threshold:toxic");
  bool idiot = false;
  for (const json& h : toxic["highlights"])
    idiot |= h["text"].get<std::string>().find("idiot") != std::string::npos;
  EXPECT_TRUE(idiot) << toxic.dump();

  const json fine = server.submit("c2", "thanks for the article", "bob");
  EXPECT_LT(fine["scores"]["TOXICITY"].get<double>(), 0.5);
  EXPECT_EQ(fine["decision"]["action"], "approve");
  EXPECT_EQ(server.submit("c3", "what the f*ck", "bob")["decision"]["action"], "reject");

  // Stored with its status and scores; the same id twice is a conflict.
  const auto stored = server.moderation->find_comment("c1");
  ASSERT_TRUE(stored);
  EXPECT_EQ(stored->comment.status, CommentStatus::kHeld);
  EXPECT_EQ(stored->comment.text, "you idiot");
  EXPECT_EQ(stored->comment.created_at, "2026-05-01T10:00:00Z");
  server.submit("c1", "again", "ann", "2026-05-01T10:00:00Z", "", 409);

  // doNotStore: scored and decided, stored without text or highlights.
  const json secret =
      server.call("POST", "/v1/comments",
                  json{{"community", "news"},
                       {"doNotStore", true},
                       {"thread", {{"id", "t1"}}},
                       {"comment", {{"id", "c4"}, {"author", "eve"}, {"text", "you idiot"}}}}
                      .dump(),
                  200);
  EXPECT_EQ(secret["decision"]["action"], "hold");
  EXPECT_FALSE(secret["highlights"].empty());
  const auto hidden = server.moderation->find_comment("c4");
  ASSERT_TRUE(hidden);
  EXPECT_FALSE(hidden->comment.text);
  EXPECT_EQ(hidden->scores->highlights_json, "[]");

  const json bad = server.call("POST", "/v1/comments", R"({"community":"news"})", 400);
  EXPECT_EQ(bad["error"]["status"], "INVALID_ARGUMENT");
  server.submit("c9", "hello", "ann", "last tuesday", "", 400);
}

TEST(ModerationApiTest, RateLimitHoldsTheAuthorsExtraComments) {
  ModerationServer server(std::make_shared<FakeAnalyzer>());
  server.call("PUT", "/v1/policies/news", "[rate_limit]\nmax_comments = 2\nwindow_seconds = 60\n",
              200);
  EXPECT_EQ(server.submit("a1", "one", "ann", "2026-05-01T10:00:00Z")["decision"]["action"],
            "approve");
  EXPECT_EQ(server.submit("a2", "two", "ann", "2026-05-01T10:00:10Z")["decision"]["action"],
            "approve");
  const json third = server.submit("a3", "three", "ann", "2026-05-01T10:00:20Z");
  EXPECT_EQ(third["decision"]["action"], "hold");
  EXPECT_EQ(third["decision"]["reasons"][0]["rule"], "rate_limit");
  EXPECT_EQ(
      server.submit("b1", "other author", "bob", "2026-05-01T10:00:30Z")["decision"]["action"],
      "approve");
  // The window has passed.
  EXPECT_EQ(server.submit("a4", "four", "ann", "2026-05-01T10:05:00Z")["decision"]["action"],
            "approve");
}

TEST(ModerationApiTest, QueueIsOrderedByRiskAndBulkDecisionsLeaveAuditAndFeedback) {
  ModerationServer server(std::make_shared<FakeAnalyzer>());
  // FakeAnalyzer: "idiot" scores 0.9 TOXICITY, everything else 0.1.
  server.call("PUT", "/v1/policies/news",
              "[[threshold]]\nattribute = \"TOXICITY\"\nat_least = 0.05\naction = \"hold\"\n", 200);
  server.submit("low", "a calm remark");
  server.submit("high", "you idiot");
  server.submit("mid", "another calm one");
  const json queue = server.call("GET", "/v1/queue?community=news", "", 200);
  ASSERT_EQ(queue["comments"].size(), 3u);
  EXPECT_EQ(queue["comments"][0]["id"], "high");
  EXPECT_GE(queue["comments"][0]["risk"].get<double>(), queue["comments"][1]["risk"].get<double>());
  EXPECT_EQ(queue["comments"][0]["why"][0]["rule"].get<std::string>().rfind("threshold:", 0), 0u);
  EXPECT_EQ(server.call("GET", "/v1/queue?community=news&limit=1", "", 200)["comments"].size(), 1u);

  const std::int64_t feedback_before = server.store->count_feedback();
  // A bad entry anywhere applies nothing.
  server.call("POST", "/v1/queue/decisions",
              json{{"decisions",
                    {{{"comment_id", "high"}, {"action", "reject"}, {"actor", "mod"}},
                     {{"comment_id", "nope"}, {"action", "approve"}, {"actor", "mod"}}}}}
                  .dump(),
              404);
  EXPECT_EQ(server.moderation->find_comment("high")->comment.status, CommentStatus::kHeld);

  const json decided = server.call(
      "POST", "/v1/queue/decisions",
      json{{"decisions",
            {{{"comment_id", "high"}, {"action", "reject"}, {"actor", "mod"}, {"reason", "insult"}},
             {{"comment_id", "low"}, {"action", "approve"}, {"actor", "mod"}},
             {{"comment_id", "mid"},
              {"action", "edit_approve"},
              {"text", "an edited calm one"},
              {"actor", "mod"}}}}}
          .dump(),
      200);
  ASSERT_EQ(decided["results"].size(), 3u);
  EXPECT_EQ(decided["results"][0]["status"], "rejected");
  EXPECT_TRUE(server.call("GET", "/v1/queue?community=news", "", 200)["comments"].empty());
  EXPECT_EQ(server.moderation->find_comment("mid")->comment.text, "an edited calm one");

  // A single decision without the list wrapper.
  server.call("POST", "/v1/queue/decisions",
              json{{"comment_id", "low"}, {"action", "reject"}, {"actor", "lead"}}.dump(), 200);

  EXPECT_EQ(server.store->count_feedback(), feedback_before + 4);
  std::map<std::string, double> toxicity_by_token;
  server.store->for_each_feedback([&](const FeedbackRecord& record) {
    EXPECT_EQ(record.source, "moderation");
    toxicity_by_token[record.client_token] = record.attribute_values.at("TOXICITY");
  });
  EXPECT_EQ(toxicity_by_token["high"], 1.0);
  EXPECT_EQ(toxicity_by_token["mid"], 0.0);
  EXPECT_EQ(toxicity_by_token["low"], 1.0);  // the later decision

  const json audit = server.call("GET", "/v1/audit?community=news", "", 200);
  int decisions = 0;
  for (const json& entry : audit["entries"]) {
    if (entry["action"].get<std::string>().rfind("decision.", 0) == 0) ++decisions;
  }
  EXPECT_EQ(decisions, 4);
  EXPECT_EQ(audit["entries"][0]["actor"], "lead");  // newest first

  const json dashboard = server.call("GET", "/v1/dashboard?community=news", "", 200);
  ASSERT_EQ(dashboard["days"].size(), 1u);
  EXPECT_EQ(dashboard["days"][0]["day"], "2026-05-01");
  EXPECT_EQ(dashboard["days"][0]["comments"], 3);
  EXPECT_NEAR(dashboard["days"][0]["mean_toxicity"].get<double>(), (0.9 + 0.1 + 0.1) / 3, 1e-3);
  EXPECT_EQ(dashboard["statuses"]["rejected"], 2);
  // Actions taken: the policy held all three, moderators made four decisions today.
  std::map<std::string, std::int64_t> by_policy, by_moderators;
  for (const json& row : dashboard["actions"]) {
    (row["by"] == "policy" ? by_policy : by_moderators)[row["action"]] += row["count"].get<int>();
  }
  EXPECT_EQ(by_policy, (std::map<std::string, std::int64_t>{{"hold", 3}}));
  EXPECT_EQ(by_moderators, (std::map<std::string, std::int64_t>{
                               {"approve", 1}, {"edit_approve", 1}, {"reject", 2}}));
}

TEST(ModerationApiTest, PoliciesAreVersionedValidatedAndDryRunOnHistory) {
  ModerationServer server(std::make_shared<FakeAnalyzer>());
  const json builtin = server.call("GET", "/v1/policies/news", "", 200);
  EXPECT_TRUE(builtin["builtin"].get<bool>());
  EXPECT_EQ(builtin["version"], 0);

  const json error = server.call("PUT", "/v1/policies/news",
                                 "name = \"x\"\n[[threshold]]\nattribute = \"TOXIC\"\n", 400);
  EXPECT_EQ(error["error"]["details"][0]["fieldViolations"][0]["field"], "line 3");
  EXPECT_NE(error["error"]["message"].get<std::string>().find("line 3"), std::string::npos);

  server.call("PUT", "/v1/policies/news", "name = \"lenient\"\n", 200);
  server.submit("c1", "you idiot");
  server.submit("c2", "fine words", "bob");
  server.submit("c3", "idiot idiot", "cat");
  server.submit("c4", "more fine words", "dan");
  const json current = server.call("GET", "/v1/policies/news", "", 200);
  EXPECT_EQ(current["version"], 1);
  EXPECT_EQ(current["toml"], "name = \"lenient\"\n");

  const json dry = server.call("POST", "/v1/policies/news:dry_run",
                               "[[threshold]]\nname = \"strict\"\nattribute = \"INSULT\"\nat_least "
                               "= 0.5\naction = \"hold\"\n",
                               200);
  EXPECT_EQ(dry["comments"], 4);
  EXPECT_EQ(dry["before"]["approve"], 4);
  EXPECT_EQ(dry["after"]["approve"], 2);
  EXPECT_EQ(dry["after"]["hold"], 2);
  EXPECT_EQ(dry["changed"], 2);
  ASSERT_EQ(dry["examples"].size(), 2u);
  EXPECT_EQ(dry["examples"][0]["comment_id"], "c1");
  EXPECT_EQ(dry["examples"][0]["after"], "hold");
  EXPECT_EQ(dry["examples"][0]["reasons"][0]["rule"], "threshold:strict");
  // A dry run changes nothing.
  EXPECT_EQ(server.call("GET", "/v1/policies/news", "", 200)["version"], 1);
  server.call("POST", "/v1/policies/news/dry-run", "broken = = toml", 400);
}

TEST(ModerationApiTest, ThreadsListCommentsInTreeOrderWithDepth) {
  ModerationServer server(std::make_shared<FakeAnalyzer>());
  server.submit("root", "first", "ann", "2026-05-01T10:00:00Z");
  server.submit("other", "second top-level", "bob", "2026-05-01T10:01:00Z");
  server.submit("reply", "a reply", "cat", "2026-05-01T10:02:00Z", "root");
  server.submit("deeper", "a reply to the reply", "dan", "2026-05-01T10:03:00Z", "reply");
  const json list = server.call("GET", "/v1/threads?community=news", "", 200);
  ASSERT_EQ(list["threads"].size(), 1u);
  EXPECT_EQ(list["threads"][0]["id"], "t1");
  EXPECT_EQ(list["threads"][0]["comments"], 4);

  const json thread = server.call("GET", "/v1/threads/t1", "", 200);
  EXPECT_EQ(thread["thread"]["url"], "https://example.org/a");
  const json& comments = thread["comments"];
  ASSERT_EQ(comments.size(), 4u);
  EXPECT_EQ(comments[0]["id"], "root");
  EXPECT_EQ(comments[0]["depth"], 0);
  EXPECT_EQ(comments[1]["id"], "reply");
  EXPECT_EQ(comments[1]["depth"], 1);
  EXPECT_EQ(comments[1]["parent"], "root");
  EXPECT_EQ(comments[2]["id"], "deeper");
  EXPECT_EQ(comments[2]["depth"], 2);
  EXPECT_EQ(comments[3]["id"], "other");
  EXPECT_EQ(comments[3]["status"], "approved");
  EXPECT_TRUE(comments[3]["scores"].contains("TOXICITY"));
  server.call("GET", "/v1/threads/missing", "", 404);
}

TEST(ModerationApiTest, RoutesNeedAnApiKey) {
  ModerationServer server(std::make_shared<FakeAnalyzer>());
  auto reply = server.client->Get("/v1/queue?community=news");
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->status, 403);
  EXPECT_NE(reply->body.find("error"), std::string::npos);
  // Extension routes match the whole path and the method; the rest is Google's 404.
  const std::string key = "?key=" + server.key;
  EXPECT_EQ(server.client->Delete(("/v1/queue" + key).c_str())->status, 404);
  EXPECT_EQ(server.client->Get(("/v1/queue/extra" + key).c_str())->status, 404);
  EXPECT_EQ(server.client->Get(("/v1/queue" + key + "&community=news&limit=-1").c_str())->status,
            400);
  const auto head = server.client->Head(("/v1/queue" + key + "&community=news").c_str());
  ASSERT_TRUE(head);
  EXPECT_EQ(head->status, 200);
}

}  // namespace
}  // namespace comity::server::testing

namespace comity::server::testing {
namespace {

TEST(ModerationApiTest, ImportsAnExportedThreadThroughThePolicy) {
  ModerationServer server(std::make_shared<FakeAnalyzer>());
  std::ifstream in(std::string(COMITY_SOURCE_DIR) + "/tests/fixtures/threads/library.jsonl");
  ASSERT_TRUE(in);
  std::stringstream content;
  content << in.rdbuf();
  const std::string path = "/v1/threads:import?community=town&thread=library&format=jsonl";
  const json first = server.call("POST", path, content.str(), 200);
  const std::int64_t imported = first["imported"].get<std::int64_t>();
  EXPECT_GT(imported, 3);
  std::int64_t decided = 0;
  for (const auto& [action, count] : first["actions"].items()) decided += count.get<std::int64_t>();
  EXPECT_EQ(decided, imported);

  const json thread = server.call("GET", "/v1/threads/library", "", 200);
  EXPECT_EQ(thread["thread"]["url"], "https://town.example.net/library-hours");
  ASSERT_EQ(static_cast<std::int64_t>(thread["comments"].size()), imported);
  EXPECT_EQ(thread["comments"][0]["id"], "library/c1");
  EXPECT_EQ(thread["comments"][1]["parent"], "library/c1");
  EXPECT_EQ(thread["comments"][1]["depth"], 1);

  // Importing again stores nothing twice.
  const json again = server.call("POST", path, content.str(), 200);
  EXPECT_EQ(again["imported"], 0);
  EXPECT_EQ(again["skipped"].get<std::int64_t>(), first["skipped"].get<std::int64_t>() + imported);
  server.call("POST", "/v1/threads:import?community=town&thread=x&format=wxr", "not xml", 400);
  server.call("POST", "/v1/threads:import?community=town", content.str(), 400);
}

TEST(ModerationApiTest, ImportIsOneTransactionWithDryRunAndRateLimitsAcrossTheExport) {
  ModerationServer server(std::make_shared<FakeAnalyzer>());
  server.call("PUT", "/v1/policies/town", "[rate_limit]\nmax_comments = 2\nwindow_seconds = 60\n",
              200);
  std::string export_text = R"({"article": {"url": "https://town.example.net/a", "title": "Bins"}})"
                            "\n";
  for (int i = 1; i <= 4; ++i) {
    export_text += json{{"id", "p" + std::to_string(i)},
                        {"author", "ann"},
                        {"time", "2024-02-01T10:00:" + std::to_string(10 + i) + "Z"},
                        {"text", "bin day comment " + std::to_string(i)}}
                       .dump() +
                   "\n";
  }
  const std::string path = "/v1/threads:import?community=town&thread=bins&format=jsonl";

  // A dry run decides like the real import and stores nothing.
  const json dry = server.call("POST", path + "&dryRun=true", export_text, 200);
  EXPECT_TRUE(dry["dry_run"].get<bool>());
  EXPECT_EQ(dry["imported"], 4);
  // The rate limit counts the export's own earlier comments: the third and fourth are held.
  EXPECT_EQ(dry["actions"]["approve"], 2);
  EXPECT_EQ(dry["actions"]["hold"], 2);
  EXPECT_FALSE(server.moderation->find_thread("bins"));
  EXPECT_TRUE(server.moderation->audit_log("town", 10).front().action == "policy.update");

  // A malformed line names its place and stores nothing, not even the lines before it.
  const std::string broken = export_text + "{\"id\": \"p5\", \"text\": \n";
  const json error = server.call("POST", path, broken, 400);
  EXPECT_EQ(error["error"]["status"], "INVALID_ARGUMENT");
  const std::string field =
      error["error"]["details"][0]["fieldViolations"][0]["field"].get<std::string>();
  EXPECT_NE(field.find("body:6"), std::string::npos) << error.dump();
  EXPECT_FALSE(server.moderation->find_thread("bins"));
  EXPECT_FALSE(server.moderation->find_comment("bins/p1"));

  const json done = server.call("POST", path, export_text, 200);
  EXPECT_FALSE(done["dry_run"].get<bool>());
  EXPECT_EQ(done["actions"], dry["actions"]);
  EXPECT_EQ(server.moderation->find_comment("bins/p3")->comment.status, CommentStatus::kHeld);
  const auto audit = server.moderation->audit_log("town", 1);
  ASSERT_EQ(audit.size(), 1u);
  EXPECT_EQ(audit[0].action, "thread.import");
  EXPECT_EQ(json::parse(audit[0].detail_json)["imported"], 4);

  // Communities for the console's picker, with their counts.
  const json communities = server.call("GET", "/v1/communities", "", 200);
  ASSERT_EQ(communities["communities"].size(), 1u);
  EXPECT_EQ(communities["communities"][0]["id"], "town");
  EXPECT_EQ(communities["communities"][0]["threads"], 1);
  EXPECT_EQ(communities["communities"][0]["comments"], 4);
  EXPECT_EQ(communities["communities"][0]["held"], 2);
}

TEST(ModerationApiTest, ANudgedCommentCanBeRephrasedAndSentAgainUnderItsId) {
  ModerationServer server(std::make_shared<FakeAnalyzer>());
  server.call(
      "PUT", "/v1/policies/news",
      "[[threshold]]\nattribute = \"TOXICITY\"\nat_least = 0.5\naction = \"nudge\"\n"
      "reason = \"Please rephrase.\"\n[rate_limit]\nmax_comments = 1\nwindow_seconds = 600\n",
      200);
  const json nudged = server.submit("c1", "you idiot", "ann", "2026-05-01T10:00:00Z");
  EXPECT_EQ(nudged["decision"]["action"], "nudge");
  EXPECT_EQ(nudged["status"], "nudged");
  // Someone else cannot take over the draft, and a different text is not a new id.
  server.submit("c1", "hello", "bob", "2026-05-01T10:00:30Z", "", 409);

  // The author rephrases within a minute: decided afresh, and the draft does not
  // count against the rate limit of one comment per ten minutes.
  const json again = server.submit("c1", "I think you are wrong", "ann", "2026-05-01T10:01:00Z");
  EXPECT_EQ(again["decision"]["action"], "approve") << again.dump();
  const auto stored = server.moderation->find_comment("c1");
  ASSERT_TRUE(stored);
  EXPECT_EQ(stored->comment.status, CommentStatus::kApproved);
  EXPECT_EQ(stored->comment.text, "I think you are wrong");
  EXPECT_EQ(stored->comment.created_at, "2026-05-01T10:01:00Z");
  EXPECT_LT(stored->comment.risk, 0.5);
  EXPECT_EQ(server.call("GET", "/v1/threads/t1", "", 200)["comments"].size(), 1u);
  const auto audit = server.moderation->audit_log("news", 1);
  ASSERT_EQ(audit.size(), 1u);
  EXPECT_EQ(audit[0].action, "comment.approve");
  EXPECT_NE(audit[0].detail_json.find("resubmitted_after"), std::string::npos);

  // Published now: the id is taken for good.
  server.submit("c1", "one more", "ann", "2026-05-01T10:02:00Z", "", 409);
}

TEST(ModerationApiTest, ASiteExportImportsEveryThreadUnderAPrefix) {
  ModerationServer server(std::make_shared<FakeAnalyzer>());
  std::ifstream in(std::string(COMITY_SOURCE_DIR) + "/tests/fixtures/threads/forum.disqus.xml");
  std::stringstream content;
  content << in.rdbuf();
  const json done =
      server.call("POST", "/v1/threads:import?community=forum&prefix=site", content.str(), 200);
  ASSERT_EQ(done["threads"].size(), 2u) << done.dump();
  EXPECT_EQ(done["threads"][0]["thread_id"], "site-9001");
  EXPECT_EQ(done["threads"][1]["thread_id"], "site-9002");
  EXPECT_EQ(done["imported"], 5);
  EXPECT_FALSE(done.contains("thread_id"));
  EXPECT_EQ(server.call("GET", "/v1/threads/site-9002", "", 200)["comments"].size(), 1u);
  // With `thread`, one thread as before (the busiest), listed in `threads` too.
  const json one =
      server.call("POST", "/v1/threads:import?community=forum&thread=one", content.str(), 200);
  EXPECT_EQ(one["thread_id"], "one");
  ASSERT_EQ(one["threads"].size(), 1u);
  EXPECT_EQ(one["imported"], 4);
  server.call("POST", "/v1/threads:import?community=forum&thread=a&prefix=b", content.str(), 400);
}

TEST(ModerationApiTest, ParsedPoliciesAreReusedUntilANewVersionGoesLive) {
  ModerationServer server(std::make_shared<FakeAnalyzer>());
  PolicyCache cache;
  const auto builtin = load_active_policy(*server.moderation, "news", &cache);
  EXPECT_EQ(builtin->version, 0);
  EXPECT_EQ(load_active_policy(*server.moderation, "news", &cache), builtin);  // not re-parsed

  server.call("PUT", "/v1/policies/news", "default_action = \"hold\"\n", 200);
  const auto v1 = load_active_policy(*server.moderation, "news", &cache);
  EXPECT_EQ(v1->version, 1);
  EXPECT_EQ(v1->policy.default_action, ModerationAction::kHold);
  EXPECT_EQ(load_active_policy(*server.moderation, "news", &cache), v1);

  // Through the API: each comment is decided by the version live when it arrives.
  EXPECT_EQ(server.submit("a", "hello there")["decision"]["policy_version"], 1);
  EXPECT_EQ(server.submit("a2", "hello again")["status"], "held");
  server.call("PUT", "/v1/policies/news", "default_action = \"approve\"\n", 200);
  const json later = server.submit("b", "hello there");
  EXPECT_EQ(later["decision"]["policy_version"], 2);
  EXPECT_EQ(later["status"], "approved");
}

TEST(ModerationApiTest, EditAndApproveRescoresSoHighlightsMatchTheNewText) {
  TempDir models;
  ModerationServer server(load_model_analyzer(write_idiot_model(models.path())));
  server.call("PUT", "/v1/policies/news", kHoldToxicPolicy, 200);
  EXPECT_EQ(server.submit("c1", "you idiot")["decision"]["action"], "hold");
  const auto before = server.moderation->find_comment("c1");
  ASSERT_TRUE(before && before->scores);
  EXPECT_NE(before->scores->highlights_json, "[]");

  server.call("POST", "/v1/queue/decisions",
              json{{"comment_id", "c1"},
                   {"action", "edit_approve"},
                   {"text", "you are mistaken"},
                   {"actor", "mod"}}
                  .dump(),
              200);
  const json thread = server.call("GET", "/v1/threads/t1", "", 200);
  const json& edited = thread["comments"][0];
  EXPECT_EQ(edited["text"], "you are mistaken");
  EXPECT_EQ(edited["status"], "approved");
  // The stored spans are the new text's (the tiny model's span head marks any word).
  for (const json& span : edited["highlights"]) {
    const std::string word = span["text"];
    EXPECT_EQ(std::string("you are mistaken")
                  .substr(span["begin"].get<std::size_t>(),
                          span["end"].get<std::size_t>() - span["begin"].get<std::size_t>()),
              word);
    EXPECT_EQ(word.find("idiot"), std::string::npos);
  }
  EXPECT_LT(edited["scores"]["TOXICITY"].get<double>(), 0.5);
  EXPECT_LT(edited["risk"].get<double>(), before->comment.risk);

  // An edit longer than a comment may be is refused like one.
  const json too_long = server.call("POST", "/v1/queue/decisions",
                                    json{{"comment_id", "c1"},
                                         {"action", "edit_approve"},
                                         {"text", std::string(30000, 'a')},
                                         {"actor", "mod"}}
                                        .dump(),
                                    400);
  EXPECT_EQ(too_long["error"]["status"], "INVALID_ARGUMENT");
}

}  // namespace
}  // namespace comity::server::testing
