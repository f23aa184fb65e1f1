// The moderation API against the input that used to break it: reply chains deeper
// than a stack, deep TOML keys, ids that do not fit the routes, NaN thresholds,
// actors named by the page; and what imports decide for already published comments.
#include <gtest/gtest.h>

#include <fstream>

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "comity/moderation.h"
#include "comity/moderation_store.h"
#include "server/scorer_analyzer.h"
#include "server_test_support.h"

namespace comity::server::testing {
namespace {

using nlohmann::json;

struct ModerationServer : RunningServer {
  explicit ModerationServer(
      std::shared_ptr<const Analyzer> analyzer = std::make_shared<FakeAnalyzer>(),
      ServerConfig config = {})
      : RunningServer(std::move(analyzer), 0, std::move(config), {}, /*with_moderation=*/true) {}
};

json comment_body(const std::string& thread, const json& id) {
  return {{"community", "news"},
          {"thread", {{"id", thread}}},
          {"comment", {{"id", id}, {"author", "ann"}, {"text", "hello there"}}}};
}

TEST(ModerationInputTest, AReplyChainDeeperThanAnyStackIsServedInTreeOrder) {
  ServerConfig config;
  config.max_body_bytes = 32u << 20;
  ModerationServer server(std::make_shared<FakeAnalyzer>(), config);
  // Importing and serving 150,000 comments takes minutes under the sanitizers.
  server.client->set_read_timeout(900, 0);
  constexpr int kDepth = 150000;
  std::string chain;
  chain.reserve(kDepth * 48);
  for (int i = 0; i < kDepth; ++i) {
    json line = {{"id", fmt::format("c{}", i)},
                 {"text", fmt::format("reply number {} in the chain", i)}};
    if (i > 0) line["parent"] = fmt::format("c{}", i - 1);
    chain += line.dump() + "\n";
  }
  const json imported =
      server.call("POST", "/v1/threads:import?community=news&thread=deep&format=jsonl", chain, 200);
  ASSERT_EQ(imported["imported"], kDepth);

  const json thread = server.call("GET", "/v1/threads/deep", "", 200);
  const json& comments = thread["comments"];
  ASSERT_EQ(comments.size(), static_cast<std::size_t>(kDepth));
  EXPECT_EQ(comments[0]["id"], "deep/c0");
  EXPECT_EQ(comments[0]["depth"], 0);
  EXPECT_EQ(comments[kDepth - 1]["id"], fmt::format("deep/c{}", kDepth - 1));
  EXPECT_EQ(comments[kDepth - 1]["depth"], kDepth - 1);
  EXPECT_EQ(comments[kDepth - 1]["parent"], fmt::format("deep/c{}", kDepth - 2));
  // The thread analysis of the same chain answers too.
  server.call("GET", "/v1/threads/deep/analysis", "", 200);
}

TEST(ModerationInputTest, ThreadListsCountHeldComments) {
  ModerationServer server;
  server.call("PUT", "/v1/policies/news", "default_action = \"hold\"\n", 200);
  server.call("POST", "/v1/comments", comment_body("t1", "a").dump(), 200);
  server.call("POST", "/v1/comments", comment_body("t1", "b").dump(), 200);
  server.call("POST", "/v1/queue/decisions",
              json{{"comment_id", "a"}, {"action", "approve"}, {"actor", "mod"}}.dump(), 200);
  const json list = server.call("GET", "/v1/threads?community=news", "", 200);
  ASSERT_EQ(list["threads"].size(), 1u);
  EXPECT_EQ(list["threads"][0]["comments"], 2);
  EXPECT_EQ(list["threads"][0]["held"], 1);
}

TEST(ModerationInputTest, PoliciesWithKeysNestedBeyondTheLimitAreRefusedNotParsed) {
  ModerationServer server;
  std::string dotted = "a";
  for (int i = 0; i < 100000; ++i) dotted += ".a";
  const std::string deep_key = dotted + " = 1\n";
  const std::string deep_header = "[" + dotted + "]\n";
  const std::string deep_inline = "x = {" + dotted + " = 1}\n";
  for (const std::string& policy : {deep_key, deep_header, deep_inline}) {
    const json put = server.call("PUT", "/v1/policies/news", policy, 400);
    EXPECT_EQ(put["error"]["status"], "INVALID_ARGUMENT");
    EXPECT_NE(put["error"]["message"].get<std::string>().find("nest deeper"), std::string::npos)
        << put.dump();
    server.call("POST", "/v1/policies/news:dry_run", policy, 400, "application/toml");
  }
  // The server is still there and the community still has the built-in policy.
  EXPECT_TRUE(server.call("GET", "/v1/policies/news", "", 200)["builtin"].get<bool>());
}

TEST(ModerationInputTest, ANanThresholdIsRefused) {
  ModerationServer server;
  const std::string policy =
      "[[threshold]]\nattribute = \"TOXICITY\"\nat_least = nan\naction = \"hold\"\n";
  const json put = server.call("PUT", "/v1/policies/news", policy, 400);
  EXPECT_NE(put["error"]["message"].get<std::string>().find("between 0 and 1"), std::string::npos)
      << put.dump();
  EXPECT_THROW(parse_policy(policy), PolicyError);
  EXPECT_THROW(parse_policy("[[threshold]]\nattribute = \"TOXICITY\"\nat_least = -nan\n"
                            "action = \"hold\"\n"),
               PolicyError);
}

TEST(ModerationInputTest, ThreadIdsThatRoutesCannotNameAreRefusedAtIntake) {
  ModerationServer server;
  for (const char* id : {"a/b", "a:b"}) {
    const json error = server.call("POST", "/v1/comments", comment_body(id, "c1").dump(), 400);
    EXPECT_EQ(error["error"]["status"], "INVALID_ARGUMENT");
    EXPECT_FALSE(server.moderation->find_thread(id));
  }
  // A plain id is accepted and the thread route finds it.
  server.call("POST", "/v1/comments", comment_body("story-1", "c1").dump(), 200);
  server.call("GET", "/v1/threads/story-1", "", 200);
}

TEST(ModerationInputTest, NumericIdsKeepTheirValueAboveInt64Max) {
  ModerationServer server;
  // 2^64 - 1 as JSON text: nlohmann holds it unsigned.
  const std::string body = R"({"community": "news", "thread": {"id": 18446744073709551615},
    "comment": {"id": 9223372036854775808, "author": "ann", "text": "hello"}})";
  const json reply = server.call("POST", "/v1/comments", body, 200);
  EXPECT_EQ(reply["comment_id"], "9223372036854775808");
  EXPECT_TRUE(server.moderation->find_thread("18446744073709551615"));
  const json negative = server.call(
      "POST", "/v1/comments",
      R"({"community": "news", "thread": {"id": 7}, "comment": {"id": -12, "text": "hi"}})", 200);
  EXPECT_EQ(negative["comment_id"], "-12");
}

