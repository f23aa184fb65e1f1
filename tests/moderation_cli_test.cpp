// `comity policy check|dry-run` and `comity import` through the real binary.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "comity/console.h"
#include "comity/moderation.h"
#include "comity/moderation_store.h"
#include "comity/store.h"
#include "server_test_support.h"

namespace comity {
namespace {

using server::testing::TempDir;

struct CliRun {
  int exit_code = -1;
  std::string out, err;
};

std::string slurp(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// Arguments are our own paths and words: no shell quoting beyond single quotes needed.
CliRun run_comity(const TempDir& dir, const std::string& args) {
  const auto out = dir.path() / "out.txt";
  const auto err = dir.path() / "err.txt";
  const std::string command = "'" + std::string(COMITY_BINARY) + "' " + args + " > '" +
                              out.string() + "' 2> '" + err.string() + "' < /dev/null";
  const int status = std::system(command.c_str());
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, slurp(out), slurp(err)};
}

std::string write(const TempDir& dir, const std::string& name, const std::string& text) {
  const auto path = dir.path() / name;
  std::ofstream(path) << text;
  return path.string();
}

void ingest(ModerationStore& store, const std::string& id, float insult, std::int64_t unix) {
  CommentRecord comment;
  comment.id = id;
  comment.community = "news";
  comment.thread = "t1";
  comment.author = id;
  comment.created_unix = unix;
  comment.created_at = format_rfc3339(unix);
  comment.text = "comment " + id;
  comment.status = CommentStatus::kApproved;
  CommentScores scores;
  scores.model_version = "m";
  scores.scores[index_of(Attribute::kInsult)] = insult;
  DecisionRecord decision;
  decision.comment_id = id;
  decision.action = "approve";
  decision.actor = "policy";
  AuditEntry audit;
  audit.actor = "policy";
  audit.action = "comment.approve";
  store.ingest(
      {{{"t1", "news", "", "", "", ""}, {{comment, scores, decision, audit}}, std::nullopt}});
}

TEST(ModerationCliTest, CheckAcceptsTheExampleAndReportsErrorLines) {
  TempDir dir;
  const CliRun ok = run_comity(
      dir, "policy check '" + std::string(COMITY_SOURCE_DIR) + "/policies/default.toml'");
  EXPECT_EQ(ok.exit_code, 0) << ok.err;
  EXPECT_NE(ok.out.find("SEVERE_TOXICITY"), std::string::npos) << ok.out;

  const std::string bad =
      write(dir, "bad.toml", "name = \"x\"\n\n[rate_limit]\nmax_comments = -1\n");
  const CliRun failed = run_comity(dir, "policy check '" + bad + "'");
  EXPECT_EQ(failed.exit_code, 1);
  EXPECT_NE(failed.err.find(bad + ":4:"), std::string::npos) << failed.err;
}

TEST(ModerationCliTest, DryRunCountsActionsOnStoredHistory) {
  TempDir dir;
  {
    auto store = open_sqlite_moderation_store((dir.path() / "data").string());
    ingest(*store, "a", 0.9f, 1000);
    ingest(*store, "b", 0.2f, 1001);
    ingest(*store, "c", 0.7f, 1002);
  }
  const std::string draft = write(dir, "draft.toml",
                                  "[[threshold]]\nattribute = \"INSULT\"\nat_least = 0.8\n"
                                  "action = \"reject\"\n[[threshold]]\nattribute = \"INSULT\"\n"
                                  "at_least = 0.5\naction = \"hold\"\n");
  const CliRun run = run_comity(dir, "policy dry-run --json --community news --data-dir '" +
                                         (dir.path() / "data").string() + "' '" + draft + "'");
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const auto report = nlohmann::json::parse(run.out);
  EXPECT_EQ(report["comments"], 3);
  EXPECT_EQ(report["before"]["approve"], 3);  // the built-in default ignores INSULT
  EXPECT_EQ(report["after"]["reject"], 1);
  EXPECT_EQ(report["after"]["hold"], 1);
  EXPECT_EQ(report["after"]["approve"], 1);
  EXPECT_EQ(report["changed"], 2);
  ASSERT_EQ(report["examples"].size(), 2u);
  EXPECT_EQ(report["examples"][0]["comment_id"], "a");
  EXPECT_EQ(report["examples"][0]["after"], "reject");

  const CliRun missing =
      run_comity(dir, "policy dry-run --community news --data-dir '" +
                          (dir.path() / "nowhere").string() + "' '" + draft + "'");
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "nowhere"));
}

