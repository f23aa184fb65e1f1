#include "comity/comment_status.h"

#include <array>
#include <utility>

namespace comity {
namespace {

constexpr std::array<std::pair<CommentStatus, std::string_view>, 5> kNames = {{
    {CommentStatus::kPending, "pending"},
    {CommentStatus::kApproved, "approved"},
    {CommentStatus::kNudged, "nudged"},
    {CommentStatus::kHeld, "held"},
    {CommentStatus::kRejected, "rejected"},
}};

}  // namespace

std::string_view status_name(CommentStatus status) {
  for (const auto& [value, name] : kNames) {
    if (value == status) return name;
  }
  return "pending";
}

std::optional<CommentStatus> parse_status(std::string_view name) {
  for (const auto& [value, known] : kNames) {
    if (known == name) return value;
  }
  return std::nullopt;
}

CommentStatus status_after(ModerationAction action) {
  switch (action) {
    case ModerationAction::kApprove:
      return CommentStatus::kApproved;
    case ModerationAction::kNudge:
      return CommentStatus::kNudged;
    case ModerationAction::kHold:
      return CommentStatus::kHeld;
    case ModerationAction::kReject:
      return CommentStatus::kRejected;
  }
  return CommentStatus::kPending;
}

std::optional<CommentStatus> status_after_decision(std::string_view action) {
  if (action == "edit_approve") return CommentStatus::kApproved;
  if (const auto policy = parse_action(action)) return status_after(*policy);
  return std::nullopt;
}

}  // namespace comity
