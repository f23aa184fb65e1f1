// `comity policy check|dry-run` through the real binary.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "comity/moderation_store.h"
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
  comment.status = "approved";
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
  store.ingest_comment({"t1", "news", "", "", "", ""}, comment, scores, decision, audit);
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

}  // namespace
}  // namespace comity
