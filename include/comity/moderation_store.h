// Storage for moderation: threads, comments, their scores and decisions, the
// append-only audit log and versioned policies. An interface, like Store, so a
// PostgreSQL backend can implement the same contract; the SQLite one shares the
// data directory's comity.db (migration 3 creates its tables).
#pragma once
#include <climits>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_set>
#include <vector>

#include "comity/attributes.h"
#include "comity/comment_status.h"
#include "comity/store.h"
#include "comity/time.h"  // parse_rfc3339, format_rfc3339

namespace comity {

struct ThreadRecord {
  std::string id;
  std::string community;
  std::string url, title, body;
  std::string created_at;  // assigned by the store when empty
};

struct CommentRecord {
  std::string id;
  std::string community;
  std::string thread;
  std::optional<std::string> parent;
  std::string author;
  std::string created_at;         // RFC 3339 UTC
  std::int64_t created_unix = 0;  // the same instant in seconds
  std::optional<std::string> text;
  CommentStatus status = CommentStatus::kPending;
  double risk = 0;  // highest attribute score
};

struct CommentScores {
  std::string model_version;
  AttributeScores scores{};
  std::string highlights_json = "[]";
};

struct DecisionRecord {
  std::int64_t id = 0;
  std::string comment_id;
  std::string action;
  std::string actor;
  std::string reason;
  std::string reasons_json = "[]";  // [{rule, detail}]
  std::optional<std::int64_t> policy_version;
  std::string created_at;  // assigned by the store when empty
};

struct AuditEntry {
  std::int64_t id = 0;
  std::string created_at;  // assigned by the store when empty
  std::string community;
  std::string actor;
  std::string action;
  std::string subject;
  std::string detail_json = "{}";
};

struct PolicyRecord {
  std::string community;
  std::int64_t version = 0;
  std::string toml;
  std::string created_at;
  bool active = false;
};

// A new comment with everything intake decided about it.
struct IngestItem {
  CommentRecord comment;
  CommentScores scores;
  DecisionRecord decision;
  AuditEntry audit;
};

struct ThreadIngest {
  ThreadRecord thread;
  std::vector<IngestItem> items;
  std::optional<AuditEntry> summary;  // e.g. an import's counts
};

// A moderator's edit: the new text, rescored so highlights match what is shown.
struct CommentEdit {
  std::string text;
  CommentScores scores;
  double risk = 0;
};

// A comment with what the store knows about it.
struct StoredComment {
  CommentRecord comment;
  std::optional<CommentScores> scores;
  std::optional<DecisionRecord> last_decision;
};

// What a moderator's queue shows: filters, order and a page of it.
struct QueueQuery {
  std::string community;
  std::string status = "held";  // held | nudged | approved | rejected | pending | any
  std::string thread, author;   // empty: all
  std::string text_contains;    // case-insensitive for ASCII; empty: all
  std::int64_t since_unix = 0, until_unix = INT64_MAX;
  enum class Order { kRiskiest, kNewest, kOldest } order = Order::kRiskiest;
  std::size_t limit = 50, offset = 0;
};

struct QueuePage {
  std::vector<StoredComment> comments;
  std::int64_t total = 0;  // matching comments, all pages
};

// What moderators decided about an author in one community. Trusted authors'
// comments skip the queue (a hold or nudge becomes approve; a reject stays);
// suspended and banned authors' comments are rejected, a suspension until a time.
struct AuthorStanding {
  std::string community, author;
  std::string standing;                    // trusted | suspended | banned
  std::optional<std::int64_t> until_unix;  // nullopt: until changed
  std::string reason, actor, created_at;
};

// A reader's report (flag) on a comment.
struct ReportRecord {
  std::string comment_id, community, reporter, reason, detail, created_at;
};

// A reported comment in the reports queue: its open reports summed up.
struct ReportedComment {
  StoredComment comment;
  std::int64_t open_reports = 0;
  std::map<std::string, std::int64_t> reasons;  // reason -> open reports
  std::string latest_at;
};

// An author's record in one community, for deciding on their next comment.
struct AuthorHistory {
  std::int64_t comments = 0, approved = 0, held = 0, rejected = 0, nudged = 0;
  std::string first_seen;                      // created_at of their first comment
  std::vector<DecisionRecord> last_decisions;  // moderators' latest, newest first (up to 5)
};

// Decisions of one action on one UTC day, by the policy or by moderators.
struct DailyActions {
  std::string day;  // YYYY-MM-DD of the decision
  std::string action;
  bool by_policy = false;
  std::int64_t count = 0;
};

struct ThreadSummary {
  ThreadRecord thread;
  std::int64_t comments = 0, held = 0;
};

struct CommunitySummary {
  std::string id;
  std::string created_at;
  std::int64_t threads = 0, comments = 0, held = 0;
};

struct DailyStats {
  std::string day;  // YYYY-MM-DD (UTC)
  std::int64_t comments = 0;
  double mean_toxicity = 0;  // over scored comments
};

class ModerationStore {
 public:
  virtual ~ModerationStore() = default;

