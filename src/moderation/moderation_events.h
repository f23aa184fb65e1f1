// What moderators' pages hear live (GET /v1/events?community=C, docs/moderation.md):
// a comment held for review, a decision taken (or undone), a reader's report, an
// author's standing changed, a thread imported. One event type per happening, each
// published to its community's subscribers after the change is stored.
#pragma once
#include <cstdint>
#include <map>
#include <string>

#include <nlohmann/json.hpp>

#include "comity/moderation_store.h"
#include "server/event_hub.h"

namespace comity::server {

class ModerationEvents {
 public:
  explicit ModerationEvents(EventHubOptions options) : hub_(options) {}

  EventHub& hub() { return hub_; }

  // A comment intake stored (new, or a resubmitted nudge): comment.held when it
  // is held for review, nothing otherwise.
  void comment_stored(const CommentRecord& comment);
  // comment.decided: a moderator decided (action approve, reject, edit_approve) or
  // undid a decision (action undo); `status` is the comment's status now.
  void comment_decided(const CommentRecord& comment, const std::string& action,
                       const std::string& status, const std::string& actor,
                       std::int64_t decision_id);
  // comment.reported: a reader reported the comment; `open_reports` it has now.
  void comment_reported(const CommentRecord& comment, std::int64_t open_reports);
  // author.standing: trusted, suspended, banned or cleared (`standing` null).
  void author_standing(const std::string& community, const std::string& author,
                       const nlohmann::json& standing);
  // thread.imported: one event per stored import, not one per comment.
  void thread_imported(const std::string& community, const std::string& thread_id,
                       std::int64_t imported, const std::map<std::string, std::int64_t>& actions);

 private:
  void publish(const std::string& community, const char* type, const nlohmann::json& data);
  EventHub hub_;
};

}  // namespace comity::server