std::string fixture(const std::string& name) {
  return std::string(COMITY_SOURCE_DIR) + "/tests/fixtures/threads/" + name;
}

TEST(ModerationCliTest, ImportStoresEveryFileInOneRunAndRepeatsAsANoOp) {
  TempDir dir;
  const std::string data = (dir.path() / "data").string();
  const std::string args = "import --community town --json --data-dir '" + data + "' '" +
                           fixture("library.jsonl") + "' '" + fixture("blog.wxr") + "'";
  const CliRun first = run_comity(dir, args);
  ASSERT_EQ(first.exit_code, 0) << first.err;
  const auto report = nlohmann::json::parse(first.out);
  EXPECT_FALSE(report["dry_run"].get<bool>());
  ASSERT_EQ(report["threads"].size(), 2u);
  EXPECT_EQ(report["threads"][0]["thread"], "library");  // ids from the file names
  EXPECT_EQ(report["threads"][1]["thread"], "blog-42");  // and the post id in a site export
  auto store = open_sqlite_moderation_store(data);
  for (const auto& thread : report["threads"]) {
    const std::string id = thread["thread"];
    const std::int64_t imported = thread["imported"];
    EXPECT_GT(imported, 0) << id;
    EXPECT_EQ(static_cast<std::int64_t>(store->thread_comments(id).size()), imported) << id;
    std::int64_t decided = 0;
    for (const auto& [action, count] : thread["actions"].items()) decided += count.get<int>();
    EXPECT_EQ(decided, imported) << id;
  }
  const auto c2 = store->find_comment("library/c2");
  ASSERT_TRUE(c2);
  EXPECT_EQ(c2->comment.parent, "library/c1");
  EXPECT_EQ(c2->comment.created_at, "2024-02-01T10:05:00Z");
  ASSERT_TRUE(c2->scores);
  EXPECT_EQ(store->find_thread("library")->url, "https://town.example.net/library-hours");

  const CliRun again = run_comity(dir, args);
  ASSERT_EQ(again.exit_code, 0) << again.err;
  const auto second = nlohmann::json::parse(again.out);
  for (std::size_t i = 0; i < 2; ++i) {
    EXPECT_EQ(second["threads"][i]["imported"], 0);
    EXPECT_EQ(second["threads"][i]["skipped"].get<std::int64_t>(),
              report["threads"][i]["skipped"].get<std::int64_t>() +
                  report["threads"][i]["imported"].get<std::int64_t>());
  }

  // The table form names file, thread and the policy's actions.
  const CliRun table = run_comity(dir, "import --community town --thread lib2 --data-dir '" + data +
                                           "' '" + fixture("library.jsonl") + "'");
  ASSERT_EQ(table.exit_code, 0) << table.err;
  EXPECT_NE(table.out.find("library.jsonl -> town/lib2: "), std::string::npos) << table.out;
  EXPECT_NE(table.out.find("approve"), std::string::npos) << table.out;
}

TEST(ModerationCliTest, ImportTakesEveryThreadOfASiteExport) {
  TempDir dir;
  const std::string data = (dir.path() / "data").string();
  const CliRun run = run_comity(dir, "import --community forum --json --data-dir '" + data + "' '" +
                                         fixture("forum.disqus.xml") + "'");
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const auto report = nlohmann::json::parse(run.out);
  ASSERT_EQ(report["threads"].size(), 2u);
  EXPECT_EQ(report["threads"][0]["thread"], "forum.disqus-9001");
  EXPECT_EQ(report["threads"][1]["thread"], "forum.disqus-9002");
  auto store = open_sqlite_moderation_store(data);
  std::size_t stored = 0;
  for (const auto& thread : report["threads"]) {
    EXPECT_GT(thread["imported"].get<int>(), 0);
    stored += store->thread_comments(thread["thread"]).size();
  }
  const auto threads = store->threads("forum", 10);
  EXPECT_EQ(threads.size(), 2u);
  EXPECT_EQ(stored, 5u);  // four posts in thread 9001, one in 9002

  // --thread cannot name two threads at once.
  const CliRun named = run_comity(dir, "import --community forum --thread one --data-dir '" + data +
                                           "' '" + fixture("forum.disqus.xml") + "'");
  EXPECT_EQ(named.exit_code, 1);
  EXPECT_NE(named.err.find("holds 2"), std::string::npos) << named.err;
}

