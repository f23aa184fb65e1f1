#include <algorithm>
#include <unordered_map>

#include "comity/moderation_dry_run.h"

namespace comity {
namespace {

// Earlier comments by the same author within the policy's window. `times` holds
// the author's earlier comment times in ascending order.
int recent_count(const Policy& policy, const std::vector<std::int64_t>& times, std::int64_t now) {
  if (!policy.rate_limit) return 0;
  const auto from =
      std::lower_bound(times.begin(), times.end(), now - policy.rate_limit->window_seconds);
  return static_cast<int>(times.end() - from);
}

}  // namespace

DryRunReport dry_run_policy(ModerationStore& store, const std::string& community,
                            const Policy& current, const Policy& draft, std::size_t max_examples) {
  DryRunReport report;
  for (const ModerationAction action : {ModerationAction::kApprove, ModerationAction::kNudge,
                                        ModerationAction::kHold, ModerationAction::kReject}) {
    report.before[std::string(action_name(action))] = 0;
    report.after[std::string(action_name(action))] = 0;
  }
  std::unordered_map<std::string, std::vector<std::int64_t>> times_by_author;
  store.for_each_comment(community, [&](const StoredComment& stored) {
    const CommentRecord& comment = stored.comment;
    auto& times = times_by_author[comment.author];
    if (!stored.scores) {
      ++report.skipped;
    } else {
      ++report.comments;
      PolicyInput input;
      input.text = comment.text ? std::string_view(*comment.text) : std::string_view();
      input.scores = stored.scores->scores;
      const bool anonymous = comment.author.empty();
      input.recent_comments_by_author =
          anonymous ? 0 : recent_count(current, times, comment.created_unix);
      const PolicyDecision before = evaluate_policy(current, input);
      input.recent_comments_by_author =
          anonymous ? 0 : recent_count(draft, times, comment.created_unix);
      PolicyDecision after = evaluate_policy(draft, input);
      ++report.before[std::string(action_name(before.action))];
      ++report.after[std::string(action_name(after.action))];
      if (before.action != after.action) {
        ++report.changed;
        if (report.examples.size() < max_examples) {
          report.examples.push_back(
              {comment.id, comment.text, before.action, after.action, std::move(after.reasons)});
        }
      }
    }
    times.push_back(comment.created_unix);
  });
  return report;
}

}  // namespace comity