TEST(ModerationInputTest, ImportedCommentsThePolicyWouldNudgeAreHeldForAModerator) {
  ModerationServer server;
  server.call("PUT", "/v1/policies/news", "default_action = \"nudge\"\n", 200);
  const std::string export_text =
      R"({"id": "p1", "author": "ann", "time": "2024-02-01T10:00:00Z", "text": "first"})"
      "\n"
      R"({"id": "p2", "author": "bob", "time": "2024-02-01T10:01:00Z", "text": "second"})"
      "\n";
  const json done = server.call("POST", "/v1/threads:import?community=news&thread=old&format=jsonl",
                                export_text, 200);
  EXPECT_EQ(done["actions"], json({{"hold", 2}})) << done.dump();
  const json queue = server.call("GET", "/v1/queue?community=news", "", 200);
  ASSERT_EQ(queue["comments"].size(), 2u);
  const json& why = queue["comments"][0]["why"];
  ASSERT_FALSE(why.empty());
  EXPECT_EQ(why.back()["rule"], "import");
  // A live comment under the same policy is still nudged: its author can rephrase.
  const json live = server.call("POST", "/v1/comments", comment_body("new", "n1").dump(), 200);
  EXPECT_EQ(live["decision"]["action"], "nudge");
}

TEST(ModerationInputTest, TheConsoleActorHeaderDecidesWhoActsForSingleAndListedDecisions) {
  ModerationServer server;
  server.call("PUT", "/v1/policies/news", "default_action = \"hold\"\n", 200);
  for (const char* id : {"a", "b", "c"}) {
    server.call("POST", "/v1/comments", comment_body("t1", id).dump(), 200);
  }
  const auto decide = [&](const json& body) {
    httplib::Headers headers = {{"X-Comity-Actor", "bob"}};
    const auto reply = server.client->Post(("/v1/queue/decisions?key=" + server.key).c_str(),
                                           headers, body.dump(), "application/json");
    ASSERT_TRUE(reply);
    EXPECT_EQ(reply->status, 200) << reply->body;
  };
  decide({{"comment_id", "a"}, {"action", "approve"}, {"actor", "alice"}});
  decide({{"decisions",
           {{{"comment_id", "b"}, {"action", "reject"}, {"actor", "alice"}},
            {{"comment_id", "c"}, {"action", "approve"}}}}});
  int decisions = 0;
  for (const AuditEntry& entry : server.moderation->audit_log("news", 50)) {
    if (entry.action.rfind("decision.", 0) != 0) continue;
    ++decisions;
    EXPECT_EQ(entry.actor, "bob") << entry.subject;
  }
  EXPECT_EQ(decisions, 3);
  // Without the header the body's actor is required and recorded.
  server.call("POST", "/v1/comments", comment_body("t1", "d").dump(), 200);
  server.call("POST", "/v1/queue/decisions",
              json{{"comment_id", "d"}, {"action", "approve"}}.dump(), 400);
  server.call("POST", "/v1/queue/decisions",
              json{{"comment_id", "d"}, {"action", "approve"}, {"actor", "carol"}}.dump(), 200);
  EXPECT_EQ(server.moderation->find_comment("d")->last_decision->actor, "carol");
}

