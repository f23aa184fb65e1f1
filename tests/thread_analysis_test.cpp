// Thread analysis against the bundled model: escalation, author pairs, targets,
// heat, near-duplicates and bursts on constructed threads.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <optional>
#include <set>
#include <stdexcept>

#include "comity/linear_model.h"
#include "comity/model_set.h"
#include "comity/scorer.h"
#include "comity/thread.h"

namespace comity {
namespace {

std::string bundled_model() {
  return std::string(COMITY_SOURCE_DIR) + "/models/comity-en-1.cmodel";
}

class ThreadAnalysis : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!std::filesystem::exists(bundled_model()))
      GTEST_SKIP() << "bundled model absent: " << bundled_model();
    static const auto model = LinearModel::load(bundled_model());
    scorer_ = std::make_unique<ModelSet>(
        std::vector<std::pair<std::shared_ptr<const Classifier>, std::string>>{{model, "bundled"}});
  }
  std::unique_ptr<ModelSet> scorer_;
};

Thread quarrel() {
  Thread t;
  t.comments = {
      {"e1", std::nullopt, "ann", std::nullopt, "I think the new parking rules are reasonable."},
      {"e2", "e1", "bob", std::nullopt, "That is a naive take, honestly."},
      {"e3", "e2", "ann", std::nullopt,
       "You clearly have no idea what you are talking about, you fool."},
      {"e4", "e3", "bob", std::nullopt,
       "Shut up you stupid idiot, you are a worthless piece of shit."},
      {"calm", std::nullopt, "cy", std::nullopt, "The bus timetable changes next week."},
  };
  return t;
}

TEST_F(ThreadAnalysis, FindsTheEscalatingChainAndTheAuthorsTradingAttacks) {
  const Thread t = quarrel();
  const ThreadReport r = analyze_thread(t, *scorer_);
  ASSERT_EQ(r.comments.size(), 5u);
  std::vector<float> tox(t.comments.size());
  for (const CommentAnalysis& a : r.comments)
    tox[a.index] = a.scores[index_of(Attribute::kToxicity)];
  ASSERT_EQ(r.escalations.size(), 1u);
  const auto& chain = r.escalations[0].chain;
  ASSERT_GE(chain.size(), 3u);
  EXPECT_EQ(chain.back(), 3u);  // e4, the most toxic reply, ends it
  for (std::size_t k = 1; k < chain.size(); ++k) {
    EXPECT_EQ(chain[k], chain[k - 1] + 1);  // a reply chain: each is the previous one's reply
    EXPECT_GT(tox[chain[k]], tox[chain[k - 1]]);
  }
  ASSERT_EQ(r.author_pairs.size(), 1u);
  EXPECT_EQ(r.author_pairs[0].a, "ann");
  EXPECT_EQ(r.author_pairs[0].b, "bob");
  EXPECT_GE(r.author_pairs[0].a_to_b, 1u);
  EXPECT_GE(r.author_pairs[0].b_to_a, 1u);
  // e4 insults the commenter it replies to.
  const auto e4 = std::find_if(r.comments.begin(), r.comments.end(),
                               [](const auto& a) { return a.index == 3; });
  EXPECT_TRUE(e4->held);
  EXPECT_EQ(e4->target, AttackTarget::kOtherCommenter);
  EXPECT_FALSE(e4->highlights.empty());
  // Heat folds up the subtree: the root sees all four comments and the worst score.
  const CommentAnalysis& root = r.comments.front();
  EXPECT_EQ(root.index, 0u);
  EXPECT_EQ(root.heat.size, 4u);
  EXPECT_FLOAT_EQ(root.heat.max_toxicity, tox[3]);
  EXPECT_EQ(r.headline.hottest_subthread, 0u);
  EXPECT_EQ(r.headline.comments, 5u);
  ASSERT_EQ(r.authors.size(), 3u);
  EXPECT_EQ(r.authors[0].comments, 2u);
}

// Scores given rather than computed: what a moderation store holds.
CommentScore scored(float toxicity, std::optional<bool> held = std::nullopt) {
  CommentScore s;
  s.scores.fill(0.01f);
  s.scores[index_of(Attribute::kToxicity)] = toxicity;
  s.held = held;
  return s;
}

TEST(ThreadAnalysisScored, UsesTheGivenScoresAndDecisions) {
  const Thread t = quarrel();
  std::vector<CommentScore> scores = {scored(0.1f), scored(0.3f), scored(0.6f, false), scored(0.9f),
                                      scored(0.2f, true)};
  scores[3].highlights = {"idiot"};
  const ThreadReport r = analyze_scored_thread(t, scores);
  ASSERT_EQ(r.comments.size(), 5u);
  ASSERT_EQ(r.escalations.size(), 1u);
  EXPECT_EQ(r.escalations[0].chain, (std::vector<std::size_t>{0, 1, 2, 3}));
  std::vector<bool> held(5);
  for (const CommentAnalysis& a : r.comments) held[a.index] = a.held;
  // e3 (0.6) is under the threshold anyway; "calm" is held by decision despite its 0.2;
  // e4 has no decision, so its 0.9 holds it.
  EXPECT_EQ(held, (std::vector<bool>{false, false, false, true, true}));
  EXPECT_EQ(r.headline.held, 2u);
  EXPECT_EQ(r.comments[3].highlights, (std::vector<std::string>{"idiot"}));
  EXPECT_FLOAT_EQ(r.comments[0].heat.max_toxicity, 0.9f);
  EXPECT_EQ(r.comments[0].heat.toxic, 2u);
}

