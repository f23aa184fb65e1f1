#include "moderation/moderation_routes.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <functional>
#include <unordered_map>

#include <nlohmann/json.hpp>

#include "comity/comment_status.h"
#include "comity/moderation.h"
#include "comity/moderation_dry_run.h"
#include "comity/scores_json.h"
#include "comity/text.h"
#include "comity/thread.h"
#include "comity/time.h"
#include "moderation/comment_intake.h"
#include "moderation/moderation_events.h"
#include "server/google_error.h"
#include "server/language.h"
#include "server/request_json.h"

namespace comity::server {
namespace {

using nlohmann::json;

constexpr std::size_t kDefaultLimit = 50;
constexpr std::size_t kMaxLimit = 500;
constexpr std::size_t kMaxDecisionsPerRequest = 500;
constexpr std::size_t kMaxIdBytes = 256;
constexpr const char* kUndo = "undo";  // the action of a decision that undoes another

void reply(Response& response, int status, const json& body) {
  response.status = status;
  response.set_content(body.dump(-1, ' ', false, json::error_handler_t::replace),
                       "application/json; charset=UTF-8");
}

json parse_body(const Request& request) { return parse_request_object(request.body); }

std::string string_field(const json& object, const char* name, const std::string& where,
                         bool required) {
  const auto it = object.find(name);
  if (it == object.end() || it->is_null()) {
    if (required) {
      throw invalid_json(fmt::format("Missing required field '{}{}'.", where, name), where + name);
    }
    return "";
  }
  if (!it->is_string()) {
    throw invalid_json(fmt::format("'{}{}' must be a string.", where, name), where + name);
  }
  return it->get<std::string>();
}

std::string id_field(const json& object, const char* name, const std::string& where,
                     bool required) {
  const auto it = object.find(name);
  // Integration code often has numeric ids; accept them as their decimal text.
  // nlohmann keeps integers above INT64_MAX unsigned: read those as unsigned.
  if (it != object.end() && it->is_number_unsigned()) {
    return std::to_string(it->get<std::uint64_t>());
  }
  if (it != object.end() && it->is_number_integer()) {
    return std::to_string(it->get<std::int64_t>());
  }
  std::string value = string_field(object, name, where, required);
  if (required && value.empty()) {
    throw invalid_json(fmt::format("'{}{}' must not be empty.", where, name), where + name);
  }
  if (value.size() > kMaxIdBytes) {
    throw invalid_json(fmt::format("'{}{}' is longer than {} bytes.", where, name, kMaxIdBytes),
                       where + name);
  }
  return value;
}

std::string required_param(const Request& request, const char* name) {
  std::string value = request.get_param_value(name);
  if (value.empty()) {
    throw invalid_argument(fmt::format("The '{}' parameter is required.", name));
  }
  return value;
}

std::size_t limit_param(const Request& request) {
  if (!request.has_param("limit")) {
    return kDefaultLimit;
  }
  const std::string text = request.get_param_value("limit");
  std::size_t value = 0;
  try {
    std::size_t used = 0;
    if (text.empty() || text.front() < '0' || text.front() > '9') {
      throw std::invalid_argument(text);
    }
    value = std::stoul(text, &used);
    if (used != text.size()) {
      throw std::invalid_argument(text);
    }
  } catch (const std::exception&) {
    throw invalid_argument("'limit' must be a positive integer.");
  }
  if (value == 0) {
    throw invalid_argument("'limit' must be a positive integer.");
  }
  return std::min(value, kMaxLimit);
}

std::size_t offset_param(const Request& request) {
  if (!request.has_param("offset")) return 0;
  const std::string text = request.get_param_value("offset");
  if (text.empty() || text.size() > 9 ||
      !std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    throw invalid_argument("'offset' must be a non-negative integer below 10^9.");
  }
  return std::stoul(text);
}

// Who is acting, for policies changed over the API (the console passes its user).
std::string actor_of(const Request& request) {
  std::string actor = request.get_param_value("actor");
  if (actor.empty()) {
    actor = request.get_header_value("X-Comity-Actor");
  }
  return actor.empty() ? "api" : actor;
}

json parsed_or_empty(const std::string& text, const json& fallback) {
  json value = json::parse(text, nullptr, false);
  return value.is_discarded() ? fallback : value;
}

// Intake's refusals in the API's terms.
template <typename Fn>
auto translate(Fn&& fn) {
  try {
    return fn();
  } catch (const IntakeError& e) {
    throw ApiError(e.kind() == IntakeError::Kind::kConflict ? 409 : 500, e.what());
  }
}

ApiError policy_error(const PolicyError& e) {
  json violation = {{"field", e.line() > 0 ? fmt::format("line {}", e.line()) : "policy"},
                    {"description", e.what()}};
  return ApiError(400, std::string("Invalid policy: ") + e.what(),
                  json::array({{{"@type", "type.googleapis.com/google.rpc.BadRequest"},
                                {"fieldViolations", json::array({violation})}}}));
}

json decision_json(const DecisionRecord& d) {
  json out = {{"id", d.id},
              {"action", d.action},
              {"actor", d.actor},
              {"reason", d.reason},
              {"reasons", parsed_or_empty(d.reasons_json, json::array())},
              {"created_at", d.created_at}};
  if (d.policy_version) {
    out["policy_version"] = *d.policy_version;
  }
  return out;
}

json comment_json(const StoredComment& stored) {
  const CommentRecord& c = stored.comment;
  json out = {{"id", c.id},
              {"thread", c.thread},
              {"parent", c.parent ? json(*c.parent) : json(nullptr)},
              {"author", c.author},
              {"created_at", c.created_at},
              {"text", c.text ? json(*c.text) : json(nullptr)},
              {"status", status_string(c.status)},
              {"risk", std::round(c.risk * 1e6) / 1e6}};
  if (stored.scores) {
    out["scores"] = attribute_scores_json(stored.scores->scores);
    out["model_version"] = stored.scores->model_version;
    out["highlights"] = parsed_or_empty(stored.scores->highlights_json, json::array());
  }
  if (stored.last_decision) {
    out["decision"] = decision_json(*stored.last_decision);
  }
  return out;
}

class ModerationApi {
 public:
  ModerationApi(HttpServer& server, std::shared_ptr<ModerationStore> store,
                std::shared_ptr<ModerationEvents> events)
      : server_(server), store_(std::move(store)), events_(std::move(events)) {}