TEST(ModerationInputTest, ACmsLooksUpOneCommentWithEveryDecision) {
  ModerationServer server;
  server.call("PUT", "/v1/policies/news", "default_action = \"hold\"\n", 200);
  server.call("POST", "/v1/comments", comment_body("t1", "c1").dump(), 200);
  server.call(
      "POST", "/v1/queue/decisions",
      json{{"comment_id", "c1"}, {"action", "reject"}, {"actor", "mod"}, {"reason", "spam"}}.dump(),
      200);
  const json c = server.call("GET", "/v1/comments/c1", "", 200);
  EXPECT_EQ(c["id"], "c1");
  EXPECT_EQ(c["community"], "news");
  EXPECT_EQ(c["status"], "rejected");
  EXPECT_TRUE(c["scores"].contains("TOXICITY"));
  ASSERT_EQ(c["decisions"].size(), 2u);
  EXPECT_EQ(c["decisions"][0]["actor"], "policy");
  EXPECT_EQ(c["decisions"][0]["action"], "hold");
  EXPECT_EQ(c["decisions"][1]["actor"], "mod");
  EXPECT_EQ(c["decisions"][1]["reason"], "spam");
  server.call("GET", "/v1/comments/missing", "", 404);
  // Imported ids carry the thread: thread/comment, with or without the slash encoded.
  server.call("POST", "/v1/threads:import?community=news&thread=old&format=jsonl",
              R"({"id": "p1", "text": "first"})"
              "\n",
              200);
  EXPECT_EQ(server.call("GET", "/v1/comments/old/p1", "", 200)["id"], "old/p1");
  EXPECT_EQ(server.call("GET", "/v1/comments/old%2Fp1", "", 200)["id"], "old/p1");
}

