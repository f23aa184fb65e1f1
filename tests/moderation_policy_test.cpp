// Moderation policies: parsing, error lines, threshold ordering, deny/allow lists
// through normalisation, and the per-author rate limit.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "comity/moderation.h"

namespace comity {
namespace {

AttributeScores scores_with(Attribute attribute, float value) {
  AttributeScores scores{};
  scores[index_of(attribute)] = value;
  return scores;
}

PolicyInput input(std::string_view text, AttributeScores scores = {}, int recent = 0) {
  PolicyInput in;
  in.text = text;
  in.scores = scores;
  in.recent_comments_by_author = recent;
  return in;
}

int error_line(const std::string& toml) {
  try {
    parse_policy(toml);
  } catch (const PolicyError& e) {
    return e.line();
  }
  ADD_FAILURE() << "policy parsed but should not have:\n" << toml;
  return -1;
}

TEST(ModerationPolicyTest, ParsesThresholdsSortedMostSevereFirst) {
  const Policy policy = parse_policy(R"(
name = "news"
[[threshold]]
name = "nudge"
attribute = "TOXICITY"
at_least = 0.5
action = "nudge"
reason = "Please rephrase."
[[threshold]]
name = "reject"
attribute = "TOXICITY"
at_least = 0.9
action = "reject"
[[threshold]]
name = "hold"
attribute = "TOXICITY"
at_least = 0.7
action = "hold"
)");
  EXPECT_EQ(policy.name, "news");
  ASSERT_EQ(policy.thresholds.size(), 3u);
  EXPECT_EQ(policy.thresholds[0].name, "reject");
  EXPECT_EQ(policy.thresholds[1].name, "hold");
  EXPECT_EQ(policy.thresholds[2].name, "nudge");

  auto action_for = [&](float toxicity) {
    return evaluate_policy(policy, input("", scores_with(Attribute::kToxicity, toxicity))).action;
  };
  EXPECT_EQ(action_for(0.2f), ModerationAction::kApprove);
  EXPECT_EQ(action_for(0.55f), ModerationAction::kNudge);
  EXPECT_EQ(action_for(0.75f), ModerationAction::kHold);
  EXPECT_EQ(action_for(0.95f), ModerationAction::kReject);

  const PolicyDecision nudged =
      evaluate_policy(policy, input("", scores_with(Attribute::kToxicity, 0.55f)));
  ASSERT_EQ(nudged.reasons.size(), 1u);
  EXPECT_EQ(nudged.reasons[0].rule, "threshold:nudge");
  EXPECT_NE(nudged.reasons[0].detail.find("Please rephrase."), std::string::npos);
  const PolicyDecision fine = evaluate_policy(policy, input(""));
  ASSERT_EQ(fine.reasons.size(), 1u);
  EXPECT_EQ(fine.reasons[0].rule, "default");
}

TEST(ModerationPolicyTest, MostSevereActionWinsAcrossRuleKinds) {
  const Policy policy = parse_policy(R"(
[[threshold]]
attribute = "INSULT"
at_least = 0.5
action = "nudge"
[deny]
action = "reject"
terms = ["scum"]
)");
  const PolicyDecision decision =
      evaluate_policy(policy, input("you scum", scores_with(Attribute::kInsult, 0.8f)));
  EXPECT_EQ(decision.action, ModerationAction::kReject);
  ASSERT_EQ(decision.reasons.size(), 1u);
  EXPECT_EQ(decision.reasons[0].rule, "deny");
  EXPECT_NE(decision.reasons[0].detail.find("scum"), std::string::npos);
}

TEST(ModerationPolicyTest, ErrorsCarryLineNumbers) {
  EXPECT_EQ(error_line("name = \"x\"\n[[threshold]]\nattribute = \"TOXICTY\"\nat_least = 0.5\n"
                       "action = \"hold\"\n"),
            3);
  EXPECT_EQ(
      error_line("[[threshold]]\nattribute = \"TOXICITY\"\nat_least = 1.5\naction = \"hold\"\n"),
      3);
  EXPECT_EQ(
      error_line("[[threshold]]\nattribute = \"TOXICITY\"\nat_least = 0.5\naction = \"ban\"\n"), 4);
  EXPECT_EQ(error_line("default_action = \"approve\"\nsurprise = 1\n"), 2);
  EXPECT_EQ(error_line("name = \"x\"\nname = = broken\n"), 2);
  EXPECT_EQ(error_line("[rate_limit]\nmax_comments = 0\nwindow_seconds = 10\n"), 2);
  EXPECT_EQ(error_line("[deny]\nterms = [\"ok\",\n  \"***\"]\n"), 3);
  // A policy arrives over HTTP: deep nesting is refused before toml++ recurses into it.
  EXPECT_EQ(error_line("name = \"x\"\nx = " + std::string(100000, '[') + "\n"), 2);
  EXPECT_THROW(parse_policy("[[threshold]]\nattribute = \"TOXICITY\"\naction = \"hold\"\n"),
               PolicyError);
}

TEST(ModerationPolicyTest, DenyListMatchesThroughNormalisation) {
  const Policy policy = parse_policy("[deny]\nterms = [\"fuck\"]\n");
  for (const char* text : {"what the fuck", "what the f*ck",
                           "what the f\xC3\xBC"
                           "ck",
                           "what the f.u.c.k", "what the FUCK"}) {
    const PolicyDecision decision = evaluate_policy(policy, input(text));
    EXPECT_EQ(decision.action, ModerationAction::kHold) << text;
    EXPECT_EQ(matched_deny_terms(policy, text), std::vector<std::string>{"fuck"}) << text;
  }
  EXPECT_EQ(evaluate_policy(policy, input("what the duck")).action, ModerationAction::kApprove);
  // Whole tokens only, unless the term is a prefix.
  EXPECT_TRUE(matched_deny_terms(policy, "fuckers").empty());
}

TEST(ModerationPolicyTest, PrefixTermsAndAllowListExemptions) {
  const Policy policy = parse_policy(R"(
[deny]
action = "reject"
reason = "Not here."
terms = ["ass*", "son of a bitch"]
[allow]
terms = ["assassin", "Assistant"]
)");
  EXPECT_EQ(evaluate_policy(policy, input("what an asshole")).action, ModerationAction::kReject);
  EXPECT_EQ(evaluate_policy(policy, input("the assassin and the assistant")).action,
            ModerationAction::kApprove);
  EXPECT_EQ(matched_deny_terms(policy, "you son of a b1tch"),
            std::vector<std::string>{"son of a bitch"});
  EXPECT_TRUE(matched_deny_terms(policy, "son of a beach").empty());
}

TEST(ModerationPolicyTest, RateLimitHoldsTheCommentOverTheLimit) {
  const Policy policy = parse_policy(
      "[rate_limit]\nmax_comments = 3\nwindow_seconds = 60\nreason = \"Slow down.\"\n");
  ASSERT_TRUE(policy.rate_limit);
  EXPECT_EQ(policy.rate_limit->action, ModerationAction::kHold);
  EXPECT_EQ(evaluate_policy(policy, input("", {}, 2)).action, ModerationAction::kApprove);
  const PolicyDecision held = evaluate_policy(policy, input("", {}, 3));
  EXPECT_EQ(held.action, ModerationAction::kHold);
  ASSERT_EQ(held.reasons.size(), 1u);
  EXPECT_EQ(held.reasons[0].rule, "rate_limit");
  EXPECT_NE(held.reasons[0].detail.find("Slow down."), std::string::npos);
}

TEST(ModerationPolicyTest, ShippedExampleMatchesTheBuiltInDefault) {
  std::ifstream in(std::string(COMITY_SOURCE_DIR) + "/policies/default.toml");
  ASSERT_TRUE(in) << "policies/default.toml is missing";
  std::stringstream text;
  text << in.rdbuf();
  const Policy shipped = parse_policy(text.str());
  const Policy builtin = parse_policy(builtin_default_policy_toml());
  ASSERT_EQ(shipped.thresholds.size(), builtin.thresholds.size());
  for (std::size_t i = 0; i < shipped.thresholds.size(); ++i) {
    EXPECT_EQ(shipped.thresholds[i].name, builtin.thresholds[i].name);
    EXPECT_EQ(shipped.thresholds[i].threshold, builtin.thresholds[i].threshold);
    EXPECT_EQ(shipped.thresholds[i].action, builtin.thresholds[i].action);
  }
  ASSERT_TRUE(shipped.rate_limit && builtin.rate_limit);
  EXPECT_EQ(shipped.rate_limit->max_comments, builtin.rate_limit->max_comments);
}

}  // namespace
}  // namespace comity