  void submit_comment(const Request& request, Response& response) {
    const json root = parse_body(request);
    const std::string community = id_field(root, "community", "", true);
    const auto thread_it = root.find("thread");
    const auto comment_it = root.find("comment");
    if (thread_it == root.end() || !thread_it->is_object()) {
      throw invalid_json("'thread' must be an object.", "thread");
    }
    if (comment_it == root.end() || !comment_it->is_object()) {
      throw invalid_json("'comment' must be an object.", "comment");
    }
    ThreadRecord thread;
    thread.id = id_field(*thread_it, "id", "thread.", true);
    // Thread ids appear in paths (/v1/threads/{id}): one rule with imports.
    if (!valid_thread_id(thread.id)) {
      throw invalid_json("'thread.id' must be 1 to 256 bytes without '/' or ':'.", "thread.id");
    }
    thread.community = community;
    thread.url = string_field(*thread_it, "url", "thread.", false);
    thread.title = string_field(*thread_it, "title", "thread.", false);
    thread.body = string_field(*thread_it, "body", "thread.", false);

    CommentRecord comment;
    comment.id = id_field(*comment_it, "id", "comment.", true);
    comment.community = community;
    comment.thread = thread.id;
    const std::string parent = id_field(*comment_it, "parent", "comment.", false);
    if (!parent.empty()) {
      comment.parent = parent;
    }
    comment.author = string_field(*comment_it, "author", "comment.", false);
    const std::string text = string_field(*comment_it, "text", "comment.", true);
    if (text.empty()) {
      throw invalid_argument("Comment must be non-empty.", kCommentEmpty);
    }
    if (text.size() > server_.config().max_comment_bytes) {
      throw invalid_argument("Comment text too long.", kCommentTooLong);
    }
    const std::string time = string_field(*comment_it, "time", "comment.", false);
    if (time.empty()) {
      comment.created_unix = unix_now();
    } else {
      const auto parsed = parse_rfc3339(time);
      if (!parsed) {
        throw invalid_json("'comment.time' must be an RFC 3339 timestamp.", "comment.time");
      }
      comment.created_unix = *parsed;
    }
    comment.created_at = format_rfc3339(comment.created_unix);
    bool do_not_store = false;
    // snake_case like the rest of Comity's own API; doNotStore as Perspective spells it.
    for (const char* name : {"do_not_store", "doNotStore"}) {
      const auto it = root.find(name);
      if (it == root.end() || it->is_null()) continue;
      if (!it->is_boolean()) {
        throw invalid_json(std::string("'") + name + "' must be true or false.", name);
      }
      do_not_store = it->get<bool>();
    }
    reply(response, 200, intake(thread, std::move(comment), text, do_not_store));
  }

  // The reply of POST /v1/comments. Throws ApiError 409 for a known id.
  json intake(const ThreadRecord& thread, CommentRecord comment, const std::string& text,
              bool do_not_store) {
    const auto analyzer = server_.current_analyzer();
    CommentIntake intake(*store_, *analyzer, &policies_);
    const IntakeResult result =
        translate([&] { return intake.submit(thread, std::move(comment), text, do_not_store); });
    events_->comment_stored(result.item.comment);
    return json{{"comment_id", result.item.comment.id},
                {"status", status_string(result.item.comment.status)},
                {"model", result.item.scores.model_version},
                {"scores", attribute_scores_json(result.item.scores.scores)},
                {"highlights", result.highlights},
                {"decision",
                 {{"action", result.item.decision.action},
                  {"reasons", decision_reasons_json(result.decision.reasons)},
                  {"policy_version", result.policy_version}}}};
  }

