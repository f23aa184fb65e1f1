// The one home of comment statuses (include/comity/comment_status.h): names both
// ways, and where each decision leaves a comment.
#include "comity/comment_status.h"

#include <gtest/gtest.h>

namespace comity {
namespace {

TEST(CommentStatus, NamesRoundTripAndUnknownNamesAreRefused) {
  for (const CommentStatus status :
       {CommentStatus::kPending, CommentStatus::kApproved, CommentStatus::kNudged,
        CommentStatus::kHeld, CommentStatus::kRejected}) {
    EXPECT_EQ(parse_status(status_name(status)), status) << status_name(status);
  }
  EXPECT_EQ(status_name(CommentStatus::kHeld), "held");
  EXPECT_FALSE(parse_status("any"));
  EXPECT_FALSE(parse_status("Held"));
  EXPECT_FALSE(parse_status(""));
}

TEST(CommentStatus, EachDecisionLeavesTheCommentInItsStatus) {
  EXPECT_EQ(status_after(ModerationAction::kApprove), CommentStatus::kApproved);
  EXPECT_EQ(status_after(ModerationAction::kNudge), CommentStatus::kNudged);
  EXPECT_EQ(status_after(ModerationAction::kHold), CommentStatus::kHeld);
  EXPECT_EQ(status_after(ModerationAction::kReject), CommentStatus::kRejected);
  EXPECT_EQ(status_after_decision("approve"), CommentStatus::kApproved);
  EXPECT_EQ(status_after_decision("edit_approve"), CommentStatus::kApproved);
  EXPECT_EQ(status_after_decision("reject"), CommentStatus::kRejected);
  EXPECT_EQ(status_after_decision("hold"), CommentStatus::kHeld);
  EXPECT_EQ(status_after_decision("nudge"), CommentStatus::kNudged);
  // An undo restores whatever came before: no status of its own.
  EXPECT_FALSE(status_after_decision("undo"));
  EXPECT_FALSE(status_after_decision("approved"));
}

}  // namespace
}  // namespace comity