TEST(ModerationCliTest, ImportOfAMalformedFileNamesThePlaceAndStoresNothing) {
  TempDir dir;
  const std::string data = (dir.path() / "data").string();
  const std::string broken =
      write(dir, "broken.jsonl",
            "{\"article\": {\"title\": \"T\"}}\n{\"id\": \"a\", \"text\": \"fine\"}\n"
            "{\"id\": \"b\", \"text\": }\n");
  const CliRun run = run_comity(dir, "import --community town --data-dir '" + data + "' '" +
                                         fixture("library.jsonl") + "' '" + broken + "'");
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_NE(run.err.find("broken.jsonl:3"), std::string::npos) << run.err;
  EXPECT_NE(run.err.find("nothing was stored"), std::string::npos) << run.err;
  // The good file before it was not stored either.
  if (std::filesystem::exists(std::filesystem::path(data) / "comity.db")) {
    auto store = open_sqlite_moderation_store(data);
    EXPECT_FALSE(store->find_thread("library"));
  }

  const CliRun dry = run_comity(dir, "import --community town --dry-run --data-dir '" + data +
                                         "' '" + fixture("library.jsonl") + "'");
  ASSERT_EQ(dry.exit_code, 0) << dry.err;
  EXPECT_NE(dry.out.find("would be imported"), std::string::npos) << dry.out;
  EXPECT_FALSE(open_sqlite_moderation_store(data)->find_thread("library"));

  const CliRun two =
      run_comity(dir, "import --community town --thread x --data-dir '" + data + "' '" +
                          fixture("library.jsonl") + "' '" + fixture("blog.wxr") + "'");
  EXPECT_EQ(two.exit_code, 1);
  EXPECT_NE(two.err.find("--thread"), std::string::npos) << two.err;
}

TEST(ModerationCliTest, PolicyApplyMakesAFileLiveOnceAndHistoryListsVersions) {
  TempDir dir;
  const std::string data = (dir.path() / "data").string();
  const std::string policy =
      write(dir, "news.toml", "name = \"strict\"\ndefault_action = \"hold\"\n");
  const std::string apply =
      "policy apply --community news --actor ci --data-dir '" + data + "' '" + policy + "'";
  const CliRun first = run_comity(dir, apply);
  ASSERT_EQ(first.exit_code, 0) << first.err;
  EXPECT_NE(first.out.find("now on version 1"), std::string::npos) << first.out;
  const CliRun again = run_comity(dir, apply);
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_NE(again.out.find("unchanged, already on version 1"), std::string::npos) << again.out;
  {
    auto store = open_sqlite_moderation_store(data);
    ASSERT_TRUE(store->active_policy("news"));
    EXPECT_EQ(parse_policy(store->active_policy("news")->toml).name, "strict");
    EXPECT_EQ(store->audit_log("news", 10).front().actor, "ci");
  }

  const std::string broken =
      write(dir, "broken.toml", "name = \"x\"\n[[threshold]]\nat_least = \"high\"\n");
  const CliRun bad =
      run_comity(dir, "policy apply --community news --data-dir '" + data + "' '" + broken + "'");
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.err.find("broken.toml:"), std::string::npos) << bad.err;

  const CliRun history =
      run_comity(dir, "policy history --community news --json --data-dir '" + data + "'");
  ASSERT_EQ(history.exit_code, 0) << history.err;
  const auto versions = nlohmann::json::parse(history.out);
  ASSERT_EQ(versions.size(), 1u);
  EXPECT_TRUE(versions[0]["active"].get<bool>());
  EXPECT_EQ(versions[0]["toml"], "name = \"strict\"\ndefault_action = \"hold\"\n");
}

double toxicity_of(const TempDir& dir, const std::string& model, const std::string& text) {
  const CliRun run = run_comity(dir, "score --model '" + model + "' -a TOXICITY -t '" + text + "'");
  EXPECT_EQ(run.exit_code, 0) << run.err;
  return nlohmann::json::parse(run.out)["scores"]["TOXICITY"].get<double>();
}