  // A site's export (Comity JSONL, WordPress WXR, Disqus XML, text dump): with
  // `thread`, one thread stored under that id; with `prefix` instead, every
  // thread of a site export, named like `comity import` names them. Every
  // comment is decided as if posted live and all is stored in one transaction
  // (CommentIntake::import_threads).
  void import_thread(const Request& request, Response& response) {
    const std::string community = required_param(request, "community");
    const std::string thread_id = request.get_param_value("thread");
    const std::string prefix = request.get_param_value("prefix");
    if (thread_id.empty() == prefix.empty()) {
      throw invalid_argument(
          "Give either 'thread' (import one thread under that id) or 'prefix' (import every "
          "thread of a site export as <prefix>-<post id>).");
    }
    std::optional<ThreadFormat> format;
    if (request.has_param("format")) {
      format = parse_thread_format(request.get_param_value("format"));
      if (!format) {
        throw invalid_argument("'format' must be jsonl, wxr, disqus or text.");
      }
    }
    const bool dry_run =
        request.get_param_value("dry_run") == "true" || request.get_param_value("dryRun") == "true";
    std::vector<Thread> sources;
    try {
      if (!thread_id.empty()) {
        sources.push_back(comity::import_thread(request.body, "body", format));
      } else {
        sources = comity::import_site(request.body, "body", format);
      }
    } catch (const ThreadImportError& e) {
      json violation = {{"field", e.where()}, {"description", e.what()}};
      throw ApiError(400, std::string("Cannot import the thread: ") + e.what(),
                     json::array({{{"@type", "type.googleapis.com/google.rpc.BadRequest"},
                                   {"fieldViolations", json::array({violation})}}}));
    }
    std::vector<ThreadToImport> threads;
    for (const Thread& source : sources) {
      // Required rather than taken from the article URL: thread ids appear in paths.
      const std::string id = thread_id.empty() ? import_thread_id(prefix, source) : thread_id;
      if (!valid_thread_id(id)) {
        throw invalid_argument("Thread ids must be 1 to 256 bytes without '/' or ':'.");
      }
      threads.push_back(thread_to_import(id, community, source));
    }
    const auto analyzer = server_.current_analyzer();
    CommentIntake intake(*store_, *analyzer, &policies_);
    const std::vector<ImportSummary> summaries = translate([&] {
      return intake.import_threads(threads, server_.config().max_comment_bytes, dry_run);
    });
    std::int64_t imported = 0, skipped = 0;
    json per_thread = json::array();
    std::map<std::string, std::int64_t> actions;
    json warnings = json::array();
    for (const ImportSummary& s : summaries) {
      if (!dry_run && s.imported > 0) {
        events_->thread_imported(community, s.thread_id, s.imported, s.actions);
      }
      per_thread.push_back({{"thread_id", s.thread_id},
                            {"imported", s.imported},
                            {"skipped", s.skipped},
                            {"actions", s.actions},
                            {"warnings", s.warnings}});
      imported += s.imported;
      skipped += s.skipped;
      for (const auto& [action, count] : s.actions) {
        actions[action] += count;
      }
      for (const std::string& w : s.warnings) {
        warnings.push_back(s.thread_id + ": " + w);
      }
    }
    json out = {{"dry_run", dry_run}, {"imported", imported}, {"skipped", skipped}};
    if (!thread_id.empty()) {
      out["thread_id"] = thread_id;
      out["warnings"] = summaries.front().warnings;
    } else {
      out["warnings"] = std::move(warnings);
    }
    out["actions"] = actions;
    out["threads"] = std::move(per_thread);
    reply(response, 200, out);
  }

  // The review queue with what a moderator needs to decide: the article, the
  // comment replied to and the author's record, filtered, sorted and paged.
  void queue(const Request& request, Response& response) {
    QueueQuery query;
    query.community = required_param(request, "community");
    if (request.has_param("status")) {
      query.status = request.get_param_value("status");
      if (query.status != "any" && !parse_status(query.status)) {
        throw invalid_argument(
            "'status' must be held, nudged, approved, rejected, pending or any.");
      }
    }
    query.thread = request.get_param_value("thread");
    query.author = request.get_param_value("author");
    query.text_contains = request.get_param_value("q");
    if (query.text_contains.size() > kMaxIdBytes) {
      throw invalid_argument(fmt::format("'q' is longer than {} bytes.", kMaxIdBytes));
    }
    for (const auto& [name, target] :
         {std::pair{"since", &query.since_unix}, std::pair{"until", &query.until_unix}}) {
      if (!request.has_param(name)) continue;
      const auto parsed = parse_rfc3339(request.get_param_value(name));
      if (!parsed) throw invalid_argument(fmt::format("'{}' must be an RFC 3339 time.", name));
      *target = *parsed;
    }
    const std::string sort = request.get_param_value("sort");
    if (sort == "newest") {
      query.order = QueueQuery::Order::kNewest;
    } else if (sort == "oldest") {
      query.order = QueueQuery::Order::kOldest;
    } else if (!sort.empty() && sort != "risk") {
      throw invalid_argument("'sort' must be risk, newest or oldest.");
    }
    query.limit = limit_param(request);
    query.offset = offset_param(request);
    const QueuePage page = store_->queue(query);

    // The page's articles, parents and authors: one query each for the whole page.
    std::vector<std::string> thread_ids, parent_ids, author_names;
    for (const StoredComment& stored : page.comments) {
      thread_ids.push_back(stored.comment.thread);
      if (stored.comment.parent) parent_ids.push_back(*stored.comment.parent);
      if (!stored.comment.author.empty()) author_names.push_back(stored.comment.author);
    }
    const auto threads = store_->find_threads(thread_ids);
    const auto parents = store_->find_comments(parent_ids);
    const auto histories = store_->author_histories(query.community, author_names);
    const auto standings = store_->author_standings(query.community, author_names, unix_now());
    json items = json::array();
    for (const StoredComment& stored : page.comments) {
      const CommentRecord& c = stored.comment;
      json item = comment_json(stored);
      if (stored.last_decision) {
        item["why"] = parsed_or_empty(stored.last_decision->reasons_json, json::array());
        item["decided_by"] = stored.last_decision->actor;
      }
      const auto thread = threads.find(c.thread);
      item["article"] = thread != threads.end() ? json{{"id", thread->second.id},
                                                       {"title", thread->second.title},
                                                       {"url", thread->second.url}}
                                                : json{{"id", c.thread}};
      if (c.parent) {
        const auto parent = parents.find(*c.parent);
        item["parent_comment"] =
            parent != parents.end()
                ? json{{"id", parent->second.comment.id},
                       {"author", parent->second.comment.author},
                       {"status", status_string(parent->second.comment.status)},
                       {"text", parent->second.comment.text ? json(*parent->second.comment.text)
                                                            : json(nullptr)}}
                : json(nullptr);
      }
      if (!c.author.empty()) {
        const auto history = histories.find(c.author);
        const AuthorHistory h = history != histories.end() ? history->second : AuthorHistory{};
        json decisions = json::array();
        for (const DecisionRecord& d : h.last_decisions) {
          decisions.push_back({{"comment_id", d.comment_id},
                               {"action", d.action},
                               {"actor", d.actor},
                               {"reason", d.reason},
                               {"created_at", d.created_at}});
        }
        const auto standing = standings.find(c.author);
        json record = author_record_json(h, standing != standings.end()
                                                ? std::optional<AuthorStanding>(standing->second)
                                                : std::nullopt);
        record["last_decisions"] = std::move(decisions);
        item["author_history"] = std::move(record);
      }
      items.push_back(std::move(item));
    }
    json out = {{"community", query.community},
                {"total", page.total},
                {"offset", query.offset},
                {"comments", std::move(items)}};
    if (query.offset + page.comments.size() < static_cast<std::size_t>(page.total)) {
      out["next_offset"] = query.offset + page.comments.size();
    }
    reply(response, 200, out);
  }