  // New comments of one or more threads (each created or updated) with their
  // scores, the policy's decisions, audit rows and each thread's summary audit
  // row, all in one transaction: a failure stores none of them. Throws
  // StoreError when a comment id already exists or a thread belongs to another
  // community.
  virtual void ingest(const std::vector<ThreadIngest>& threads) = 0;
  // A nudged comment sent again after its author rephrased it: text, time,
  // status, risk and scores replaced, the new decision and audit row added, in
  // one transaction. Throws StoreError unless the stored comment is still nudged.
  virtual void resubmit(const IngestItem& item) = 0;
  // A moderator's decision: the decision row, the new status (and, for an
  // edit, the new text with its scores) and an audit row, in one transaction.
  // Returns the decision id.
  virtual std::int64_t record_decision(const DecisionRecord& decision, CommentStatus status,
                                       const std::optional<CommentEdit>& edit,
                                       const AuditEntry& audit) = 0;
  virtual std::int64_t append_audit(const AuditEntry& entry) = 0;

  virtual std::optional<StoredComment> find_comment(const std::string& id) = 0;
  // Several at once, by id (those stored): a page that shows many rows asks once,
  // not once per row. Likewise find_threads, author_histories, author_standings.
  virtual std::map<std::string, StoredComment> find_comments(
      const std::vector<std::string>& ids) = 0;
  // Every decision on the comment, oldest first (the policy's, then moderators').
  virtual std::vector<DecisionRecord> decisions(const std::string& comment_id) = 0;
  // Which of `ids` are stored (for imports: one query per id, no joins).
  virtual std::unordered_set<std::string> existing_comments(
      const std::vector<std::string>& ids) = 0;
  // Oldest first.
  virtual std::vector<StoredComment> thread_comments(const std::string& thread_id) = 0;
  // Oldest first; the whole history, for dry runs.
  virtual void for_each_comment(const std::string& community,
                                const std::function<void(const StoredComment&)>& fn) = 0;
  // Held comments, riskiest first.
  virtual std::vector<StoredComment> held_comments(const std::string& community,
                                                   std::size_t limit) = 0;
  virtual QueuePage queue(const QueueQuery& query) = 0;
  virtual AuthorHistory author_history(const std::string& community, const std::string& author) = 0;
  // By author; an author with no comment in the community is left out.
  virtual std::map<std::string, AuthorHistory> author_histories(
      const std::string& community, const std::vector<std::string>& authors) = 0;
  // Adds a report and returns the comment's open reports; false in `added` when
  // this reporter had reported it already (nothing is added then).
  virtual std::int64_t add_report(const ReportRecord& report, bool& added) = 0;
  // Comments with open reports, most reported first; `total` in the page.
  virtual std::vector<ReportedComment> reported_comments(const std::string& community,
                                                         std::size_t limit, std::size_t offset,
                                                         std::int64_t& total) = 0;
  // The author's standing in force at `now_unix` (an expired one is nullopt).
  virtual std::optional<AuthorStanding> author_standing(const std::string& community,
                                                        const std::string& author,
                                                        std::int64_t now_unix) = 0;
  // By author, those with a standing in force.
  virtual std::map<std::string, AuthorStanding> author_standings(
      const std::string& community, const std::vector<std::string>& authors,
      std::int64_t now_unix) = 0;
  // Replaces the author's standing (nullopt: clears it) with an audit row, in one
  // transaction.
  virtual void set_author_standing(const std::string& community, const std::string& author,
                                   const std::optional<AuthorStanding>& standing,
                                   const AuditEntry& audit) = 0;
  // Comments by `author` in `community` with since_unix <= created_unix <= until_unix.
  virtual std::int64_t count_author_comments(const std::string& community,
                                             const std::string& author, std::int64_t since_unix,
                                             std::int64_t until_unix) = 0;

  virtual std::optional<ThreadRecord> find_thread(const std::string& id) = 0;
  virtual std::map<std::string, ThreadRecord> find_threads(const std::vector<std::string>& ids) = 0;
  // Newest first, with each thread's comment and held counts.
  virtual std::vector<ThreadSummary> threads(const std::string& community, std::size_t limit) = 0;

  // Stores `toml` as the community's next version and makes it the active one.
  virtual PolicyRecord save_policy(const std::string& community, const std::string& toml,
                                   const AuditEntry& audit) = 0;
  virtual std::optional<PolicyRecord> active_policy(const std::string& community) = 0;
  // Newest first.
  virtual std::vector<PolicyRecord> policy_history(const std::string& community) = 0;

  // Newest first; community "" means all.
  virtual std::vector<AuditEntry> audit_log(const std::string& community, std::size_t limit) = 0;

  // Every community the store knows (by comment, thread or policy), by id.
  virtual std::vector<CommunitySummary> communities() = 0;

  virtual std::vector<DailyStats> daily_stats(const std::string& community) = 0;
  // By day, then policy before moderators, then action.
  virtual std::vector<DailyActions> daily_actions(const std::string& community) = 0;
  virtual std::map<std::string, std::int64_t> status_counts(const std::string& community) = 0;
};

// Opens (creating and migrating as needed) `data_dir`/comity.db, like open_sqlite_store.
std::unique_ptr<ModerationStore> open_sqlite_moderation_store(const std::string& data_dir);

}  // namespace comity
