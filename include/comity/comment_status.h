// A comment's moderation status: the one home of its names and of which status a
// decision leaves a comment in. CommentRecord carries the enum; the store keeps
// the name (comments.status) and the API shows it, both through status_name().
#pragma once
#include <optional>
#include <string>
#include <string_view>

#include "comity/moderation.h"

namespace comity {

enum class CommentStatus { kPending, kApproved, kNudged, kHeld, kRejected };

// "pending", "approved", "nudged", "held", "rejected".
std::string_view status_name(CommentStatus status);
inline std::string status_string(CommentStatus status) { return std::string(status_name(status)); }
std::optional<CommentStatus> parse_status(std::string_view name);
// Where the policy's action leaves a new comment.
CommentStatus status_after(ModerationAction action);
// Where a stored decision's action leaves the comment: the policy's (approve,
// nudge, hold, reject) and moderators' (approve, edit_approve, reject); nullopt for
// any other action (an undo restores what was before, see decision_history_status).
std::optional<CommentStatus> status_after_decision(std::string_view action);

}  // namespace comity