  void decide(const Request& request, Response& response) {
    const json root = parse_body(request);
    json list;
    if (const auto it = root.find("decisions"); it != root.end()) {
      if (!it->is_array() || it->empty()) {
        throw invalid_json("'decisions' must be a non-empty array.", "decisions");
      }
      list = *it;
    } else {
      list = json::array({root});  // a single decision
    }
    if (list.size() > kMaxDecisionsPerRequest) {
      throw invalid_argument(
          fmt::format("At most {} decisions per request.", kMaxDecisionsPerRequest));
    }
    struct Pending {
      StoredComment comment;
      std::string action, text, reason, actor;
    };
    const std::string console_actor = request.get_header_value("X-Comity-Actor");
    // Validate everything first: a bad entry applies nothing.
    std::vector<Pending> pending;
    for (std::size_t i = 0; i < list.size(); ++i) {
      const json& item = list[i];
      const std::string where = fmt::format("decisions[{}].", i);
      if (!item.is_object()) {
        throw invalid_json(where + " must be an object.", where);
      }
      Pending p;
      const std::string id = id_field(item, "comment_id", where, true);
      p.action = string_field(item, "action", where, true);
      if (p.action != "approve" && p.action != "reject" && p.action != "edit_approve") {
        throw invalid_json(where + "action must be approve, reject or edit_approve.",
                           where + "action");
      }
      p.text = string_field(item, "text", where, false);
      if (p.action == "edit_approve" && p.text.empty()) {
        throw invalid_json(where + "text is required for edit_approve.", where + "text");
      }
      if (p.text.size() > server_.config().max_comment_bytes) {
        throw invalid_argument(where + "text is too long.", kCommentTooLong);
      }
      p.reason = string_field(item, "reason", where, false);
      // The console names its signed-in user in the header; whatever actor the
      // page sent, single decision or list, does not count then.
      p.actor = console_actor.empty() ? string_field(item, "actor", where, true) : console_actor;
      if (p.actor.empty()) {
        throw invalid_json(where + "actor must not be empty.", where + "actor");
      }
      auto stored = store_->find_comment(id);
      if (!stored) {
        throw ApiError(404, fmt::format("{}comment_id: no comment '{}'.", where, id));
      }
      p.comment = std::move(*stored);
      pending.push_back(std::move(p));
    }

    json results = json::array();
    for (const Pending& p : pending) {
      const CommentRecord& c = p.comment.comment;
      const CommentStatus decided = *status_after_decision(p.action);
      const std::string status = status_string(decided);
      DecisionRecord record;
      record.comment_id = c.id;
      record.action = p.action;
      record.actor = p.actor;
      record.reason = p.reason;
      AuditEntry audit;
      audit.community = c.community;
      audit.actor = p.actor;
      audit.action = "decision." + p.action;
      audit.subject = c.id;
      audit.detail_json = json{{"from", status_string(c.status)},
                               {"to", status},
                               {"reason", p.reason},
                               {"edited", p.action == "edit_approve"}}
                              .dump();
      // An edited comment is rescored, so the console highlights what is now shown.
      std::optional<CommentEdit> edit;
      if (p.action == "edit_approve") {
        const auto analyzer = server_.current_analyzer();
        const server::RoutedScore routed = server::score_routed(
            *analyzer, p.text, {}, ScoreOptions{.sentences = false, .tokens = true});
        const ScoreResult& scored = routed.result;
        edit = CommentEdit{
            p.text,
            {routed.model->version, scored.scores, highlights_json(scored, p.text).dump()},
            comment_risk(scored.scores)};
      }
      const std::int64_t id = store_->record_decision(record, decided, edit, audit);
      add_feedback(c, p.action, edit ? std::optional<std::string>(edit->text) : c.text);
      events_->comment_decided(c, p.action, status, p.actor, id);
      results.push_back(
          {{"comment_id", c.id}, {"action", p.action}, {"status", status}, {"decision_id", id}});
    }
    reply(response, 200, {{"results", std::move(results)}});
  }