TEST(ThreadAnalysisScored, OneScorePerComment) {
  EXPECT_THROW(analyze_scored_thread(quarrel(), {scored(0.1f)}), std::invalid_argument);
}

TEST_F(ThreadAnalysis, AnalyzeThreadIsScoringThenTheScoredAnalysis) {
  const Thread t = quarrel();
  const ThreadReport direct = analyze_thread(t, *scorer_);
  const ThreadReport split = analyze_scored_thread(t, score_thread_comments(t, *scorer_, 1));
  ASSERT_EQ(direct.comments.size(), split.comments.size());
  for (std::size_t k = 0; k < direct.comments.size(); ++k) {
    EXPECT_EQ(direct.comments[k].index, split.comments[k].index);
    EXPECT_EQ(direct.comments[k].scores, split.comments[k].scores);
    EXPECT_EQ(direct.comments[k].highlights, split.comments[k].highlights);
    EXPECT_EQ(direct.comments[k].target, split.comments[k].target);
  }
  EXPECT_EQ(direct.escalations.size(), split.escalations.size());
}

TEST_F(ThreadAnalysis, CalmingChainIsNoEscalation) {
  Thread t = quarrel();
  std::swap(t.comments[0].text, t.comments[3].text);
  std::swap(t.comments[1].text, t.comments[2].text);
  const ThreadReport r = analyze_thread(t, *scorer_);
  EXPECT_TRUE(r.escalations.empty());
}

TEST_F(ThreadAnalysis, NamedPersonTarget) {
  Thread t;
  t.article.body = "The mayor, Victor Albescu, defended the budget.";
  t.comments = {
      {"1", std::nullopt, "", std::nullopt, "Albescu is a corrupt lying idiot and a disgrace."}};
  const ThreadReport r = analyze_thread(t, *scorer_);
  ASSERT_TRUE(r.comments[0].toxic);
  EXPECT_EQ(r.comments[0].target, AttackTarget::kNamedPerson);
  EXPECT_NE(
      std::find(r.comments[0].target_names.begin(), r.comments[0].target_names.end(), "Albescu"),
      r.comments[0].target_names.end());
}

TEST_F(ThreadAnalysis, NearDuplicatesFromDifferentAuthors) {
  const Thread t = import_thread_file(std::string(COMITY_SOURCE_DIR) +
                                      "/tests/fixtures/threads/duplicates.jsonl");
  const ThreadReport r = analyze_thread(t, *scorer_);
  std::set<std::pair<std::string, std::string>> pairs;
  for (const DuplicatePair& d : r.duplicates) {
    EXPECT_GE(d.jaccard, 0.6);
    EXPECT_LT(d.jaccard, 1.0 + 1e-9);
    pairs.emplace(t.comments[d.a].id, t.comments[d.b].id);
  }
  // 1 and 3 differ by a word and punctuation; 4 repeats 1 word for word but by the same
  // author (not coordination); the two-word "Agreed." posts are too short to count.
  EXPECT_TRUE(pairs.count({"1", "3"}));
  EXPECT_TRUE(pairs.count({"3", "4"}));
  EXPECT_FALSE(pairs.count({"1", "4"}));
  EXPECT_FALSE(pairs.count({"5", "6"}));
  EXPECT_FALSE(pairs.count({"1", "2"}));
}

TEST_F(ThreadAnalysis, BurstOfNewAuthors) {
  Thread t;
  // A slow conversation over a day, then eight newcomers within four minutes.
  for (int h = 0; h < 6; ++h) {
    t.comments.push_back({fmt::format("s{}", h), std::nullopt, fmt::format("regular{}", h),
                          fmt::format("2024-03-01T{:02}:00:00Z", h * 3), "Thoughts on the plan."});
  }
  for (int m = 0; m < 8; ++m) {
    t.comments.push_back({fmt::format("b{}", m), std::nullopt, fmt::format("new{}", m),
                          fmt::format("2024-03-01T20:0{}:30Z", m / 2), "Totally agree."});
  }
  const ThreadReport r = analyze_thread(t, *scorer_);
  ASSERT_EQ(r.bursts.size(), 1u);
  EXPECT_EQ(r.bursts[0].comments.size(), 8u);
  EXPECT_EQ(r.bursts[0].start, "2024-03-01T20:00:30Z");
}

}  // namespace
}  // namespace comity
