// Replaying a community's stored history through two policies, to see what a
// draft would change before it goes live.
#pragma once
#include <map>
#include <string>
#include <vector>

#include "comity/moderation.h"
#include "comity/moderation_store.h"

namespace comity {

struct DryRunExample {
  std::string comment_id;
  std::optional<std::string> text;
  ModerationAction before = ModerationAction::kApprove;
  ModerationAction after = ModerationAction::kApprove;
  std::vector<DecisionReason> reasons_after;
};

struct DryRunReport {
  std::int64_t comments = 0;  // replayed (scored) comments
  std::int64_t skipped = 0;   // stored without scores
  std::int64_t changed = 0;
  std::map<std::string, std::int64_t> before;  // action name -> count
  std::map<std::string, std::int64_t> after;
  std::vector<DryRunExample> examples;  // the first `max_examples` changes, oldest first
};

// Comments are replayed oldest first with their stored scores; each policy's
// rate limit counts the author's earlier comments in the history.
DryRunReport dry_run_policy(ModerationStore& store, const std::string& community,
                            const Policy& current, const Policy& draft,
                            std::size_t max_examples = 10);

}  // namespace comity