TEST(ModerationInputTest, TheQueueGivesContextFiltersSortsAndPages) {
  ModerationServer server;
  server.call("PUT", "/v1/policies/news", "default_action = \"hold\"\n", 200);
  const auto post = [&](const std::string& thread, const std::string& id, const std::string& author,
                        const std::string& text, const std::string& time,
                        const std::string& parent = "") {
    json body = {
        {"community", "news"},
        {"thread",
         {{"id", thread}, {"title", "Title " + thread}, {"url", "https://n.example/" + thread}}},
        {"comment", {{"id", id}, {"author", author}, {"text", text}, {"time", time}}}};
    if (!parent.empty()) body["comment"]["parent"] = parent;
    server.call("POST", "/v1/comments", body.dump(), 200);
  };
  post("a", "a1", "ann", "first words", "2026-05-01T10:00:00Z");
  post("a", "a2", "bob", "you idiot, 100% wrong", "2026-05-01T11:00:00Z", "a1");
  post("b", "b1", "bob", "another idiot take", "2026-05-02T09:00:00Z");
  post("b", "b2", "cat", "fine by me", "2026-05-03T09:00:00Z");
  server.call("POST", "/v1/queue/decisions",
              json{{"comment_id", "b2"}, {"action", "approve"}, {"actor", "mod"}}.dump(), 200);

  const json all = server.call("GET", "/v1/queue?community=news", "", 200);
  EXPECT_EQ(all["total"], 3);
  // Riskiest first: the two with "idiot", then the rest.
  ASSERT_EQ(all["comments"].size(), 3u);
  const json& reply = all["comments"][0]["id"] == "a2" ? all["comments"][0] : all["comments"][1];
  EXPECT_EQ(reply["id"], "a2");
  EXPECT_EQ(reply["created_at"], "2026-05-01T11:00:00Z");
  EXPECT_EQ(reply["article"]["title"], "Title a");
  EXPECT_EQ(reply["article"]["url"], "https://n.example/a");
  EXPECT_EQ(reply["parent_comment"]["id"], "a1");
  EXPECT_EQ(reply["parent_comment"]["author"], "ann");
  EXPECT_EQ(reply["parent_comment"]["text"], "first words");
  EXPECT_EQ(reply["author_history"]["comments"], 2);
  EXPECT_EQ(reply["author_history"]["held"], 2);
  EXPECT_EQ(reply["author_history"]["first_seen"], "2026-05-01T11:00:00Z");
  EXPECT_EQ(all["comments"][2]["id"], "a1");
  EXPECT_FALSE(all.contains("next_offset"));

  const auto ids = [&](const std::string& query) {
    const json page = server.call("GET", "/v1/queue?community=news&" + query, "", 200);
    std::vector<std::string> out;
    for (const json& c : page["comments"]) out.push_back(c["id"]);
    return out;
  };

  EXPECT_EQ(ids("sort=newest"), (std::vector<std::string>{"b1", "a2", "a1"}));
  EXPECT_EQ(ids("sort=oldest"), (std::vector<std::string>{"a1", "a2", "b1"}));
  EXPECT_EQ(ids("sort=oldest&thread=b"), (std::vector<std::string>{"b1"}));
  EXPECT_EQ(ids("sort=oldest&author=bob"), (std::vector<std::string>{"a2", "b1"}));
  EXPECT_EQ(ids("sort=oldest&q=IDIOT"), (std::vector<std::string>{"a2", "b1"}));
  EXPECT_EQ(ids("q=100%25"), (std::vector<std::string>{"a2"}))
      << "% is a character, not a wildcard";
  EXPECT_EQ(ids("q=_"), (std::vector<std::string>{}));
  EXPECT_EQ(ids("sort=oldest&since=2026-05-01T10:30:00Z&until=2026-05-02T12:00:00Z"),
            (std::vector<std::string>{"a2", "b1"}));
  EXPECT_EQ(ids("status=approved"), (std::vector<std::string>{"b2"}));
  EXPECT_EQ(ids("status=any&sort=oldest"), (std::vector<std::string>{"a1", "a2", "b1", "b2"}));
  // Pages: offset and next_offset walk the whole queue.
  const json first = server.call("GET", "/v1/queue?community=news&sort=oldest&limit=2", "", 200);
  EXPECT_EQ(first["comments"].size(), 2u);
  EXPECT_EQ(first["next_offset"], 2);
  EXPECT_EQ(ids("sort=oldest&limit=2&offset=2"), (std::vector<std::string>{"b1"}));
  for (const char* bad :
       {"status=maybe", "sort=loud", "offset=-1", "offset=x", "since=yesterday"}) {
    server.call("GET", std::string("/v1/queue?community=news&") + bad, "", 400);
  }
}

