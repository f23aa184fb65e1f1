// Coral Talk's external moderation phase (docs/integrations.md#coral-talk): Coral
// POSTs each new or edited comment here and takes the answer as the comment's
// status, so a Coral site is moderated by its community's Comity policy.
//
// Coral's contract (server/src/core/server/services/comments/pipeline/phases/
// external.ts in coralproject/talk): the body is the request object serialised
// with two-space indentation, signed as `X-Coral-Signature: sha256=<hex>` (HMAC-
// SHA256 of the raw body under each active secret of the phase, comma-separated
// while a secret is being rotated); no timestamp and no id of the new comment are
// sent. Any answer that is not 2xx, or that fails Coral's schema, makes Coral skip
// the phase, so the reply uses only Coral's own values.
#include <fmt/format.h>
#include <openssl/crypto.h>

#include <cctype>
#include <chrono>
#include <memory>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "comity/comment_status.h"
#include "comity/html_text.h"
#include "comity/moderation.h"
#include "comity/sha256.h"
#include "comity/time.h"
#include "moderation/comment_intake.h"
#include "moderation/moderation_events.h"
#include "moderation/moderation_routes.h"
#include "server/google_error.h"
#include "server/request_json.h"

namespace comity::server {
namespace {

using nlohmann::json;

constexpr std::size_t kMaxIdBytes = 256;

std::string_view trim(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) {
    text.remove_prefix(1);
  }
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) {
    text.remove_suffix(1);
  }
  return text;
}

// True when any `sha256=<hex>` element of the header equals `expected` (lowercase
// hex). Every element is compared in constant time, so timing tells an attacker
// nothing about how much of a forged signature was right.
bool signature_matches(std::string_view header, const std::string& expected) {
  bool matched = false;
  std::size_t begin = 0;
  while (begin <= header.size()) {
    std::size_t end = header.find(',', begin);
    if (end == std::string_view::npos) end = header.size();
    const std::string_view element = trim(header.substr(begin, end - begin));
    constexpr std::string_view kPrefix = "sha256=";
    if (element.size() == kPrefix.size() + expected.size() && element.starts_with(kPrefix)) {
      std::string value(element.substr(kPrefix.size()));
      for (char& c : value) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      matched |= CRYPTO_memcmp(value.data(), expected.data(), expected.size()) == 0;
    }
    begin = end + 1;
  }
  return matched;
}

const json& object_field(const json& parent, const char* name, const std::string& where) {
  const auto it = parent.find(name);
  if (it == parent.end() || !it->is_object()) {
    throw invalid_json(fmt::format("'{}{}' must be an object.", where, name), where + name);
  }
  return *it;
}

// A string field; "" when absent or null and not `required`. With `max_bytes`
// it is an id, which may also be an integer (kept as its decimal text).
std::string string_field(const json& object, const char* name, const std::string& where,
                         bool required, std::size_t max_bytes = 0) {
  const auto it = object.find(name);
  std::string value;
  if (it == object.end() || it->is_null()) {
    if (required) {
      throw invalid_json(fmt::format("Missing required field '{}{}'.", where, name), where + name);
    }
    return value;
  }
  if (max_bytes > 0 && it->is_number_unsigned()) {
    value = std::to_string(it->get<std::uint64_t>());
  } else if (max_bytes > 0 && it->is_number_integer()) {
    value = std::to_string(it->get<std::int64_t>());
  } else if (it->is_string()) {
    value = it->get<std::string>();
  } else {
    throw invalid_json(fmt::format("'{}{}' must be a string.", where, name), where + name);
  }
  if (required && value.empty()) {
    throw invalid_json(fmt::format("'{}{}' must not be empty.", where, name), where + name);
  }
  if (max_bytes > 0 && value.size() > max_bytes) {
    throw invalid_json(fmt::format("'{}{}' is longer than {} bytes.", where, name, max_bytes),
                       where + name);
  }
  return value;
}

// Coral's story ids are usually UUIDs, but a CMS may create stories with any id;
// Comity's thread ids appear in paths, so an id with '/' or ':' is made safe
// and suffixed with its hash, which keeps two such ids apart.
std::string thread_id_for_story(const std::string& story_id) {
  if (valid_thread_id(story_id)) return story_id;
  std::string safe = story_id.substr(0, 200);
  for (char& c : safe) {
    if (c == '/' || c == ':' || static_cast<unsigned char>(c) < 0x20) c = '-';
  }
  return safe + "-" + sha256_hex(story_id).substr(0, 16);
}

