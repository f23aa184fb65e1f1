// The SQLite moderation store: ingest, queue order, decisions, policy versions,
// and the audit log's refusal to change.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <filesystem>

#include "comity/moderation_store.h"
#include "server_test_support.h"

namespace comity {
namespace {

using server::testing::TempDir;

void ingest(ModerationStore& store, const std::string& id, const std::string& author,
            std::int64_t unix, float toxicity, const std::string& status) {
  ThreadRecord thread{"t1", "news", "https://example.org/a", "A", "", ""};
  CommentRecord comment;
  comment.id = id;
  comment.community = "news";
  comment.thread = "t1";
  comment.author = author;
  comment.created_unix = unix;
  comment.created_at = format_rfc3339(unix);
  comment.text = "text of " + id;
  comment.status = *parse_status(status);
  comment.risk = toxicity;
  CommentScores scores;
  scores.model_version = "m1";
  scores.scores[index_of(Attribute::kToxicity)] = toxicity;
  DecisionRecord decision;
  decision.comment_id = id;
  decision.action = "hold";
  decision.actor = "policy";
  store.ingest({{thread,
                 {{comment, scores, decision, {0, "", "news", "policy", "ingest", id}}},
                 std::nullopt}});
}

int exec(const std::filesystem::path& db, const char* sql) {
  sqlite3* handle = nullptr;
  sqlite3_open(db.c_str(), &handle);
  const int rc = sqlite3_exec(handle, sql, nullptr, nullptr, nullptr);
  sqlite3_close(handle);
  return rc;
}

TEST(ModerationStoreTest, Rfc3339RoundTrips) {
  EXPECT_EQ(parse_rfc3339("1970-01-01T00:00:10Z"), 10);
  EXPECT_EQ(parse_rfc3339("2026-05-01T12:00:00.250+02:00"), parse_rfc3339("2026-05-01T10:00:00Z"));
  EXPECT_FALSE(parse_rfc3339("yesterday"));
  EXPECT_FALSE(parse_rfc3339("2026-05-01T12:00:00"));
  EXPECT_EQ(format_rfc3339(*parse_rfc3339("2026-05-01T10:00:00Z")), "2026-05-01T10:00:00Z");
}

TEST(ModerationStoreTest, QueueIsHeldCommentsRiskiestFirst) {
  TempDir dir;
  auto store = open_sqlite_moderation_store(dir.path().string());
  ingest(*store, "c1", "ann", 100, 0.7f, "held");
  ingest(*store, "c2", "bob", 200, 0.95f, "held");
  ingest(*store, "c3", "ann", 300, 0.1f, "approved");
  ingest(*store, "c4", "cat", 400, 0.8f, "held");
  const auto held = store->held_comments("news", 10);
  ASSERT_EQ(held.size(), 3u);
  EXPECT_EQ(held[0].comment.id, "c2");
  EXPECT_EQ(held[1].comment.id, "c4");
  EXPECT_EQ(held[2].comment.id, "c1");
  ASSERT_TRUE(held[0].scores);
  EXPECT_FLOAT_EQ(held[0].scores->scores[index_of(Attribute::kToxicity)], 0.95f);
  EXPECT_EQ(store->held_comments("news", 1).size(), 1u);
  EXPECT_EQ(store->count_author_comments("news", "ann", 0, 300), 2);
  EXPECT_EQ(store->count_author_comments("news", "ann", 101, 300), 1);
  EXPECT_THROW(ingest(*store, "c1", "ann", 500, 0.1f, "approved"), StoreError);
  // The failed ingest left nothing behind.
  EXPECT_EQ(store->audit_log("news", 100).size(), 4u);
}

IngestItem item_for(const std::string& thread, const std::string& id) {
  IngestItem item;
  item.comment.id = id;
  item.comment.community = "news";
  item.comment.thread = thread;
  item.comment.text = "text of " + id;
  item.comment.status = CommentStatus::kApproved;
  item.scores.model_version = "m1";
  item.decision.comment_id = id;
  item.decision.action = "approve";
  item.decision.actor = "policy";
  item.audit = {0, "", "news", "policy", "comment.approve", id, "{}"};
  return item;
}

TEST(ModerationStoreTest, IngestOfSeveralThreadsIsAllOrNothing) {
  TempDir dir;
  auto store = open_sqlite_moderation_store(dir.path().string());
  ingest(*store, "c1", "ann", 100, 0.7f, "held");
  ThreadIngest first{{"t2", "news", "", "Second", "", ""}, {item_for("t2", "t2/1")}, std::nullopt};
  ThreadIngest second{{"t3", "news", "", "Third", "", ""},
                      {item_for("t3", "t3/1"), item_for("t3", "c1")},  // c1 is taken
                      AuditEntry{0, "", "news", "import", "thread.import", "t3", "{}"}};
  EXPECT_THROW(store->ingest({first, second}), StoreError);
  EXPECT_FALSE(store->find_thread("t2"));
  EXPECT_FALSE(store->find_comment("t2/1"));
  EXPECT_FALSE(store->find_comment("t3/1"));
  EXPECT_EQ(store->audit_log("news", 100).size(), 1u);

  second.items.pop_back();
  store->ingest({first, second});
  EXPECT_TRUE(store->find_comment("t2/1"));
  EXPECT_TRUE(store->find_comment("t3/1"));
  const auto log = store->audit_log("news", 100);
  ASSERT_EQ(log.size(), 4u);
  EXPECT_EQ(log.front().action, "thread.import");  // newest first

  // A comment filed under a thread other than its batch's is refused, not misfiled.
  ThreadIngest misfiled{{"t4", "news", "", "", "", ""}, {item_for("t2", "t4/1")}, std::nullopt};
  EXPECT_THROW(store->ingest({misfiled}), StoreError);
  // So is a thread that belongs to another community.
  ThreadIngest stolen{{"t2", "sport", "", "", "", ""}, {}, std::nullopt};
  EXPECT_THROW(store->ingest({stolen}), StoreError);

  const auto communities = store->communities();
  ASSERT_EQ(communities.size(), 1u);  // the refused "sport" thread left no community behind
  EXPECT_EQ(communities[0].id, "news");
  EXPECT_EQ(communities[0].threads, 3);
  EXPECT_EQ(communities[0].comments, 3);
  EXPECT_EQ(communities[0].held, 1);
}

TEST(ModerationStoreTest, DecisionsUpdateStatusAndPolicyVersionsAdvance) {
  TempDir dir;
  auto store = open_sqlite_moderation_store(dir.path().string());
  ingest(*store, "c1", "ann", 100, 0.7f, "held");
  DecisionRecord decision;
  decision.comment_id = "c1";
  decision.action = "edit_approve";
  decision.actor = "mod";
  CommentEdit edit{"edited", {"m2", {}, R"([{"begin":0,"end":6}])"}, 0.25};
  edit.scores.scores[index_of(Attribute::kToxicity)] = 0.25f;
  store->record_decision(decision, CommentStatus::kApproved, edit,
                         {0, "", "news", "mod", "edit_approve", "c1"});
  const auto stored = store->find_comment("c1");
  ASSERT_TRUE(stored);
  EXPECT_EQ(stored->comment.status, CommentStatus::kApproved);
  EXPECT_EQ(stored->comment.text, "edited");
  // The edit's scores replace the original ones, so risk and highlights follow the new text.
  EXPECT_DOUBLE_EQ(stored->comment.risk, 0.25);
  ASSERT_TRUE(stored->scores);
  EXPECT_EQ(stored->scores->model_version, "m2");
  EXPECT_FLOAT_EQ(stored->scores->scores[index_of(Attribute::kToxicity)], 0.25f);
  EXPECT_EQ(stored->scores->highlights_json, R"([{"begin":0,"end":6}])");
  ASSERT_TRUE(stored->last_decision);
  EXPECT_EQ(stored->last_decision->actor, "mod");
  decision.comment_id = "nope";
  EXPECT_THROW(store->record_decision(decision, CommentStatus::kApproved, std::nullopt, {}),
               StoreError);

  EXPECT_FALSE(store->active_policy("news"));
  EXPECT_EQ(
      store->save_policy("news", "name = \"a\"", {0, "", "news", "mod", "policy", ""}).version, 1);
  EXPECT_EQ(
      store->save_policy("news", "name = \"b\"", {0, "", "news", "mod", "policy", ""}).version, 2);
  EXPECT_EQ(store->active_policy("news")->toml, "name = \"b\"");
  const auto history = store->policy_history("news");
  ASSERT_EQ(history.size(), 2u);
  EXPECT_FALSE(history[1].active);
}

TEST(ModerationStoreTest, AuditLogIsAppendOnly) {
  TempDir dir;
  {
    auto store = open_sqlite_moderation_store(dir.path().string());
    store->append_audit({0, "", "news", "mod", "login", "", "{}"});
  }
  const auto db = dir.path() / "comity.db";
  EXPECT_NE(exec(db, "UPDATE audit_log SET actor = 'someone else'"), SQLITE_OK);
  EXPECT_NE(exec(db, "DELETE FROM audit_log"), SQLITE_OK);
  EXPECT_EQ(exec(db, "INSERT INTO audit_log(created_at, actor, action) VALUES ('x', 'a', 'b')"),
            SQLITE_OK);
  auto store = open_sqlite_moderation_store(dir.path().string());
  const auto entries = store->audit_log("", 10);
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[1].actor, "mod");
}

TEST(ModerationStoreTest, ManyRowsAtOnceMatchTheOneAtATimeAnswers) {
  TempDir dir;
  auto store = open_sqlite_moderation_store(dir.path().string());
  // ann wrote c1 and c3, bob c2.
  for (int i = 1; i <= 3; ++i) {
    ingest(*store, "c" + std::to_string(i), i == 2 ? "bob" : "ann", 100 * i, 0.3f * i,
           i == 3 ? "approved" : "held");
  }
  // Seven moderators' decisions on ann's comments: only her five latest are kept.
  for (int i = 0; i < 7; ++i) {
    DecisionRecord decision;
    decision.comment_id = i % 2 ? "c1" : "c3";
    decision.action = i % 2 ? "reject" : "approve";
    decision.actor = "mod-" + std::to_string(i);
    store->record_decision(decision, i % 2 ? CommentStatus::kRejected : CommentStatus::kApproved,
                           std::nullopt,
                           {0, "", "news", decision.actor, "decision", decision.comment_id});
  }
  const auto comments = store->find_comments({"c1", "c2", "missing", "c1"});
  ASSERT_EQ(comments.size(), 2u);
  EXPECT_EQ(comments.at("c2").comment.author, "bob");
  EXPECT_EQ(comments.at("c1").comment.status, store->find_comment("c1")->comment.status);
  EXPECT_EQ(comments.at("c1").last_decision->id, store->find_comment("c1")->last_decision->id);
  EXPECT_TRUE(store->find_comments({}).empty());

  const auto histories = store->author_histories("news", {"ann", "bob", "nobody"});
  ASSERT_EQ(histories.size(), 2u) << "an author with no comment is left out";
  for (const std::string author : {"ann", "bob"}) {
    const AuthorHistory one = store->author_history("news", author);
    const AuthorHistory& many = histories.at(author);
    EXPECT_EQ(many.comments, one.comments) << author;
    EXPECT_EQ(many.approved, one.approved) << author;
    EXPECT_EQ(many.rejected, one.rejected) << author;
    EXPECT_EQ(many.first_seen, one.first_seen) << author;
    ASSERT_EQ(many.last_decisions.size(), one.last_decisions.size()) << author;
  }
  const AuthorHistory& ann = histories.at("ann");
  EXPECT_EQ(ann.comments, 2);
  ASSERT_EQ(ann.last_decisions.size(), 5u);
  EXPECT_EQ(ann.last_decisions.front().actor, "mod-6") << "newest first";
  EXPECT_EQ(ann.last_decisions.back().actor, "mod-2");
  EXPECT_TRUE(histories.at("bob").last_decisions.empty())
      << "the policy's decisions are not listed";
  EXPECT_TRUE(store->author_histories("sports", {"ann"}).empty());

  AuthorStanding banned{"news", "ann", "banned", std::nullopt, "abuse", "mod", ""};
  AuthorStanding lapsed{"news", "bob", "suspended", 150, "spam", "mod", ""};
  store->set_author_standing("news", "ann", banned, {0, "", "news", "mod", "author.banned", "ann"});
  store->set_author_standing("news", "bob", lapsed,
                             {0, "", "news", "mod", "author.suspended", "bob"});
  const auto standings = store->author_standings("news", {"ann", "bob"}, 200);
  ASSERT_EQ(standings.size(), 1u) << "bob's suspension ended at 150";
  EXPECT_EQ(standings.at("ann").standing, "banned");
  EXPECT_EQ(standings.at("ann").reason, "abuse");
  EXPECT_EQ(store->author_standings("news", {"bob"}, 100).at("bob").until_unix, 150);
  EXPECT_FALSE(store->author_standing("news", "bob", 200));
  EXPECT_EQ(store->author_standing("news", "bob", 100)->standing, "suspended");

  const auto threads = store->find_threads({"t1", "t-missing"});
  ASSERT_EQ(threads.size(), 1u);
  EXPECT_EQ(threads.at("t1").url, "https://example.org/a");
  EXPECT_EQ(threads.at("t1").title, store->find_thread("t1")->title);
}

}  // namespace
}  // namespace comity