TEST(ModerationInputTest, TrustedAuthorsSkipTheQueueSuspendedAndBannedAreRejected) {
  ModerationServer server;
  server.call("PUT", "/v1/policies/news",
              "default_action = \"hold\"\n[deny]\naction = \"reject\"\nterms = [\"spamword\"]\n",
              200);
  const auto post = [&](const std::string& id, const std::string& author,
                        const std::string& text = "an ordinary comment") {
    return server.call("POST", "/v1/comments",
                       json{{"community", "news"},
                            {"thread", {{"id", "t1"}}},
                            {"comment", {{"id", id}, {"author", author}, {"text", text}}}}
                           .dump(),
                       200)["decision"];
  };
  const auto standing = [&](const std::string& author, const json& body, int status = 200) {
    return server.call("PUT", "/v1/authors/news/" + author, body.dump(), status,
                       "application/json");
  };
  EXPECT_EQ(post("c1", "trusty")["action"], "hold");
  const json trusted = standing("trusty", {{"standing", "trusted"}, {"reason", "staff writer"}});
  EXPECT_EQ(trusted["standing"]["standing"], "trusted");
  const json skipped = post("c2", "trusty");
  EXPECT_EQ(skipped["action"], "approve");
  EXPECT_EQ(skipped["reasons"].back()["rule"], "author:trusted");
  EXPECT_EQ(post("c3", "trusty", "buy spamword now")["action"], "reject")
      << "trust skips the queue, not the deny list";

  standing("troll", {{"standing", "suspended"}, {"hours", 24}, {"reason", "insults"}});
  const json suspended = post("c4", "troll");
  EXPECT_EQ(suspended["action"], "reject");
  EXPECT_EQ(suspended["reasons"][0]["rule"], "author:suspended");
  EXPECT_NE(suspended["reasons"][0]["detail"].get<std::string>().find("insults"),
            std::string::npos);
  standing("spammer", {{"standing", "banned"}});
  EXPECT_EQ(post("c5", "spammer")["action"], "reject");
  // Imports follow the same standing.
  const json imported =
      server.call("POST", "/v1/threads:import?community=news&thread=old&format=jsonl",
                  R"({"id": "p1", "author": "spammer", "text": "old comment"})"
                  "\n"
                  R"({"id": "p2", "author": "trusty", "text": "old comment too"})"
                  "\n",
                  200);
  EXPECT_EQ(imported["actions"], json({{"approve", 1}, {"reject", 1}})) << imported.dump();

  // The record, the queue's view of it, clearing, and refusals.
  const json record = server.call("GET", "/v1/authors/news/troll", "", 200);
  EXPECT_EQ(record["standing"]["standing"], "suspended");
  EXPECT_FALSE(record["standing"]["until"].is_null());
  EXPECT_EQ(record["rejected"], 1);
  const auto cleared = server.client->Delete(("/v1/authors/news/troll?key=" + server.key).c_str());
  ASSERT_TRUE(cleared);
  EXPECT_EQ(cleared->status, 200);
  EXPECT_EQ(post("c6", "troll")["action"], "hold");
  const json queue =
      server.call("GET", "/v1/queue?community=news&author=trusty&status=any", "", 200);
  EXPECT_EQ(queue["comments"][0]["author_history"]["standing"]["standing"], "trusted");
  standing("x", {{"standing", "suspended"}}, 400);  // a suspension needs an end
  standing("x", {{"standing", "king"}}, 400);
  standing("x", {{"standing", "banned"}, {"until", "2001-01-01T00:00:00Z"}}, 400);
  standing("x", {{"standing", "banned"}, {"hours", -3}}, 400);
  int audited = 0;
  for (const AuditEntry& e : server.moderation->audit_log("news", 100)) {
    audited += e.action.rfind("author.", 0) == 0;
  }
  EXPECT_EQ(audited, 4);
}

