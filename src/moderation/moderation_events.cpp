#include "moderation/moderation_events.h"

#include "comity/comment_status.h"

namespace comity::server {

using nlohmann::json;

void ModerationEvents::publish(const std::string& community, const char* type, const json& data) {
  hub_.publish(community, type, data.dump(-1, ' ', false, json::error_handler_t::replace));
}

void ModerationEvents::comment_stored(const CommentRecord& comment) {
  if (comment.status != CommentStatus::kHeld) return;
  publish(comment.community, "comment.held",
          {{"comment_id", comment.id},
           {"thread", comment.thread},
           {"author", comment.author},
           {"status", status_string(comment.status)},
           {"risk", comment.risk},
           {"created_at", comment.created_at}});
}

void ModerationEvents::comment_decided(const CommentRecord& comment, const std::string& action,
                                       const std::string& status, const std::string& actor,
                                       std::int64_t decision_id) {
  publish(comment.community, "comment.decided",
          {{"comment_id", comment.id},
           {"thread", comment.thread},
           {"action", action},
           {"status", status},
           {"actor", actor},
           {"decision_id", decision_id}});
}

void ModerationEvents::comment_reported(const CommentRecord& comment, std::int64_t open_reports) {
  publish(comment.community, "comment.reported",
          {{"comment_id", comment.id}, {"thread", comment.thread}, {"open_reports", open_reports}});
}

void ModerationEvents::author_standing(const std::string& community, const std::string& author,
                                       const json& standing) {
  publish(community, "author.standing", {{"author", author}, {"standing", standing}});
}

void ModerationEvents::thread_imported(const std::string& community, const std::string& thread_id,
                                       std::int64_t imported,
                                       const std::map<std::string, std::int64_t>& actions) {
  publish(community, "thread.imported",
          {{"thread", thread_id}, {"imported", imported}, {"actions", actions}});
}

}  // namespace comity::server