// Coral does not send the new comment's id: the same request, resent, gets the
// same id, which is what makes a retry return the stored decision.
std::string comment_id_for(const json& identity) {
  return "coral-" + sha256_hex(identity.dump()).substr(0, 32);
}

// Comity's stored status in Coral's terms. A held comment waits for a moderator,
// which Coral calls SYSTEM_WITHHELD ("flagged by an internal process for further
// review"; PREMOD is its per-story pre-moderation setting). A nudge asks the
// author to rephrase, which an external phase cannot do: Coral's own toxicity
// phase withholds a comment once its author posts it anyway, so does this one.
const char* coral_status(CommentStatus status) {
  if (status == CommentStatus::kApproved) return "APPROVED";
  if (status == CommentStatus::kRejected) return "REJECTED";
  return "SYSTEM_WITHHELD";
}

bool has_threshold_reason(const std::vector<std::string>& rules) {
  for (const std::string& rule : rules) {
    if (rule.starts_with("threshold:")) return true;
  }
  return false;
}

// Only Coral's values: a reply its schema rejects would be ignored whole.
json coral_answer(CommentStatus status, const std::vector<std::string>& rules) {
  json out = {{"status", coral_status(status)}};
  // A model score made the policy act: Coral's moderators see "toxic" as the
  // reason, as for its own Perspective phase. Deny lists and rate limits have
  // no flag in the contract (it allows only TOXIC and SPAM).
  if (status != CommentStatus::kApproved && has_threshold_reason(rules)) {
    out["actions"] = json::array({{{"actionType", "FLAG"}, {"reason", "COMMENT_DETECTED_TOXIC"}}});
  }
  return out;
}

std::vector<std::string> rules_of(const std::string& reasons_json) {
  std::vector<std::string> rules;
  const json reasons = json::parse(reasons_json, nullptr, false);
  if (!reasons.is_array()) return rules;
  for (const json& reason : reasons) {
    if (reason.is_object() && reason.contains("rule") && reason["rule"].is_string()) {
      rules.push_back(reason["rule"].get<std::string>());
    }
  }
  return rules;
}

class CoralExternalRoute {
 public:
  CoralExternalRoute(HttpServer& server, std::shared_ptr<ModerationStore> store,
                     std::shared_ptr<ModerationEvents> events)
      : server_(server), store_(std::move(store)), events_(std::move(events)) {}

