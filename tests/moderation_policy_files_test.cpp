// Policies kept as files: applied idempotently, a directory checked as a whole
// before any of it goes live.
#include <gtest/gtest.h>

#include <fstream>

#include "comity/moderation.h"
#include "comity/moderation_store.h"
#include "moderation/policy_files.h"
#include "server_test_support.h"

namespace comity {
namespace {

using server::testing::TempDir;

void write(const std::filesystem::path& path, const std::string& text) {
  std::ofstream(path) << text;
}

TEST(ModerationPolicyFilesTest, ApplyingTheActiveTextAgainChangesNothing) {
  TempDir dir;
  auto store = open_sqlite_moderation_store(dir.path().string());
  const PolicyApplied first = apply_policy(*store, "news", "name = \"a\"\n", "ci", "a.toml");
  EXPECT_TRUE(first.changed);
  EXPECT_EQ(first.version, 1);
  const PolicyApplied again = apply_policy(*store, "news", "name = \"a\"\n", "ci", "a.toml");
  EXPECT_FALSE(again.changed);
  EXPECT_EQ(again.version, 1);
  EXPECT_EQ(store->policy_history("news").size(), 1u);
  EXPECT_EQ(apply_policy(*store, "news", "name = \"b\"\n", "ci", "b.toml").version, 2);
  EXPECT_THROW(apply_policy(*store, "news", "[[threshold]]\nattribute = \"NOPE\"\n", "ci", "c"),
               PolicyError);
  EXPECT_EQ(store->active_policy("news")->version, 2);
  const auto audit = store->audit_log("news", 10);
  ASSERT_EQ(audit.size(), 2u);  // one row per version that went live
  EXPECT_EQ(audit[0].actor, "ci");
  EXPECT_NE(audit[0].detail_json.find("b.toml"), std::string::npos);
}

TEST(ModerationPolicyFilesTest, ADirectoryIsCheckedWholeBeforeAnyFileGoesLive) {
  TempDir dir;
  auto store = open_sqlite_moderation_store(dir.path().string());
  const auto policies = dir.path() / "policies";
  std::filesystem::create_directory(policies);
  write(policies / "news.toml", "name = \"news\"\n");
  write(policies / "sport.toml", "name = \"sport\"\ndefault_action = \"hold\"\n");
  write(policies / "README.md", "not a policy");
  const auto applied = apply_policy_dir(*store, policies.string(), "policy-dir");
  ASSERT_EQ(applied.size(), 2u);
  EXPECT_EQ(applied[0].community, "news");
  EXPECT_EQ(applied[1].community, "sport");
  EXPECT_TRUE(applied[1].changed);
  EXPECT_EQ(parse_policy(store->active_policy("sport")->toml).default_action,
            ModerationAction::kHold);

  // A typo in one file: an error naming file and line, and news stays on version 1.
  write(policies / "news.toml", "name = \"news 2\"\n");
  write(policies / "sport.toml", "name = \"sport\"\n\n[[threshold]]\nattribute = \"TOXIC\"\n");
  try {
    apply_policy_dir(*store, policies.string(), "policy-dir");
    ADD_FAILURE() << "a broken policy file was applied";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("sport.toml:"), std::string::npos) << e.what();
  }
  EXPECT_EQ(store->active_policy("news")->version, 1);
  EXPECT_EQ(store->active_policy("sport")->version, 1);
}

}  // namespace
}  // namespace comity