TEST(ModerationInputTest, ReadersReportsFormTheirOwnQueueUntilAModeratorDecides) {
  ModerationServer server;
  for (const char* id : {"r1", "r2", "r3"}) {
    server.call("POST", "/v1/comments", comment_body("t1", id).dump(), 200);
  }
  const auto report = [&](const std::string& id, const std::string& reporter,
                          const std::string& reason, int status = 200) {
    return server.call("POST", "/v1/comments/" + id + ":report",
                       json{{"reporter", reporter}, {"reason", reason}}.dump(), status);
  };
  EXPECT_EQ(report("r1", "reader-1", "abuse")["open_reports"], 1);
  EXPECT_EQ(report("r1", "reader-2", "abuse")["open_reports"], 2);
  const json again = report("r1", "reader-2", "spam");
  EXPECT_FALSE(again["added"].get<bool>()) << "a reader reports a comment once";
  EXPECT_EQ(again["open_reports"], 2);
  report("r1", "reader-3", "spam");
  report("r2", "reader-1", "spam");
  report("missing", "reader-1", "spam", 404);
  report("r2", "reader-9", "", 400);

  const json queue = server.call("GET", "/v1/reports?community=news", "", 200);
  EXPECT_EQ(queue["total"], 2);
  ASSERT_EQ(queue["comments"].size(), 2u);
  EXPECT_EQ(queue["comments"][0]["id"], "r1");
  EXPECT_EQ(queue["comments"][0]["reports"]["open"], 3);
  EXPECT_EQ(queue["comments"][0]["reports"]["reasons"], json({{"abuse", 2}, {"spam", 1}}));
  EXPECT_EQ(queue["comments"][0]["status"], "approved");

  // A moderator's decision answers the comment's reports; new ones open it again.
  server.call("POST", "/v1/queue/decisions",
              json{{"comment_id", "r1"}, {"action", "reject"}, {"actor", "mod"}}.dump(), 200);
  const json after = server.call("GET", "/v1/reports?community=news", "", 200);
  ASSERT_EQ(after["comments"].size(), 1u);
  EXPECT_EQ(after["comments"][0]["id"], "r2");
  EXPECT_EQ(report("r1", "reader-4", "abuse")["open_reports"], 1);
}

TEST(ModerationInputTest, ModelsReportTheEvaluationWrittenBesideThem) {
  TempDir dir;
  const std::string model = write_tiny_model(dir.path(), "tiny-eval-1");
  std::filesystem::path eval(model);
  eval.replace_extension(".eval.json");
  {
    std::ofstream out(eval);
    out << R"({"model": {"version": "tiny-eval-1"}, "suites": {"heldout": {"attribute": "TOXICITY",
           "n": 10, "roc_auc": 0.75, "failures": [{"text": "x"}]}}})";
  }
  {
    ModerationServer server(load_model_analyzer(model));
    const json models = server.call("GET", "/v1/models", "", 200);
    const json& quality = models["models"][0]["quality"];
    EXPECT_EQ(quality["suites"]["heldout"]["roc_auc"], 0.75) << models.dump();
    EXPECT_EQ(quality["suites"]["heldout"]["n"], 10);
    EXPECT_FALSE(quality["suites"]["heldout"].contains("failures"));
  }
  // An evaluation of another version is not this model's quality.
  {
    std::ofstream out(eval);
    out << R"({"model": {"version": "tiny-eval-0"}, "suites": {"heldout": {"roc_auc": 0.9}}})";
  }
  ModerationServer server(load_model_analyzer(model));
  const json models = server.call("GET", "/v1/models", "", 200);
  EXPECT_EQ(models["models"][0]["quality"], json::object()) << models.dump();
}

}  // namespace
}  // namespace comity::server::testing
