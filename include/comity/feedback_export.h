// Turns stored feedback into a training dataset.
//
// Output is JSON Lines, one object per feedback row:
//   {"text": "...", "labels": {"TOXICITY": 1.0, ...}, "community_id": "...",
//    "client_token": "...", "source": "suggestscore", "created_at": "...", "language": "en"}
// so a training recipe reads it with text field "text" and label fields
// "labels.TOXICITY", "labels.INSULT", ... (soft labels in [0, 1]).
#pragma once
#include <cstdint>
#include <ostream>

#include "comity/store.h"

namespace comity {

struct FeedbackExportCounts {
  std::int64_t written = 0;
  // Rows stored under doNotStore carry no text and cannot train anything.
  std::int64_t skipped_without_text = 0;
};

// Writes every feedback row with text, in insertion order. Throws StoreError
// when the stream fails.
FeedbackExportCounts export_feedback_jsonl(Store& store, std::ostream& out);

}  // namespace comity