  // Takes back the actor's last decision on a comment that is still in force: the
  // comment gets the status the decision before it left, as a decision of its own
  // (action "undo", so webhooks and the audit log see it) that names the one undone.
  void undo(const std::string& id, const Request& request, Response& response) {
    const auto stored = store_->find_comment(id);
    if (!stored) throw ApiError(404, fmt::format("No comment '{}'.", id));
    const json root = request.body.empty() ? json::object() : parse_body(request);
    std::string actor = request.get_header_value("X-Comity-Actor");
    if (actor.empty()) actor = string_field(root, "actor", "", true);
    if (actor.empty()) throw invalid_json("'actor' must not be empty.", "actor");
    const std::string reason = string_field(root, "reason", "", false);
    // The decisions in force, oldest first: each undo took back the latest of them.
    std::vector<DecisionRecord> in_force;
    for (DecisionRecord& d : store_->decisions(id)) {
      if (d.action != kUndo) {
        in_force.push_back(std::move(d));
      } else if (!in_force.empty()) {
        in_force.pop_back();
      }
    }
    if (in_force.size() < 2 || in_force.back().actor == "policy") {
      throw ApiError(409, fmt::format("Comment '{}' has no moderator's decision to undo.", id));
    }
    const DecisionRecord& last = in_force.back();
    if (last.actor != actor) {
      throw ApiError(409,
                     fmt::format("The last decision on '{}' is {}'s ({}); only {} can undo it.", id,
                                 last.actor, last.action, last.actor));
    }
    if (last.action == "edit_approve") {
      throw ApiError(409, fmt::format("The last decision on '{}' was an edit, which replaced the "
                                      "text; approve or reject the comment instead.",
                                      id));
    }
    const DecisionRecord& before = in_force[in_force.size() - 2];
    const CommentStatus restored =
        status_after_decision(before.action).value_or(CommentStatus::kPending);
    const std::string status = status_string(restored);
    const CommentRecord& c = stored->comment;
    DecisionRecord record;
    record.comment_id = c.id;
    record.action = kUndo;
    record.actor = actor;
    record.reason = reason;
    record.reasons_json = json::array({{{"rule", "undo"},
                                        {"detail", fmt::format("Undid decision {} ({} by {}).",
                                                               last.id, last.action, last.actor)},
                                        {"undone", last.id},
                                        {"status", status}}})
                              .dump();
    AuditEntry audit;
    audit.community = c.community;
    audit.actor = actor;
    audit.action = std::string("decision.") + kUndo;
    audit.subject = c.id;
    audit.detail_json = json{
        {"from", status_string(c.status)},
        {"to", status},
        {"reason", reason},
        {"undone", last.id},
        {"undone_action",
         last.action}}.dump();
    const std::int64_t decision_id = store_->record_decision(record, restored, std::nullopt, audit);
    withdraw_feedback(c);
    events_->comment_decided(c, kUndo, status, actor, decision_id);
    reply(response, 200,
          {{"comment_id", c.id},
           {"action", kUndo},
           {"status", status},
           {"decision_id", decision_id},
           {"undone", {{"id", last.id}, {"action", last.action}}}});
  }

  void list_threads(const Request& request, Response& response) {
    const std::string community = required_param(request, "community");
    json out = json::array();
    for (const ThreadSummary& s : store_->threads(community, limit_param(request))) {
      out.push_back({{"id", s.thread.id},
                     {"url", s.thread.url},
                     {"title", s.thread.title},
                     {"created_at", s.thread.created_at},
                     {"comments", s.comments},
                     {"held", s.held}});
    }
    reply(response, 200, {{"community", community}, {"threads", std::move(out)}});
  }

  void get_thread(const std::string& id, Response& response) {
    const auto thread = store_->find_thread(id);
    if (!thread) {
      throw ApiError(404, fmt::format("No thread '{}'.", id));
    }
    const std::vector<StoredComment> comments = store_->thread_comments(id);
    // Tree order (each comment followed by its replies, oldest first) from the one
    // iterative reply tree: a reply chain as deep as the store holds cannot
    // exhaust the stack.
    Thread links;
    links.comments.reserve(comments.size());
    for (const StoredComment& stored : comments) {
      Comment& link = links.comments.emplace_back();
      link.id = stored.comment.id;
      link.parent = stored.comment.parent;
    }
    const ReplyTree tree = build_reply_tree(links);
    json out = json::array();
    for (const std::size_t i : tree.order) {
      json item = comment_json(comments[i]);
      item["depth"] = tree.depth[i];
      out.push_back(std::move(item));
    }
    reply(response, 200,
          {{"thread",
            {{"id", thread->id},
             {"community", thread->community},
             {"url", thread->url},
             {"title", thread->title},
             {"body", thread->body},
             {"created_at", thread->created_at}}},
           {"comments", std::move(out)}});
  }

  json standing_json(const std::optional<AuthorStanding>& standing) {
    if (!standing) return nullptr;
    return {{"standing", standing->standing},
            {"until",
             standing->until_unix ? json(format_rfc3339(*standing->until_unix)) : json(nullptr)},
            {"reason", standing->reason},
            {"actor", standing->actor},
            {"created_at", standing->created_at}};
  }

