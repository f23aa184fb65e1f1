// Moderation policies: what a community does with a scored comment.
//
// A policy is a TOML document (see docs/moderation.md and policies/default.toml)
// holding score thresholds, deny/allow-list terms and a per-author rate limit.
// Evaluating it is a pure function of the comment, its scores and how many
// comments its author posted recently, so the same code serves live traffic,
// `comity policy dry-run` and the dry-run endpoint.
#pragma once
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "comity/attributes.h"

namespace comity {

// Ordered by severity: a larger value wins when several rules fire.
enum class ModerationAction : std::uint8_t { kApprove, kNudge, kHold, kReject };

std::string_view action_name(ModerationAction action);  // "approve", "nudge", "hold", "reject"
std::optional<ModerationAction> parse_action(std::string_view name);

// A policy document that does not parse or does not make sense. `line` is
// 1-based, 0 when the problem is not tied to one line.
class PolicyError : public std::runtime_error {
 public:
  PolicyError(const std::string& message, int line)
      : std::runtime_error(line > 0 ? "line " + std::to_string(line) + ": " + message : message),
        line_(line) {}
  int line() const { return line_; }

 private:
  int line_;
};

struct ThresholdRule {
  std::string name;
  Attribute attribute = Attribute::kToxicity;
  float threshold = 0.f;  // fires when score >= threshold
  ModerationAction action = ModerationAction::kHold;
  std::string reason;  // shown to the author or moderator
};

// One deny-list entry, already normalised. `prefix` entries (written "word*")
// also match longer tokens that start with them.
struct DenyTerm {
  std::string written;             // as in the policy, for reasons
  std::vector<std::string> norms;  // consecutive token norms to match
  bool prefix = false;
};

struct DenyList {
  std::vector<DenyTerm> terms;
  ModerationAction action = ModerationAction::kHold;
  std::string reason;
};

struct RateLimitRule {
  int max_comments = 0;  // more than this many within the window -> action
  int window_seconds = 0;
  ModerationAction action = ModerationAction::kHold;
  std::string reason;
};

struct Policy {
  std::string name;
  ModerationAction default_action = ModerationAction::kApprove;
  std::vector<ThresholdRule> thresholds;  // most severe action first, then highest threshold
  std::optional<DenyList> deny;
  std::vector<std::string> allow;  // token norms exempt from the deny list
  std::optional<RateLimitRule> rate_limit;
};

// Throws PolicyError.
Policy parse_policy(std::string_view toml_text);

// The policy used for a community that has not stored one.
const std::string& builtin_default_policy_toml();

struct DecisionReason {
  std::string rule;    // "threshold:<name>", "deny", "rate_limit" or "default"
  std::string detail;  // human-readable why, starting with the rule's reason text
};

struct PolicyInput {
  std::string_view text;  // empty when the text was not stored
  AttributeScores scores{};
  // Comments by the same author in the community within the policy's rate-limit
  // window before this one (not counting it).
  int recent_comments_by_author = 0;
};

struct PolicyDecision {
  ModerationAction action = ModerationAction::kApprove;
  std::vector<DecisionReason> reasons;  // the rules that chose `action`
  AttributeScores scores{};
};

// Every rule is checked; the most severe action among those that fired wins and
// its rules become the reasons. No rule fired: the default action.
PolicyDecision evaluate_policy(const Policy& policy, const PolicyInput& input);

// The deny-list terms `text` contains after normalisation (allow-listed tokens
// never match), as written in the policy, without duplicates.
std::vector<std::string> matched_deny_terms(const Policy& policy, std::string_view text);

}  // namespace comity
