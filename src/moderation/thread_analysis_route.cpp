// GET /v1/threads/{id}/analysis: `comity thread report` over a stored thread, so
// the console shows the same analysis as the command line. The scores are the
// ones stored when each comment arrived (what moderators saw and the policy
// acted on); only a comment stored without scores is scored now.
#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <tuple>
#include <unordered_map>
#include <vector>

#include <nlohmann/json.hpp>

#include "comity/comment_status.h"
#include "comity/moderation_store.h"
#include "comity/thread.h"
#include "comity/thread_report_json.h"
#include "moderation/moderation_routes.h"
#include "server/google_error.h"
#include "server/language.h"

namespace comity::server {
namespace {

using nlohmann::json;

// Stored highlights are spans in which neighbouring words separated only by
// blanks were merged (POST /v1/comments); the report lists words, so split them
// back. Spans of an older text (one edited since) are dropped, as the console does.
std::vector<std::string> stored_highlight_words(const std::string& highlights_json,
                                                const std::string& text) {
  std::vector<std::string> words;
  const json spans = json::parse(highlights_json, nullptr, /*allow_exceptions=*/false);
  if (!spans.is_array()) {
    return words;
  }
  std::set<std::string> seen;
  for (const json& span : spans) {
    if (!span.is_object() || !span.contains("text") || !span["text"].is_string()) {
      continue;
    }
    const std::string written = span["text"].get<std::string>();
    if (text.find(written) == std::string::npos) {
      continue;
    }
    std::size_t at = 0;
    while (at < written.size()) {
      const std::size_t begin = written.find_first_not_of(" \t", at);
      if (begin == std::string::npos) {
        break;
      }
      const std::size_t end = std::min(written.find_first_of(" \t", begin), written.size());
      std::string word = written.substr(begin, end - begin);
      if (seen.insert(word).second) {
        words.push_back(std::move(word));
      }
      at = end;
    }
  }
  return words;
}

// Where moderation has acted, "held" says whether the comment is kept off the
// page (held for review or rejected); a pending comment falls back to the
// report's hold threshold, like the command line.
std::optional<bool> held_by_status(CommentStatus status) {
  switch (status) {
    case CommentStatus::kHeld:
    case CommentStatus::kRejected:
      return true;
    case CommentStatus::kApproved:
    case CommentStatus::kNudged:
      return false;
    case CommentStatus::kPending:
      break;
  }
  return std::nullopt;
}

// The nearest ancestor of `id` that is analysed, walking up through comments
// that are left out; nullopt at the top (or in a parent cycle).
std::optional<std::string> analysed_ancestor(
    const std::optional<std::string>& parent,
    const std::unordered_map<std::string, const StoredComment*>& by_id) {
  std::optional<std::string> at = parent;
  std::set<std::string> visited;
  while (at) {
    const auto it = by_id.find(*at);
    if (it == by_id.end() || it->second->comment.text) {
      return at;
    }
    if (!visited.insert(*at).second) {
      return std::nullopt;
    }
    at = it->second->comment.parent;
  }
  return std::nullopt;
}

void analyse_thread(HttpServer& server, ModerationStore& store, const std::string& id,
                    Response& response) {
  const std::optional<ThreadRecord> record = store.find_thread(id);
  if (!record) {
    throw ApiError(404, fmt::format("No thread '{}'.", id));
  }
  const std::vector<StoredComment> stored = store.thread_comments(id);

  std::unordered_map<std::string, const StoredComment*> by_id;
  for (const StoredComment& s : stored) {
    by_id.emplace(s.comment.id, &s);
  }

  Thread thread;
  thread.article = {record->url, record->title, record->body};
  std::vector<CommentScore> scores;
  std::vector<std::size_t> unscored;  // indices into thread.comments
  std::map<std::string, std::size_t> models;
  json left_out = json::array();
  std::map<std::string, std::size_t> replies_of_left_out;
  for (const StoredComment& s : stored) {
    const CommentRecord& c = s.comment;
    if (c.parent) {
      const auto parent = by_id.find(*c.parent);
      if (parent != by_id.end() && !parent->second->comment.text) {
        ++replies_of_left_out[*c.parent];
      }
    }
    if (!c.text) {
      left_out.push_back(c.id);
      continue;
    }
    // A reply to a comment left out hangs from the nearest analysed ancestor, so
    // its subthread's heat and its place in the tree survive.
    thread.comments.push_back({c.id, analysed_ancestor(c.parent, by_id), c.author,
                               c.created_at.empty() ? std::nullopt : std::optional(c.created_at),
                               *c.text});
    CommentScore& score = scores.emplace_back();
    score.held = held_by_status(c.status);
    if (s.scores) {
      score.scores = s.scores->scores;
      score.highlights = stored_highlight_words(s.scores->highlights_json, *c.text);
      ++models[s.scores->model_version];
    } else {
      unscored.push_back(thread.comments.size() - 1);
    }
  }
  for (const json& gone : left_out) {
    const std::string gone_id = gone.get<std::string>();
    const std::size_t replies = replies_of_left_out[gone_id];
    std::string warning = fmt::format(
        "comment {} was stored without its text (doNotStore) and is left out of the analysis",
        gone_id);
    if (replies > 0) {
      const auto ancestor = analysed_ancestor(by_id.at(gone_id)->comment.parent, by_id);
      warning += ancestor ? fmt::format("; its {} repl{} hang from {}", replies,
                                        replies == 1 ? "y" : "ies", *ancestor)
                          : fmt::format("; its {} repl{} are top level", replies,
                                        replies == 1 ? "y" : "ies");
    }
    thread.warnings.push_back(std::move(warning));
  }

  std::string model;
  if (!unscored.empty()) {
    const auto analyzer = server.current_analyzer();  // 503 when no model is loaded
    for (std::size_t i : unscored) {
      const std::string& text = thread.comments[i].text;
      const server::RoutedScore routed =
          server::score_routed(*analyzer, text, {}, {.sentences = false, .tokens = true});
      scores[i].scores = routed.result.scores;
      scores[i].highlights = highlighted_words(text, routed.result);
      ++models[routed.model->version];
    }
  }
  // Stored scores may span model versions; the report names the one behind most
  // of them and `thread.models` has the counts.
  std::size_t most = 0;
  for (const auto& [version, count] : models) {
    if (count > most) {
      std::tie(model, most) = std::tie(version, count);
    }
  }

  ThreadAnalysisOptions options;
  options.threads = 1;  // the server already runs requests in parallel
  const ThreadReport report = analyze_scored_thread(thread, std::move(scores), options);
  json out = thread_report_json(thread, report, model, options);
  out["thread"] = {{"id", record->id},
                   {"community", record->community},
                   {"url", record->url},
                   {"title", record->title},
                   {"created_at", record->created_at},
                   {"stored_comments", stored.size()},
                   {"left_out", std::move(left_out)},
                   {"scored_now", unscored.size()},
                   {"models", models}};
  response.status = 200;
  response.set_content(out.dump(-1, ' ', false, json::error_handler_t::replace),
                       "application/json; charset=UTF-8");
}

}  // namespace

void register_thread_analysis_route(HttpServer& server,
                                    const std::shared_ptr<ModerationStore>& store) {
  server.add_route("GET", "/v1/threads/([^/:]+)/analysis", ApiKeyScope::kModeration,
                   [&server, store](const Request&, Response& response, const std::smatch& match) {
                     analyse_thread(server, *store, match[1].str(), response);
                   });
}

}  // namespace comity::server