  // An author's counts and standing in one community: GET /v1/authors/... and
  // each queue item's author_history.
  json author_record_json(const AuthorHistory& h, const std::optional<AuthorStanding>& standing) {
    json out = {{"standing", standing_json(standing)}, {"first_seen", h.first_seen}};
    out["comments"] = h.comments;
    for (const auto& [status, count] :
         {std::pair{CommentStatus::kApproved, h.approved}, std::pair{CommentStatus::kHeld, h.held},
          std::pair{CommentStatus::kRejected, h.rejected},
          std::pair{CommentStatus::kNudged, h.nudged}}) {
      out[status_string(status)] = count;
    }
    return out;
  }

  void get_author(const std::string& community, const std::string& author, Response& response) {
    json out = author_record_json(store_->author_history(community, author),
                                  store_->author_standing(community, author, unix_now()));
    out["community"] = community;
    out["author"] = author;
    reply(response, 200, out);
  }

  // Trust, suspend or ban an author in a community (the body), or clear it (DELETE).
  void put_author(const std::string& community, const std::string& author, const Request& request,
                  Response& response, bool clear) {
    if (author.size() > kMaxIdBytes) {
      throw invalid_argument(fmt::format("Author names are at most {} bytes.", kMaxIdBytes));
    }
    std::optional<AuthorStanding> standing;
    std::string actor = request.get_header_value("X-Comity-Actor");
    if (!clear) {
      const json root = parse_body(request);
      AuthorStanding s;
      s.community = community;
      s.author = author;
      s.standing = string_field(root, "standing", "", true);
      if (s.standing != "trusted" && s.standing != "suspended" && s.standing != "banned") {
        throw invalid_json("'standing' must be trusted, suspended or banned.", "standing");
      }
      s.reason = string_field(root, "reason", "", false);
      if (actor.empty()) actor = string_field(root, "actor", "", false);
      const std::string until = string_field(root, "until", "", false);
      if (!until.empty()) {
        const auto parsed = parse_rfc3339(until);
        if (!parsed || *parsed <= unix_now()) {
          throw invalid_json("'until' must be an RFC 3339 time in the future.", "until");
        }
        s.until_unix = *parsed;
      } else if (const auto hours = root.find("hours"); hours != root.end() && !hours->is_null()) {
        if (!hours->is_number() ||
            !(hours->get<double>() > 0 && hours->get<double>() <= 24.0 * 3650)) {
          throw invalid_json("'hours' must be a number of hours above 0 (at most ten years).",
                             "hours");
        }
        s.until_unix = unix_now() + static_cast<std::int64_t>(hours->get<double>() * 3600);
      }
      if (s.standing == "suspended" && !s.until_unix) {
        throw invalid_json("A suspension needs an end: 'until' or 'hours' (or ban instead).",
                           "until");
      }
      s.actor = actor.empty() ? "api" : actor;
      standing = std::move(s);
    }
    AuditEntry audit;
    audit.community = community;
    audit.actor = actor.empty() ? "api" : actor;
    audit.action = clear ? "author.clear" : "author." + standing->standing;
    audit.subject = author;
    audit.detail_json = clear ? "{}" : standing_json(standing).dump();
    store_->set_author_standing(community, author, standing, audit);
    events_->author_standing(community, author, standing_json(standing));
    get_author(community, author, response);
  }

  // A community's live events as text/event-stream; the connection stays open.
  void events(const Request& request, Response& response) {
    const std::string community = required_param(request, "community");
    auto stream = events_->hub().subscribe(community);
    if (!stream) {
      response.set_header("Retry-After", "10");
      throw unavailable(
          fmt::format("Too many event streams are open (events_max_subscribers = {}).",
                      server_.config().events_max_subscribers));
    }
    stream_events(response, std::move(stream));
  }

  // A reader's report, relayed by the site: counted once per reporter.
  void report_comment(const std::string& id, const Request& request, Response& response) {
    const auto stored = store_->find_comment(id);
    if (!stored) throw ApiError(404, fmt::format("No comment '{}'.", id));
    const json root = parse_body(request);
    ReportRecord report;
    report.comment_id = id;
    report.community = stored->comment.community;
    report.reason = string_field(root, "reason", "", true);
    report.reporter = id_field(root, "reporter", "", false);
    report.detail = string_field(root, "detail", "", false);
    if (report.reason.empty() || report.reason.size() > kMaxIdBytes) {
      throw invalid_json(fmt::format("'reason' must be 1 to {} bytes.", kMaxIdBytes), "reason");
    }
    if (report.detail.size() > server_.config().max_comment_bytes) {
      throw invalid_json("'detail' is too long.", "detail");
    }
    bool added = false;
    const std::int64_t open = store_->add_report(report, added);
    if (added) events_->comment_reported(stored->comment, open);
    reply(response, 200, {{"comment_id", id}, {"added", added}, {"open_reports", open}});
  }

  // The reports queue: comments readers reported, most reported first.
  void reports(const Request& request, Response& response) {
    const std::string community = required_param(request, "community");
    std::int64_t total = 0;
    const std::size_t offset = offset_param(request);
    const auto page = store_->reported_comments(community, limit_param(request), offset, total);
    json items = json::array();
    for (const ReportedComment& r : page) {
      json item = comment_json(r.comment);
      item["reports"] = {
          {"open", r.open_reports}, {"reasons", r.reasons}, {"latest_at", r.latest_at}};
      items.push_back(std::move(item));
    }
    json out = {{"community", community}, {"total", total}, {"comments", std::move(items)}};
    if (offset + page.size() < static_cast<std::size_t>(total)) {
      out["next_offset"] = offset + page.size();
    }
    reply(response, 200, out);
  }

