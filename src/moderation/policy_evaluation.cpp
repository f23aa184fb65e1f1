#include <algorithm>

#include <fmt/format.h>

#include "comity/moderation.h"
#include "comity/text.h"

namespace comity {
namespace {

bool term_matches_at(const DenyTerm& term, const std::vector<const Token*>& tokens,
                     std::size_t at) {
  if (at + term.norms.size() > tokens.size()) return false;
  for (std::size_t i = 0; i < term.norms.size(); ++i) {
    const std::string& norm = tokens[at + i]->norm;
    const bool last = i + 1 == term.norms.size();
    if (last && term.prefix) {
      if (!norm.starts_with(term.norms[i])) return false;
    } else if (norm != term.norms[i]) {
      return false;
    }
  }
  return true;
}

}  // namespace

std::vector<std::string> matched_deny_terms(const Policy& policy, std::string_view text) {
  std::vector<std::string> matched;
  if (!policy.deny || text.empty()) return matched;
  const NormalizedText normalized = normalize(text);
  // Allow-listed tokens are removed, so they can neither match nor complete a phrase.
  std::vector<const Token*> tokens;
  for (const Token& token : normalized.tokens) {
    if (token.kind != TokenKind::kWord && token.kind != TokenKind::kNumber) continue;
    if (std::find(policy.allow.begin(), policy.allow.end(), token.norm) != policy.allow.end()) {
      continue;
    }
    tokens.push_back(&token);
  }
  for (const DenyTerm& term : policy.deny->terms) {
    for (std::size_t at = 0; at < tokens.size(); ++at) {
      if (term_matches_at(term, tokens, at)) {
        if (std::find(matched.begin(), matched.end(), term.written) == matched.end()) {
          matched.push_back(term.written);
        }
        break;
      }
    }
  }
  return matched;
}

PolicyDecision evaluate_policy(const Policy& policy, const PolicyInput& input) {
  PolicyDecision decision;
  decision.scores = input.scores;
  std::vector<std::pair<ModerationAction, DecisionReason>> fired;

  for (const ThresholdRule& rule : policy.thresholds) {
    const float score = input.scores[index_of(rule.attribute)];
    if (score >= rule.threshold) {
      fired.push_back({rule.action,
                       {"threshold:" + rule.name,
                        fmt::format("{} ({} {:.3f} >= {:.3f})", rule.reason,
                                    attribute_name(rule.attribute), score, rule.threshold)}});
    }
  }
  if (policy.deny) {
    const auto terms = matched_deny_terms(policy, input.text);
    if (!terms.empty()) {
      fired.push_back(
          {policy.deny->action,
           {"deny", fmt::format("{} (matched: {})", policy.deny->reason, fmt::join(terms, ", "))}});
    }
  }
  if (policy.rate_limit && input.recent_comments_by_author >= policy.rate_limit->max_comments) {
    const RateLimitRule& rule = *policy.rate_limit;
    fired.push_back({rule.action,
                     {"rate_limit", fmt::format("{} ({} earlier comments in {} s; limit {})",
                                                rule.reason, input.recent_comments_by_author,
                                                rule.window_seconds, rule.max_comments)}});
  }

  if (fired.empty()) {
    decision.action = policy.default_action;
    decision.reasons.push_back({"default", "no rule matched"});
    return decision;
  }
  ModerationAction worst = fired.front().first;
  for (const auto& [action, reason] : fired) worst = std::max(worst, action);
  decision.action = worst;
  for (auto& [action, reason] : fired) {
    if (action == worst) decision.reasons.push_back(std::move(reason));
  }
  return decision;
}

}  // namespace comity