  void handle(const Request& request, Response& response) {
    authenticate(request);
    const json root = parse_request_object(request.body);

    const std::string action = string_field(root, "action", "", false);
    if (!action.empty() && action != "NEW" && action != "EDIT") {
      throw invalid_json("'action' must be NEW or EDIT.", "action");
    }
    const json& comment_in = object_field(root, "comment", "");
    const json& author_in = object_field(root, "author", "");
    const json& story_in = object_field(root, "story", "");
    const std::string html = string_field(comment_in, "body", "comment.", false);
    if (comment_in.find("body") == comment_in.end()) {
      throw invalid_json("Missing required field 'comment.body'.", "comment.body");
    }
    const std::string parent = string_field(comment_in, "parentID", "comment.", false, kMaxIdBytes);
    const std::string author = string_field(author_in, "id", "author.", true, kMaxIdBytes);
    const std::string story_id = string_field(story_in, "id", "story.", true, kMaxIdBytes);
    const std::string story_url = string_field(story_in, "url", "story.", false);
    const std::string tenant = string_field(root, "tenantID", "", false, kMaxIdBytes);

    // Policies are per community: ?community= when given, else Coral's site.
    std::string community = request.get_param_value("community");
    if (community.empty()) {
      const auto site = root.find("site");
      if (site == root.end() || !site->is_object()) {
        throw invalid_json("'site' must be an object (or give ?community=).", "site");
      }
      community = string_field(*site, "id", "site.", true, kMaxIdBytes);
    }
    if (!valid_thread_id(community)) {
      throw invalid_argument(
          "The community must be 1 to 256 bytes without '/' or ':'; give ?community= in the "
          "phase's URL.");
    }

    // Coral sends HTML or plain text as the phase's format says; HTML-to-text
    // leaves plain text as it is (a lone "x<y" stays text).
    const std::string text(trim(html_to_text(html).text));
    if (text.empty()) {
      // Nothing to score (a comment of only an image): Coral's "no opinion".
      response.status = 204;
      return;
    }
    if (text.size() > server_.config().max_comment_bytes) {
      throw invalid_argument("Comment text too long.", kCommentTooLong);
    }

    ThreadRecord thread;
    thread.id = thread_id_for_story(story_id);
    thread.community = community;
    thread.url = story_url;

    CommentRecord comment;
    comment.id = comment_id_for(json::array(
        {tenant, community, story_id, author, parent, action.empty() ? "NEW" : action, html}));
    comment.community = community;
    comment.thread = thread.id;
    if (!parent.empty()) comment.parent = parent;
    comment.author = author;
    comment.created_unix = unix_now();
    comment.created_at = format_rfc3339(comment.created_unix);
    const std::string id = comment.id;
    response.set_header("X-Comity-Comment-Id", id);

    // A request seen before: its decision as it stands now (a moderator's
    // verdict included), nothing stored twice.
    if (const auto stored = store_->find_comment(id)) {
      reply(response, stored_answer(*stored));
      return;
    }
    const auto analyzer = server_.current_analyzer();
    CommentIntake intake(*store_, *analyzer, &policies_);
    try {
      const IntakeResult result = intake.submit(thread, std::move(comment), text, false);
      events_->comment_stored(result.item.comment);
      std::vector<std::string> rules;
      for (const DecisionReason& reason : result.decision.reasons) rules.push_back(reason.rule);
      reply(response, coral_answer(result.item.comment.status, rules));
    } catch (const IntakeError& e) {
      if (e.kind() == IntakeError::Kind::kConflict) {
        // The same request twice at once: the other one stored it first.
        if (const auto stored = store_->find_comment(id)) {
          reply(response, stored_answer(*stored));
          return;
        }
        throw ApiError(409, e.what());
      }
      throw ApiError(500, e.what());
    }
  }

 private:
  void authenticate(const Request& request) const {
    const std::string& secret = server_.config().coral_signing_secret;
    if (secret.empty()) {
      if (server_.config().no_auth) return;  // loopback only, for trying it out
      throw ApiError(403,
                     "Coral external moderation is not configured: set coral_signing_secret "
                     "(COMITY_CORAL_SIGNING_SECRET) to the phase's signing secret.");
    }
    const std::string header = request.get_header_value("X-Coral-Signature");
    if (header.empty()) {
      throw ApiError(401,
                     "The request has no X-Coral-Signature header: Coral signs every "
                     "external moderation request with the phase's signing secret.");
    }
    if (!signature_matches(header, hmac_sha256_hex(secret, request.body))) {
      throw ApiError(403,
                     "X-Coral-Signature does not match the body signed with "
                     "coral_signing_secret.");
    }
  }

  json stored_answer(const StoredComment& stored) {
    // The flag comes from the policy's decision, even after a moderator's.
    std::vector<std::string> rules;
    for (const DecisionRecord& d : store_->decisions(stored.comment.id)) {
      if (d.actor == "policy") rules = rules_of(d.reasons_json);
    }
    return coral_answer(stored.comment.status, rules);
  }

  static void reply(Response& response, const json& body) {
    response.status = 200;
    response.set_content(body.dump(), "application/json; charset=UTF-8");
  }

  HttpServer& server_;
  std::shared_ptr<ModerationStore> store_;
  std::shared_ptr<ModerationEvents> events_;
  PolicyCache policies_;
};

}  // namespace

void register_coral_external_route(HttpServer& server, std::shared_ptr<ModerationStore> store,
                                   std::shared_ptr<ModerationEvents> events) {
  auto route = std::make_shared<CoralExternalRoute>(server, std::move(store), std::move(events));
  // Public: Coral cannot send a Comity key, it signs the body instead (checked first).
  server.add_route(
      "POST", "/v1/coral/external-moderation", HttpServer::kPublic,
      [route](const Request& q, Response& r, const std::smatch&) { route->handle(q, r); });
}

}  // namespace comity::server