  // One stored comment for a CMS: status, scores and highlights, every decision.
  void get_comment(const std::string& id, Response& response) {
    const auto stored = store_->find_comment(id);
    if (!stored) {
      throw ApiError(404, fmt::format("No comment '{}'.", id));
    }
    json out = comment_json(*stored);
    out["community"] = stored->comment.community;
    json decisions = json::array();
    for (const DecisionRecord& d : store_->decisions(id)) decisions.push_back(decision_json(d));
    out["decisions"] = std::move(decisions);
    reply(response, 200, out);
  }

  void get_policy(const std::string& community, Response& response) {
    const auto record = store_->active_policy(community);
    json history = json::array();
    for (const PolicyRecord& version : store_->policy_history(community)) {
      history.push_back({{"version", version.version},
                         {"created_at", version.created_at},
                         {"active", version.active}});
    }
    reply(response, 200,
          {{"community", community},
           {"version", record ? record->version : 0},
           {"builtin", !record},
           {"toml", record ? record->toml : builtin_default_policy_toml()},
           {"history", std::move(history)}});
  }

  void put_policy(const std::string& community, const Request& request, Response& response) {
    const Policy policy = parse_or_throw(request.body);
    AuditEntry audit;
    audit.community = community;
    audit.actor = actor_of(request);
    audit.action = "policy.update";
    audit.subject = community;
    const PolicyRecord record = store_->save_policy(community, request.body, audit);
    reply(response, 200,
          {{"community", community},
           {"version", record.version},
           {"name", policy.name},
           {"created_at", record.created_at}});
  }

  void dry_run(const std::string& community, const Request& request, Response& response) {
    const Policy draft = parse_or_throw(request.body);
    const std::shared_ptr<const ActivePolicy> current =
        translate([&] { return load_active_policy(*store_, community, &policies_); });
    const DryRunReport report = dry_run_policy(*store_, community, current->policy, draft);
    json examples = json::array();
    for (const DryRunExample& example : report.examples) {
      examples.push_back({{"comment_id", example.comment_id},
                          {"text", example.text ? json(*example.text) : json(nullptr)},
                          {"before", action_name(example.before)},
                          {"after", action_name(example.after)},
                          {"reasons", decision_reasons_json(example.reasons_after)}});
    }
    reply(response, 200,
          {{"community", community},
           {"current_version", current->version},
           {"comments", report.comments},
           {"skipped", report.skipped},
           {"changed", report.changed},
           {"before", report.before},
           {"after", report.after},
           {"examples", std::move(examples)}});
  }

  void list_communities(Response& response) {
    json out = json::array();
    for (const CommunitySummary& c : store_->communities()) {
      out.push_back({{"id", c.id},
                     {"created_at", c.created_at},
                     {"threads", c.threads},
                     {"comments", c.comments},
                     {"held", c.held}});
    }
    reply(response, 200, {{"communities", std::move(out)}});
  }

  void dashboard(const Request& request, Response& response) {
    const std::string community = required_param(request, "community");
    json days = json::array();
    for (const DailyStats& day : store_->daily_stats(community)) {
      days.push_back({{"day", day.day},
                      {"comments", day.comments},
                      {"mean_toxicity", std::round(day.mean_toxicity * 1e4) / 1e4}});
    }
    json actions = json::array();
    for (const DailyActions& row : store_->daily_actions(community)) {
      actions.push_back({{"day", row.day},
                         {"action", row.action},
                         {"by", row.by_policy ? "policy" : "moderator"},
                         {"count", row.count}});
    }
    reply(response, 200,
          {{"community", community},
           {"days", std::move(days)},
           {"statuses", store_->status_counts(community)},
           {"actions", std::move(actions)}});
  }

  void audit(const Request& request, Response& response) {
    const std::string community = request.get_param_value("community");
    json entries = json::array();
    for (const AuditEntry& entry : store_->audit_log(community, limit_param(request))) {
      entries.push_back({{"id", entry.id},
                         {"created_at", entry.created_at},
                         {"community", entry.community},
                         {"actor", entry.actor},
                         {"action", entry.action},
                         {"subject", entry.subject},
                         {"detail", parsed_or_empty(entry.detail_json, json::object())}});
    }
    reply(response, 200, {{"entries", std::move(entries)}});
  }

 private:
  static Policy parse_or_throw(const std::string& toml) {
    try {
      return parse_policy(toml);
    } catch (const PolicyError& e) {
      throw policy_error(e);
    }
  }

  // An undone verdict is no label: its feedback row goes.
  void withdraw_feedback(const CommentRecord& comment) {
    Store* store = server_.store();
    if (store == nullptr) return;
    std::lock_guard lock(server_.store_mutex());
    store->remove_latest_feedback("moderation", comment.id);
  }

  // A moderator's verdict is a label: the same feedback rows suggestscore writes.
  void add_feedback(const CommentRecord& comment, const std::string& action,
                    const std::optional<std::string>& text) {
    Store* store = server_.store();
    if (store == nullptr) {
      return;
    }
    FeedbackRecord record;
    record.source = "moderation";
    record.community_id = comment.community;
    record.client_token = comment.id;
    record.text = text;
    record.attribute_values["TOXICITY"] = action == "reject" ? 1.0 : 0.0;
    std::lock_guard lock(server_.store_mutex());
    store->add_feedback(record);
  }

