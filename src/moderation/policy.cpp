#include <algorithm>
#include <set>

#include <fmt/format.h>
#include <toml++/toml.h>

#include "comity/moderation.h"
#include "comity/text.h"
#include "comity/toml_input.h"

namespace comity {
namespace {

constexpr std::string_view kActionNames[] = {"approve", "nudge", "hold", "reject"};

int line_of(const toml::node& node) { return static_cast<int>(node.source().begin.line); }

[[noreturn]] void fail(const toml::node& node, const std::string& message) {
  throw PolicyError(message, line_of(node));
}

void reject_unknown_keys(const toml::table& table, std::initializer_list<std::string_view> known,
                         std::string_view where) {
  for (const auto& [key, value] : table) {
    if (std::find(known.begin(), known.end(), key.str()) == known.end()) {
      throw PolicyError(fmt::format("unknown key '{}' in {}", key.str(), where),
                        static_cast<int>(key.source().begin.line));
    }
  }
}

std::string required_string(const toml::table& table, std::string_view key, std::string_view where,
                            const toml::node& owner) {
  const toml::node* node = table.get(key);
  if (node == nullptr) fail(owner, fmt::format("{} needs '{}'", where, key));
  if (!node->is_string()) fail(*node, fmt::format("'{}' in {} must be a string", key, where));
  return std::string(*node->value<std::string>());
}

std::string optional_string(const toml::table& table, std::string_view key, std::string_view where,
                            std::string fallback) {
  const toml::node* node = table.get(key);
  if (node == nullptr) return fallback;
  if (!node->is_string()) fail(*node, fmt::format("'{}' in {} must be a string", key, where));
  return std::string(*node->value<std::string>());
}

ModerationAction action_at(const toml::table& table, std::string_view key, std::string_view where,
                           const toml::node& owner, std::optional<ModerationAction> fallback) {
  const toml::node* node = table.get(key);
  if (node == nullptr) {
    if (fallback) return *fallback;
    fail(owner, fmt::format("{} needs '{}'", where, key));
  }
  const auto text = node->value<std::string>();
  const auto action = text ? parse_action(*text) : std::nullopt;
  if (!action) {
    fail(*node, fmt::format("'{}' in {} must be one of approve, nudge, hold, reject", key, where));
  }
  return *action;
}

std::int64_t positive_integer(const toml::table& table, std::string_view key,
                              std::string_view where, const toml::node& owner) {
  const toml::node* node = table.get(key);
  if (node == nullptr) fail(owner, fmt::format("{} needs '{}'", where, key));
  const auto value = node->value_exact<std::int64_t>();
  if (!value || *value <= 0) {
    fail(*node, fmt::format("'{}' in {} must be a positive integer", key, where));
  }
  return *value;
}

std::vector<std::pair<std::string, const toml::node*>> string_array(const toml::table& table,
                                                                    std::string_view key,
                                                                    std::string_view where) {
  std::vector<std::pair<std::string, const toml::node*>> out;
  const toml::node* node = table.get(key);
  if (node == nullptr) return out;
  const toml::array* array = node->as_array();
  if (array == nullptr)
    fail(*node, fmt::format("'{}' in {} must be an array of strings", key, where));
  for (const toml::node& item : *array) {
    const auto text = item.value<std::string>();
    if (!text) fail(item, fmt::format("'{}' in {} must hold only strings", key, where));
    out.emplace_back(*text, &item);
  }
  return out;
}

std::vector<std::string> token_norms(std::string_view text) {
  std::vector<std::string> norms;
  for (const Token& token : normalize(text).tokens) {
    if (token.kind == TokenKind::kWord || token.kind == TokenKind::kNumber) {
      norms.push_back(token.norm);
    }
  }
  return norms;
}

ThresholdRule parse_threshold(const toml::table& table, std::size_t index) {
  const std::string where = fmt::format("threshold #{}", index + 1);
  reject_unknown_keys(table, {"name", "attribute", "at_least", "action", "reason"}, where);
  ThresholdRule rule;
  const std::string attribute = required_string(table, "attribute", where, table);
  const auto parsed = parse_attribute(attribute);
  if (!parsed) fail(*table.get("attribute"), "unknown attribute '" + attribute + "'");
  rule.attribute = *parsed;
  rule.name = optional_string(table, "name", where, fmt::format("{}-{}", attribute, index + 1));
  const toml::node* at_least = table.get("at_least");
  if (at_least == nullptr) fail(table, where + " needs 'at_least'");
  const auto value = at_least->value<double>();
  // Written as a negation so NaN (TOML's `nan`) is refused too.
  if (!value || !(*value >= 0.0 && *value <= 1.0)) {
    fail(*at_least, "'at_least' must be a number between 0 and 1");
  }
  rule.threshold = static_cast<float>(*value);
  rule.action = action_at(table, "action", where, table, std::nullopt);
  rule.reason = optional_string(table, "reason", where,
                                fmt::format("{} score at least {}", attribute, *value));
  return rule;
}

}  // namespace

std::string_view action_name(ModerationAction action) {
  return kActionNames[static_cast<std::size_t>(action)];
}

std::optional<ModerationAction> parse_action(std::string_view name) {
  for (std::size_t i = 0; i < std::size(kActionNames); ++i) {
    if (kActionNames[i] == name) return static_cast<ModerationAction>(i);
  }
  return std::nullopt;
}

Policy parse_policy(std::string_view toml_text) {
  // Policies arrive over HTTP (PUT, dry runs): toml++ recurses per nesting level.
  if (const auto deep = check_toml_nesting(toml_text)) {
    throw PolicyError(deep->message, static_cast<int>(deep->line));
  }
  toml::table root;
  try {
    root = toml::parse(toml_text);
  } catch (const toml::parse_error& e) {
    throw PolicyError(std::string(e.description()), static_cast<int>(e.source().begin.line));
  }
  reject_unknown_keys(root, {"name", "default_action", "threshold", "deny", "allow", "rate_limit"},
                      "the policy");
  Policy policy;
  policy.name = optional_string(root, "name", "the policy", "");
  policy.default_action =
      action_at(root, "default_action", "the policy", root, ModerationAction::kApprove);

  if (const toml::node* node = root.get("threshold")) {
    const toml::array* rules = node->as_array();
    if (rules == nullptr) fail(*node, "'threshold' must be an array of tables ([[threshold]])");
    std::set<std::string> names;
    for (std::size_t i = 0; i < rules->size(); ++i) {
      const toml::table* table = (*rules)[i].as_table();
      if (table == nullptr) fail((*rules)[i], "each [[threshold]] must be a table");
      ThresholdRule rule = parse_threshold(*table, i);
      if (!names.insert(rule.name).second)
        fail(*table, "duplicate threshold name '" + rule.name + "'");
      policy.thresholds.push_back(std::move(rule));
    }
    std::stable_sort(policy.thresholds.begin(), policy.thresholds.end(),
                     [](const ThresholdRule& a, const ThresholdRule& b) {
                       if (a.action != b.action) return a.action > b.action;
                       return a.threshold > b.threshold;
                     });
  }

  if (const toml::node* node = root.get("deny")) {
    const toml::table* table = node->as_table();
    if (table == nullptr) fail(*node, "'deny' must be a table ([deny])");
    reject_unknown_keys(*table, {"terms", "action", "reason"}, "[deny]");
    DenyList deny;
    deny.action = action_at(*table, "action", "[deny]", *table, ModerationAction::kHold);
    deny.reason = optional_string(*table, "reason", "[deny]", "contains a denied term");
    for (const auto& [written, item] : string_array(*table, "terms", "[deny]")) {
      DenyTerm term;
      term.written = written;
      std::string body = written;
      // A trailing '*' marks a prefix; strip it before normalising, which would
      // otherwise read it as a masked letter.
      while (!body.empty() && body.back() == '*') {
        term.prefix = true;
        body.pop_back();
      }
      term.norms = token_norms(body);
      if (term.norms.empty()) fail(*item, "deny term '" + written + "' has no letters or digits");
      deny.terms.push_back(std::move(term));
    }
    policy.deny = std::move(deny);
  }

  if (const toml::node* node = root.get("allow")) {
    const toml::table* table = node->as_table();
    if (table == nullptr) fail(*node, "'allow' must be a table ([allow])");
    reject_unknown_keys(*table, {"terms"}, "[allow]");
    for (const auto& [written, item] : string_array(*table, "terms", "[allow]")) {
      const auto norms = token_norms(written);
      if (norms.size() != 1) fail(*item, "allow term '" + written + "' must be a single word");
      policy.allow.push_back(norms.front());
    }
  }

  if (const toml::node* node = root.get("rate_limit")) {
    const toml::table* table = node->as_table();
    if (table == nullptr) fail(*node, "'rate_limit' must be a table ([rate_limit])");
    reject_unknown_keys(*table, {"max_comments", "window_seconds", "action", "reason"},
                        "[rate_limit]");
    RateLimitRule rule;
    rule.max_comments = static_cast<int>(std::min<std::int64_t>(
        positive_integer(*table, "max_comments", "[rate_limit]", *table), 1 << 30));
    rule.window_seconds = static_cast<int>(std::min<std::int64_t>(
        positive_integer(*table, "window_seconds", "[rate_limit]", *table), 1 << 30));
    rule.action = action_at(*table, "action", "[rate_limit]", *table, ModerationAction::kHold);
    rule.reason = optional_string(*table, "reason", "[rate_limit]", "posting too fast");
    policy.rate_limit = rule;
  }
  return policy;
}

const std::string& builtin_default_policy_toml() {
  // Kept in step with policies/default.toml (a test checks they agree).
  static const std::string kDefault = R"toml(name = "default"
default_action = "approve"

[[threshold]]
name = "severe-toxicity"
attribute = "SEVERE_TOXICITY"
at_least = 0.85
action = "reject"
reason = "This comment is very likely to be abusive."

[[threshold]]
name = "threat"
attribute = "THREAT"
at_least = 0.85
action = "hold"
reason = "This comment may contain a threat; a moderator will review it."

[[threshold]]
name = "toxicity-hold"
attribute = "TOXICITY"
at_least = 0.8
action = "hold"
reason = "This comment may be toxic; a moderator will review it."

[[threshold]]
name = "toxicity-nudge"
attribute = "TOXICITY"
at_least = 0.6
action = "nudge"
reason = "Your comment may come across as hostile. Consider rephrasing it."

[rate_limit]
max_comments = 10
window_seconds = 60
action = "hold"
reason = "You are posting very quickly; a moderator will review this comment."
)toml";
  return kDefault;
}

}  // namespace comity
