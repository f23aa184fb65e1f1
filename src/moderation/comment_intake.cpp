#include "moderation/comment_intake.h"

#include "comity/scores_json.h"
#include "comity/time.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <set>
#include <thread>
#include <unordered_map>
#include <unordered_set>

#include "comity/comment_status.h"
#include "comity/text.h"
#include "common/parallel_for.h"

namespace comity {
namespace {

using nlohmann::json;

}  // namespace

std::shared_ptr<const ActivePolicy> PolicyCache::find(const std::string& community,
                                                      std::int64_t version) {
  std::lock_guard lock(mutex_);
  const auto it = by_community_.find(community);
  return it != by_community_.end() && it->second->version == version ? it->second : nullptr;
}

void PolicyCache::put(const std::string& community, std::shared_ptr<const ActivePolicy> policy) {
  std::lock_guard lock(mutex_);
  by_community_[community] = std::move(policy);
}

std::shared_ptr<const ActivePolicy> load_active_policy(ModerationStore& store,
                                                       const std::string& community,
                                                       PolicyCache* cache) {
  const auto record = store.active_policy(community);
  const std::int64_t version = record ? record->version : 0;  // 0: the built-in default
  if (cache != nullptr) {
    if (auto cached = cache->find(community, version)) return cached;
  }
  auto active = std::make_shared<ActivePolicy>();
  active->version = version;
  if (!record) {
    active->policy = parse_policy(builtin_default_policy_toml());
  } else {
    try {
      active->policy = parse_policy(record->toml);
    } catch (const PolicyError& e) {
      // Stored policies were validated when saved; a failure here means a newer
      // build tightened the rules. Say so rather than silently approving everything.
      throw IntakeError(IntakeError::Kind::kBadPolicy,
                        fmt::format("The stored policy version {} for community '{}' no longer "
                                    "parses: {}",
                                    record->version, community, e.what()));
    }
  }
  if (cache != nullptr) cache->put(community, active);
  return active;
}

float comment_risk(const AttributeScores& scores) {
  return *std::max_element(scores.begin(), scores.end());
}

json decision_reasons_json(const std::vector<DecisionReason>& reasons) {
  json out = json::array();
  for (const DecisionReason& reason : reasons) {
    out.push_back({{"rule", reason.rule}, {"detail", reason.detail}});
  }
  return out;
}

std::string import_thread_id(std::string_view prefix, const Thread& thread) {
  std::string id(prefix.empty() ? std::string_view("thread") : prefix);
  if (!thread.source_id.empty()) {
    id += "-" + thread.source_id;
  }
  for (char& c : id) {
    if (c == '/' || c == ':' || static_cast<unsigned char>(c) < 0x20) {
      c = '-';
    }
  }
  return id;
}

bool valid_thread_id(std::string_view id) {
  return !id.empty() && id.size() <= 256 && id.find_first_of("/:") == std::string_view::npos;
}

ThreadToImport thread_to_import(const std::string& id, const std::string& community,
                                const Thread& source) {
  ThreadToImport out;
  out.record.id = id;
  out.record.community = community;
  out.record.url = source.article.url;
  out.record.title = source.article.title;
  out.record.body = source.article.body;
  out.source = &source;
  return out;
}

void CommentIntake::check_thread_owner(const ThreadRecord& thread) {
  if (const auto existing = store_.find_thread(thread.id);
      existing && existing->community != thread.community) {
    throw IntakeError(IntakeError::Kind::kConflict,
                      fmt::format("Thread '{}' belongs to another community.", thread.id));
  }
}

server::RoutedScore CommentIntake::score(std::string_view text) const {
  return server::score_routed(analyzer_, text, {},
                              ScoreOptions{.sentences = false, .tokens = true});
}

IntakeResult CommentIntake::decide(const ThreadRecord& thread, CommentRecord comment,
                                   const std::string& text, const server::RoutedScore& routed,
                                   bool do_not_store, const ActivePolicy& active,
                                   int recent_by_author, Arrival arrival,
                                   const std::optional<AuthorStanding>& standing) {
  const ScoreResult& scored = routed.result;
  IntakeResult out;
  out.highlights = highlights_json(scored, text);
  out.policy_version = active.version;

  PolicyInput input;
  input.text = text;
  input.scores = scored.scores;
  input.recent_comments_by_author = recent_by_author;
  out.decision = evaluate_policy(active.policy, input);
  if (arrival == Arrival::kImported && out.decision.action == ModerationAction::kNudge) {
    // Nudged comments wait for their author and stay out of the queue; an imported
    // one's author will never see the nudge, so a moderator sees the comment instead.
    out.decision.action = ModerationAction::kHold;
    out.decision.reasons.push_back(
        {"import",
         "the policy would nudge it, but an imported comment is already published: "
         "held for a moderator"});
  }

  if (standing && standing->standing != "trusted") {
    // Moderators' word on the author outranks the policy's on the comment.
    out.decision.action = ModerationAction::kReject;
    std::string detail = "the author is " + standing->standing;
    if (standing->until_unix) detail += " until " + format_rfc3339(*standing->until_unix);
    if (!standing->reason.empty()) detail += ": " + standing->reason;
    out.decision.reasons = {{"author:" + standing->standing, detail}};
  } else if (standing && (out.decision.action == ModerationAction::kHold ||
                          out.decision.action == ModerationAction::kNudge)) {
    out.decision.reasons.push_back(
        {"author:trusted", fmt::format("trusted author: skips the queue (the policy would {})",
                                       action_name(out.decision.action))});
    out.decision.action = ModerationAction::kApprove;
  }
  comment.community = thread.community;
  comment.thread = thread.id;
  if (!do_not_store) {
    comment.text = text;
  }
  comment.status = status_after(out.decision.action);
  comment.risk = comment_risk(scored.scores);

  IngestItem& item = out.item;
  item.scores = {routed.model->version, scored.scores, do_not_store ? "[]" : out.highlights.dump()};
  DecisionRecord& record = item.decision;
  record.comment_id = comment.id;
  record.action = std::string(action_name(out.decision.action));
  record.actor = "policy";
  record.reason = out.decision.reasons.empty() ? "" : out.decision.reasons.front().detail;
  record.reasons_json = decision_reasons_json(out.decision.reasons).dump();
  record.policy_version = active.version;
  AuditEntry& audit = item.audit;
  audit.community = thread.community;
  audit.actor = "policy";
  audit.action = "comment." + record.action;
  audit.subject = comment.id;
  audit.detail_json = json{{"policy_version", active.version},
                           {"reasons", decision_reasons_json(out.decision.reasons)}}
                          .dump();
  item.comment = std::move(comment);
  return out;
}

IntakeResult CommentIntake::submit(const ThreadRecord& thread, CommentRecord comment,
                                   const std::string& text, bool do_not_store) {
  // A copy: `comment` is moved into the decision below.
  const auto conflict = [id = comment.id] {
    return IntakeError(IntakeError::Kind::kConflict,
                       fmt::format("Comment '{}' already exists.", id));
  };
  // A nudged comment was never published: its author may rephrase and send it
  // again under the same id, and it is decided afresh. Anything else is a conflict.
  const auto existing = store_.find_comment(comment.id);
  const bool resubmission = existing && existing->comment.status == CommentStatus::kNudged &&
                            existing->comment.thread == thread.id &&
                            existing->comment.community == thread.community &&
                            existing->comment.author == comment.author;
  if (existing && !resubmission) {
    throw conflict();
  }
  check_thread_owner(thread);
  const std::shared_ptr<const ActivePolicy> policy =
      load_active_policy(store_, thread.community, policies_);
  const ActivePolicy& active = *policy;
  int recent = 0;
  if (active.policy.rate_limit && !comment.author.empty()) {
    const std::int64_t since = comment.created_unix - active.policy.rate_limit->window_seconds;
    recent = static_cast<int>(store_.count_author_comments(thread.community, comment.author, since,
                                                           comment.created_unix));
    // The draft being replaced is not an earlier comment.
    if (resubmission && existing->comment.created_unix >= since &&
        existing->comment.created_unix <= comment.created_unix) {
      --recent;
    }
  }
  const auto standing = comment.author.empty()
                            ? std::nullopt
                            : store_.author_standing(thread.community, comment.author, unix_now());
  IntakeResult result = decide(thread, std::move(comment), text, score(text), do_not_store, active,
                               recent, Arrival::kLive, standing);
  if (resubmission) {
    result.item.audit.detail_json = nlohmann::json{
        {"policy_version", active.version},
        {"reasons", decision_reasons_json(result.decision.reasons)},
        {"resubmitted_after", "nudge"}}.dump();
    try {
      store_.resubmit(result.item);
    } catch (const StoreError&) {
      // Another resubmission (or a moderator) got there first: no longer a draft.
      const auto now = store_.find_comment(result.item.comment.id);
      if (now && now->comment.status != CommentStatus::kNudged) throw conflict();
      throw;
    }
    return result;
  }
  try {
    store_.ingest({ThreadIngest{thread, {result.item}, std::nullopt}});
  } catch (const StoreError&) {
    // Lost a race with the same id: the checks above passed moments ago.
    if (store_.find_comment(result.item.comment.id)) {
      throw conflict();
    }
    throw;
  }
  return result;
}

std::vector<ImportSummary> CommentIntake::import_threads(const std::vector<ThreadToImport>& threads,
                                                         std::size_t max_comment_bytes,
                                                         bool dry_run) {
  const std::int64_t now = unix_now();
  std::vector<ImportSummary> summaries;
  std::vector<ThreadIngest> batches;
  std::unordered_set<std::string> thread_ids;
  // Named references, not a structured binding: clang 14 cannot capture bindings in lambdas.
  for (const ThreadToImport& entry : threads) {
    const ThreadRecord& thread = entry.record;
    const Thread* source = entry.source;
    if (!thread_ids.insert(thread.id).second) {
      throw IntakeError(IntakeError::Kind::kConflict,
                        fmt::format("Thread '{}' appears twice in the import.", thread.id));
    }
    check_thread_owner(thread);
    const std::shared_ptr<const ActivePolicy> policy =
        load_active_policy(store_, thread.community, policies_);
    const ActivePolicy& active = *policy;
    ImportSummary& summary = summaries.emplace_back();
    summary.thread_id = thread.id;
    summary.warnings = source->warnings;
    ThreadIngest& batch = batches.emplace_back();
    batch.thread = thread;
    batch.items.reserve(source->comments.size());
    // Rate limits see the export's own comments as well as stored ones.
    std::unordered_map<std::string, std::multiset<std::int64_t>> posted_by_author;
    std::unordered_map<std::string, std::optional<AuthorStanding>> standings;
    std::vector<std::string> candidate_ids;
    candidate_ids.reserve(source->comments.size());
    for (const Comment& c : source->comments) {
      candidate_ids.push_back(thread.id + "/" + c.id);
    }
    const std::unordered_set<std::string> stored = store_.existing_comments(candidate_ids);
    // Scoring is the costly part and independent per comment, so all cores share
    // it, a block at a time to bound the token scores held in memory. Deciding
    // stays in order, since rate limits depend on the comments before.
    constexpr std::size_t kBlock = 1024;
    const int workers = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    std::vector<server::RoutedScore> scored(std::min(kBlock, source->comments.size()));
    std::unordered_set<std::string> ids;
    for (std::size_t i = 0; i < source->comments.size(); ++i) {
      if (i % kBlock == 0) {
        const std::size_t n = std::min(kBlock, source->comments.size() - i);
        parallel_for(
            n, workers,
            [&](std::size_t k) {
              const Comment& c = source->comments[i + k];
              scored[k] = {};
              if (!c.text.empty() && c.text.size() <= max_comment_bytes &&
                  !stored.contains(candidate_ids[i + k])) {
                scored[k] = score(c.text);
              }
            },
            16);
      }
      const Comment& c = source->comments[i];
      CommentRecord comment;
      comment.id = thread.id + "/" + c.id;
      if (c.text.empty() || c.text.size() > max_comment_bytes) {
        ++summary.skipped;
        summary.warnings.push_back(fmt::format("comment {}: empty or longer than {} bytes, skipped",
                                               c.id, max_comment_bytes));
        continue;
      }
      if (!ids.insert(comment.id).second) {
        ++summary.skipped;
        summary.warnings.push_back(
            fmt::format("comment {}: id repeated in the export, skipped", c.id));
        continue;
      }
      if (stored.contains(comment.id)) {
        ++summary.skipped;  // imported before
        continue;
      }
      if (c.parent) {
        comment.parent = thread.id + "/" + *c.parent;
      }
      comment.author = c.author;
      const auto when = c.time ? parse_thread_time(*c.time) : std::nullopt;
      comment.created_unix = when ? static_cast<std::int64_t>(*when) : now;
      comment.created_at = format_rfc3339(comment.created_unix);
      int recent = 0;
      if (active.policy.rate_limit && !comment.author.empty()) {
        const std::int64_t since = comment.created_unix - active.policy.rate_limit->window_seconds;
        auto& times = posted_by_author[comment.author];
        recent = static_cast<int>(
            store_.count_author_comments(thread.community, comment.author, since,
                                         comment.created_unix) +
            std::distance(times.lower_bound(since), times.upper_bound(comment.created_unix)));
        times.insert(comment.created_unix);
      }
      if (!c.author.empty() && !standings.contains(c.author)) {
        standings[c.author] = store_.author_standing(thread.community, c.author, now);
      }
      const std::optional<AuthorStanding> none;
      IntakeResult result =
          decide(thread, std::move(comment), c.text, scored[i % kBlock], false, active, recent,
                 Arrival::kImported, c.author.empty() ? none : standings[c.author]);
      ++summary.actions[result.item.decision.action];
      ++summary.imported;
      batch.items.push_back(std::move(result.item));
    }
    AuditEntry audit;
    audit.community = thread.community;
    audit.actor = "import";
    audit.action = "thread.import";
    audit.subject = thread.id;
    audit.detail_json = json{
        {"imported", summary.imported},
        {"skipped", summary.skipped},
        {"actions", summary.actions},
        {"policy_version",
         active.version}}.dump();
    batch.summary = std::move(audit);
  }
  if (!dry_run) {
    store_.ingest(batches);
  }
  return summaries;
}

}  // namespace comity