  HttpServer& server_;
  std::shared_ptr<ModerationStore> store_;
  std::shared_ptr<ModerationEvents> events_;
  PolicyCache policies_;
};

}  // namespace

void register_moderation_routes(HttpServer& server, std::shared_ptr<ModerationStore> store) {
  const ServerConfig& config = server.config();
  auto events = std::make_shared<ModerationEvents>(
      EventHubOptions{config.events_max_subscribers, config.events_buffer_bytes,
                      std::chrono::seconds(config.events_heartbeat_seconds),
                      std::chrono::seconds(config.events_stream_seconds)});
  register_thread_analysis_route(server, store);
  register_coral_external_route(server, store, events);
  auto api = std::make_shared<ModerationApi>(server, std::move(store), events);
  using M = ModerationApi;
  using Match = std::smatch;
  using Handler = void (*)(M&, const Request&, Response&, const Match&);
  struct RouteSpec {
    const char* method;
    const char* pattern;
    ApiKeyScope scope;  // what an API key needs (docs/api.md#keys)
    Handler handler;
  };
  constexpr ApiKeyScope kScore = ApiKeyScope::kScore, kModeration = ApiKeyScope::kModeration,
                        kAdmin = ApiKeyScope::kAdmin;
  // The moderation API, one row per route. A site's comment form posts with a
  // `score` key; moderators' tools need `moderation`; what changes the rules,
  // stores whole exports or reads the audit log is `admin`.
  static const RouteSpec kRoutes[] = {
      {"POST", "/v1/comments", kScore,
       [](M& a, const Request& q, Response& r, const Match&) { a.submit_comment(q, r); }},
      // A reader's report, relayed by the site's backend like a new comment.
      {"POST", "/v1/comments/(.+):report", kScore,
       [](M& a, const Request& q, Response& r, const Match& m) {
         a.report_comment(m[1].str(), q, r);
       }},
      {"GET", "/v1/reports", kModeration,
       [](M& a, const Request& q, Response& r, const Match&) { a.reports(q, r); }},
      // Imported comment ids hold a '/' (thread/comment): the id is the rest of the path.
      {"GET", "/v1/comments/(.+)", kScore,
       [](M& a, const Request&, Response& r, const Match& m) { a.get_comment(m[1].str(), r); }},
      {"POST", "/v1/threads:import", kAdmin,
       [](M& a, const Request& q, Response& r, const Match&) { a.import_thread(q, r); }},
      {"GET", "/v1/queue", kModeration,
       [](M& a, const Request& q, Response& r, const Match&) { a.queue(q, r); }},
      {"POST", "/v1/queue/decisions", kModeration,
       [](M& a, const Request& q, Response& r, const Match&) { a.decide(q, r); }},
      // A moderator takes back their last decision on a comment.
      {"POST", "/v1/comments/(.+):undo", kModeration,
       [](M& a, const Request& q, Response& r, const Match& m) { a.undo(m[1].str(), q, r); }},
      {"GET", "/v1/threads", kModeration,
       [](M& a, const Request& q, Response& r, const Match&) { a.list_threads(q, r); }},
      {"GET", "/v1/threads/([^/:]+)", kModeration,
       [](M& a, const Request&, Response& r, const Match& m) { a.get_thread(m[1].str(), r); }},
      {"GET", "/v1/policies/([^/:]+)", kModeration,
       [](M& a, const Request&, Response& r, const Match& m) { a.get_policy(m[1].str(), r); }},
      {"PUT", "/v1/policies/([^/:]+)", kAdmin,
       [](M& a, const Request& q, Response& r, const Match& m) { a.put_policy(m[1].str(), q, r); }},
      {"POST", "/v1/policies/([^/:]+):dry_run", kModeration,
       [](M& a, const Request& q, Response& r, const Match& m) { a.dry_run(m[1].str(), q, r); }},
      // /dry-run: the name before the :verb convention (docs/api.md), kept for old callers.
      {"POST", "/v1/policies/([^/:]+)/dry-run", kModeration,
       [](M& a, const Request& q, Response& r, const Match& m) { a.dry_run(m[1].str(), q, r); }},
      // Authors' standing per community: trusted skip the queue, suspended and banned
      // are rejected.
      {"GET", "/v1/authors/([^/:]+)/(.+)", kModeration,
       [](M& a, const Request&, Response& r, const Match& m) {
         a.get_author(m[1].str(), m[2].str(), r);
       }},
      {"PUT", "/v1/authors/([^/:]+)/(.+)", kModeration,
       [](M& a, const Request& q, Response& r, const Match& m) {
         a.put_author(m[1].str(), m[2].str(), q, r, false);
       }},
      {"DELETE", "/v1/authors/([^/:]+)/(.+)", kModeration,
       [](M& a, const Request& q, Response& r, const Match& m) {
         a.put_author(m[1].str(), m[2].str(), q, r, true);
       }},
      // Live updates for moderators' pages (server-sent events).
      {"GET", "/v1/events", kModeration,
       [](M& a, const Request& q, Response& r, const Match&) { a.events(q, r); }},
      {"GET", "/v1/communities", kModeration,
       [](M& a, const Request&, Response& r, const Match&) { a.list_communities(r); }},
      {"GET", "/v1/dashboard", kModeration,
       [](M& a, const Request& q, Response& r, const Match&) { a.dashboard(q, r); }},
      {"GET", "/v1/audit", kAdmin,
       [](M& a, const Request& q, Response& r, const Match&) { a.audit(q, r); }},
  };
  for (const RouteSpec& route : kRoutes) {
    server.add_route(route.method, route.pattern, route.scope,
                     [api, handler = route.handler](const Request& q, Response& r, const Match& m) {
                       handler(*api, q, r, m);
                     });
  }
}

}  // namespace comity::server