// The loop the product promises: moderators' verdicts, exported like suggestscore
// feedback, become a training set of a recipe, and the retrained model follows them.
TEST(ModerationCliTest, ModeratorVerdictsRetrainTheModelThroughFeedbackExport) {
  TempDir dir;
  const std::string data = (dir.path() / "data").string();
  {
    auto store = open_sqlite_store(data);
    for (int i = 0; i < 20; ++i) {
      FeedbackRecord record;
      record.source = "moderation";
      record.community_id = "news";
      // (std::string(...) + ...: GCC 12 warns falsely on const char* + string&&.)
      record.client_token = std::string("c") + std::to_string(i);
      // A local slur the base model has never seen, rejected every time; ordinary
      // remarks about the same topic approved.
      const bool slur = i % 2 == 0;
      record.text = std::string(slur ? "shut up you grobnik number "
                                     : "the bridge repairs look fine number ") +
                    std::to_string(i);
      record.attribute_values["TOXICITY"] = slur ? 1.0 : 0.0;
      store->add_feedback(record);
    }
  }
  const std::string feedback = (dir.path() / "feedback.jsonl").string();
  const CliRun exported =
      run_comity(dir, "feedback export --data-dir '" + data + "' --out '" + feedback + "'");
  ASSERT_EQ(exported.exit_code, 0) << exported.err;

  const std::string tiny = std::string(COMITY_SOURCE_DIR) + "/tests/fixtures/tiny";
  std::string recipe = slurp(tiny + "/recipe.toml");
  const std::string base_recipe = write(dir, "base.toml", recipe);
  recipe += "\n[[datasets]]\nname = \"site_feedback\"\npath = \"" + feedback +
            "\"\ntext = \"text\"\nsoft_labels = { TOXICITY = \"labels.TOXICITY\" }\n";
  const std::string retrain_recipe = write(dir, "retrain.toml", recipe);
  const std::string base_model = (dir.path() / "base.cmodel").string();
  const std::string retrained = (dir.path() / "retrained.cmodel").string();
  for (const auto& [r, out] : {std::pair{base_recipe, base_model}, {retrain_recipe, retrained}}) {
    const CliRun trained = run_comity(
        dir, "train --recipe '" + r + "' --data-dir '" + tiny + "' --output '" + out + "'");
    ASSERT_EQ(trained.exit_code, 0) << trained.err;
  }
  const std::string unseen = "you grobnik";
  const double before = toxicity_of(dir, base_model, unseen);
  const double after = toxicity_of(dir, retrained, unseen);
  EXPECT_LT(before, 0.5);
  EXPECT_GT(after, 0.5) << "before " << before;
  // Approved topics did not become toxic.
  EXPECT_LT(toxicity_of(dir, retrained, "the bridge repairs"), 0.5);
}

TEST(ModerationCliTest, UsersCommandsDisableEnableResetAndSignOut) {
  TempDir dir;
  const std::string data = (dir.path() / "data").string();
  const std::string password = write(dir, "pw", "correct horse battery\n");
  const std::string fresh = write(dir, "pw2", "another long passphrase\n");
  const std::string d = " --data-dir '" + data + "'";
  ASSERT_EQ(
      run_comity(dir, "users create --name bob --password-file '" + password + "'" + d).exit_code,
      0);
  const CliRun disabled = run_comity(dir, "users disable --name bob --actor ops" + d);
  EXPECT_EQ(disabled.exit_code, 0) << disabled.err;
  EXPECT_NE(run_comity(dir, "users list" + d).out.find("disabled"), std::string::npos);
  {
    console::Accounts accounts(data);
    EXPECT_FALSE(accounts.check_password("bob", "correct horse battery"));
  }
  EXPECT_EQ(run_comity(dir, "users enable --name bob" + d).exit_code, 0);
  const CliRun reset =
      run_comity(dir, "users reset-password --name bob --password-file '" + fresh + "'" + d);
  EXPECT_EQ(reset.exit_code, 0) << reset.err;
  {
    console::Accounts accounts(data);
    EXPECT_FALSE(accounts.check_password("bob", "correct horse battery"));
    EXPECT_TRUE(accounts.check_password("bob", "another long passphrase"));
  }
  const CliRun ended = run_comity(dir, "users end-sessions --name bob" + d);
  EXPECT_EQ(ended.exit_code, 0);
  EXPECT_NE(ended.err.find("0 session(s) ended"), std::string::npos) << ended.err;
  const CliRun unknown = run_comity(dir, "users disable --name nobody" + d);
  EXPECT_NE(unknown.exit_code, 0);
  EXPECT_NE(unknown.err.find("no user 'nobody'"), std::string::npos) << unknown.err;
  // Each change is in the audit log, under the actor given or cli:$USER.
  auto store = open_sqlite_moderation_store(data);
  std::vector<std::string> log;
  for (const AuditEntry& e : store->audit_log("", 20)) log.push_back(e.action + " " + e.actor);
  ASSERT_EQ(log.size(), 4u);
  EXPECT_EQ(log.back(), "user.disable ops");
  EXPECT_EQ(log[0].rfind("user.end_sessions cli:", 0), 0u) << log[0];
}

}  // namespace
}  // namespace comity
