// The SQLite implementation of ModerationStore, on its own connection to the
// data directory's comity.db. WAL lets it and the main Store write the same
// file; the busy timeout absorbs their brief lock overlaps.
#include <sys/stat.h>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <mutex>
#include <unordered_set>

#include <nlohmann/json.hpp>

#include "comity/moderation_store.h"
#include "comity/time.h"
#include "store/migrations.h"
#include "store/sqlite_connection.h"

namespace comity {
namespace {

using sqlite::Connection;
using sqlite::Statement;
using sqlite::Transaction;
using sqlite::Use;

std::string or_now(const std::string& when) { return when.empty() ? utc_now_rfc3339() : when; }

double column_double(Statement& statement, int index) {
  // Statement exposes integers and text; REAL columns come back through text.
  return std::strtod(statement.column_text(index).c_str(), nullptr);
}

constexpr const char* kCommentColumns =
    "c.id, c.community, c.thread, c.parent, c.author, c.created_at, c.created_unix, c.text, "
    "c.status, c.risk, s.model_version, s.toxicity, s.severe_toxicity, s.identity_attack, "
    "s.insult, s.profanity, s.threat, s.sexually_explicit, s.flirtation, s.highlights, "
    "d.id, d.action, d.actor, d.reason, d.reasons, d.policy_version, d.created_at";

constexpr const char* kReplaceScores =
    "INSERT OR REPLACE INTO scores(comment, model_version, toxicity, severe_toxicity,"
    " identity_attack, insult, profanity, threat, sexually_explicit, flirtation, highlights)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)";

// A decision's columns "id, action, actor, reason, reasons, policy_version,
// created_at" from `first` on (the comment id is the caller's).
DecisionRecord read_decision(Statement& row, int first, std::string comment_id) {
  DecisionRecord d;
  d.id = row.column_int(first);
  d.comment_id = std::move(comment_id);
  d.action = row.column_text(first + 1);
  d.actor = row.column_text(first + 2);
  d.reason = row.column_text(first + 3);
  d.reasons_json = row.column_text(first + 4);
  if (!row.column_is_null(first + 5)) d.policy_version = row.column_int(first + 5);
  d.created_at = row.column_text(first + 6);
  return d;
}

// Each comment joined with its scores and its latest decision.
std::string comment_query(const std::string& where_and_order) {
  return std::string("SELECT ") + kCommentColumns +
         " FROM comments c LEFT JOIN scores s ON s.comment = c.id"
         " LEFT JOIN decisions d ON d.id = (SELECT MAX(id) FROM decisions WHERE comment = c.id) " +
         where_and_order;
}

StoredComment read_comment(Statement& row) {
  StoredComment out;
  CommentRecord& c = out.comment;
  c.id = row.column_text(0);
  c.community = row.column_text(1);
  c.thread = row.column_text(2);
  c.parent = row.column_optional_text(3);
  c.author = row.column_text(4);
  c.created_at = row.column_text(5);
  c.created_unix = row.column_int(6);
  c.text = row.column_optional_text(7);
  c.status = parse_status(row.column_text(8)).value_or(CommentStatus::kPending);
  c.risk = column_double(row, 9);
  if (!row.column_is_null(10)) {
    CommentScores scores;
    scores.model_version = row.column_text(10);
    for (std::size_t i = 0; i < kNumAttributes; ++i) {
      scores.scores[i] = static_cast<float>(column_double(row, 11 + static_cast<int>(i)));
    }
    scores.highlights_json = row.column_text(19);
    out.scores = std::move(scores);
  }
  if (!row.column_is_null(20)) out.last_decision = read_decision(row, 20, c.id);
  return out;
}

AuditEntry read_audit(Statement& row) {
  AuditEntry entry;
  entry.id = row.column_int(0);
  entry.created_at = row.column_text(1);
  entry.community = row.column_text(2);
  entry.actor = row.column_text(3);
  entry.action = row.column_text(4);
  entry.subject = row.column_text(5);
  entry.detail_json = row.column_text(6);
  return entry;
}

PolicyRecord read_policy(Statement& row) {
  PolicyRecord record;
  record.community = row.column_text(0);
  record.version = row.column_int(1);
  record.toml = row.column_text(2);
  record.created_at = row.column_text(3);
  record.active = row.column_int(4) != 0;
  return record;
}

class SqliteModerationStore final : public ModerationStore {
 public:
  explicit SqliteModerationStore(std::unique_ptr<Connection> connection)
      : db_(std::move(connection)) {}

  void ingest(const std::vector<ThreadIngest>& threads) override {
    std::lock_guard lock(mutex_);
    Transaction transaction(*db_);
    for (const ThreadIngest& batch : threads) {
      ingest_thread(batch);
    }
    transaction.commit();
  }

  void resubmit(const IngestItem& item) override {
    std::lock_guard lock(mutex_);
    Transaction transaction(*db_);
    const CommentRecord& c = item.comment;
    Statement update(*db_,
                     "UPDATE comments SET text = ?2, created_at = ?3, created_unix = ?4,"
                     " status = ?5, risk = ?6 WHERE id = ?1 AND status = 'nudged'");
    update.bind(1, std::string_view(c.id));
    update.bind(2, c.text);
    update.bind(3, std::string_view(c.created_at));
    update.bind(4, c.created_unix);
    update.bind(5, status_name(c.status));
    bind_real(update, 6, c.risk);
    update.run();
    if (sqlite3_changes(db_->get()) == 0) {
      throw StoreError("no nudged comment " + c.id);
    }
    Statement rescore(*db_, kReplaceScores);
    bind_scores(rescore, c.id, item.scores);
    rescore.run();
    insert_decision(item.decision);
    insert_audit(item.audit);
    transaction.commit();
  }

  std::int64_t record_decision(const DecisionRecord& decision, CommentStatus status,
                               const std::optional<CommentEdit>& edit,
                               const AuditEntry& audit) override {
    std::lock_guard lock(mutex_);
    Transaction transaction(*db_);
    Statement update(*db_,
                     edit ? "UPDATE comments SET status = ?2, text = ?3, risk = ?4 WHERE id = ?1"
                          : "UPDATE comments SET status = ?2 WHERE id = ?1");
    update.bind(1, std::string_view(decision.comment_id));
    update.bind(2, status_name(status));
    if (edit) {
      update.bind(3, std::string_view(edit->text));
      bind_real(update, 4, edit->risk);
    }
    update.run();
    if (sqlite3_changes(db_->get()) == 0) {
      throw StoreError("no comment " + decision.comment_id);
    }
    if (edit) {
      Statement rescore(*db_, kReplaceScores);
      bind_scores(rescore, decision.comment_id, edit->scores);
      rescore.run();
    }
    const std::int64_t id = insert_decision(decision);
    // A moderator has looked at the comment: its open reports are answered.
    Statement resolve(
        *db_, "UPDATE reports SET resolved_by = ?2 WHERE comment = ?1 AND resolved_by IS NULL");
    resolve.bind(1, std::string_view(decision.comment_id));
    resolve.bind(2, id);
    resolve.run();
    insert_audit(audit);
    transaction.commit();
    return id;
  }

  std::int64_t append_audit(const AuditEntry& entry) override {
    std::lock_guard lock(mutex_);
    return insert_audit(entry);
  }

  std::unordered_set<std::string> existing_comments(const std::vector<std::string>& ids) override {
    std::lock_guard lock(mutex_);
    std::unordered_set<std::string> out;
    Statement& exists = prepared(comment_exists_, "SELECT 1 FROM comments WHERE id = ?1");
    for (const std::string& id : ids) {
      Use query(exists);
      query->bind(1, std::string_view(id));
      if (query->step()) {
        out.insert(id);
      }
    }
    return out;
  }

  std::map<std::string, StoredComment> find_comments(const std::vector<std::string>& ids) override {
    std::lock_guard lock(mutex_);
    return find_comments_locked(ids);
  }

  std::optional<StoredComment> find_comment(const std::string& id) override {
    std::lock_guard lock(mutex_);
    Use query(prepared(find_comment_, comment_query("WHERE c.id = ?1")));
    query->bind(1, std::string_view(id));
    if (!query->step()) {
      return std::nullopt;
    }
    return read_comment(*query);
  }

  std::vector<DecisionRecord> decisions(const std::string& comment_id) override {
    std::lock_guard lock(mutex_);
    Statement query(*db_,
                    "SELECT id, action, actor, reason, reasons, policy_version, created_at"
                    " FROM decisions WHERE comment = ?1 ORDER BY id");
    query.bind(1, std::string_view(comment_id));
    std::vector<DecisionRecord> out;
    while (query.step()) out.push_back(read_decision(query, 0, comment_id));
    return out;
  }

  std::vector<StoredComment> thread_comments(const std::string& thread_id) override {
    std::lock_guard lock(mutex_);
    Statement query(*db_, comment_query("WHERE c.thread = ?1 ORDER BY c.created_unix, c.rowid"));
    query.bind(1, std::string_view(thread_id));
    std::vector<StoredComment> out;
    while (query.step()) {
      out.push_back(read_comment(query));
    }
    return out;
  }

  void for_each_comment(const std::string& community,
                        const std::function<void(const StoredComment&)>& fn) override {
    // Read everything first: the callback may call back into the store.
    std::vector<StoredComment> all;
    {
      std::lock_guard lock(mutex_);
      Statement query(*db_,
                      comment_query("WHERE c.community = ?1 ORDER BY c.created_unix, c.rowid"));
      query.bind(1, std::string_view(community));
      while (query.step()) {
        all.push_back(read_comment(query));
      }
    }
    for (const StoredComment& comment : all) {
      fn(comment);
    }
  }

  std::vector<StoredComment> held_comments(const std::string& community,
                                           std::size_t limit) override {
    QueueQuery query;
    query.community = community;
    query.limit = limit;
    return queue(query).comments;
  }

  QueuePage queue(const QueueQuery& q) override {
    // One fixed statement per order: an empty filter matches everything.
    static constexpr const char* kWhere =
        "WHERE c.community = ?1 AND (?2 = 'any' OR c.status = ?2) AND (?3 = '' OR c.thread = ?3)"
        " AND (?4 = '' OR c.author = ?4) AND (?5 = '' OR c.text LIKE ?5 ESCAPE '\\')"
        " AND c.created_unix BETWEEN ?6 AND ?7";
    const char* order =
        q.order == QueueQuery::Order::kNewest   ? " ORDER BY c.created_unix DESC, c.rowid DESC"
        : q.order == QueueQuery::Order::kOldest ? " ORDER BY c.created_unix, c.rowid"
                                                : " ORDER BY c.risk DESC, c.created_unix, c.rowid";
    std::string pattern;
    if (!q.text_contains.empty()) {
      pattern = "%";
      for (const char ch : q.text_contains) {
        if (ch == '%' || ch == '_' || ch == '\\') pattern += '\\';
        pattern += ch;
      }
      pattern += "%";
    }
    const auto bind = [&](Statement& s) {
      s.bind(1, std::string_view(q.community));
      s.bind(2, std::string_view(q.status));
      s.bind(3, std::string_view(q.thread));
      s.bind(4, std::string_view(q.author));
      s.bind(5, std::string_view(pattern));
      s.bind(6, q.since_unix);
      s.bind(7, q.until_unix);
    };
    std::lock_guard lock(mutex_);
    QueuePage page;
    Statement count(*db_, std::string("SELECT COUNT(*) FROM comments c ") + kWhere);
    bind(count);
    if (count.step()) page.total = count.column_int(0);
    Statement rows(*db_, comment_query(std::string(kWhere) + order + " LIMIT ?8 OFFSET ?9"));
    bind(rows);
    rows.bind(8, static_cast<std::int64_t>(q.limit));
    rows.bind(9, static_cast<std::int64_t>(q.offset));
    while (rows.step()) page.comments.push_back(read_comment(rows));
    return page;
  }

  std::int64_t add_report(const ReportRecord& report, bool& added) override {
    std::lock_guard lock(mutex_);
    Transaction transaction(*db_);
    Statement insert(*db_,
                     "INSERT OR IGNORE INTO reports(comment, community, reporter, reason, detail,"
                     " created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
    insert.bind(1, std::string_view(report.comment_id));
    insert.bind(2, std::string_view(report.community));
    insert.bind(3, std::string_view(report.reporter));
    insert.bind(4, std::string_view(report.reason));
    insert.bind(5, std::string_view(report.detail));
    insert.bind(6, std::string_view(or_now(report.created_at)));
    insert.run();
    added = sqlite3_changes(db_->get()) > 0;
    Statement count(*db_,
                    "SELECT COUNT(*) FROM reports WHERE comment = ?1 AND resolved_by IS NULL");
    count.bind(1, std::string_view(report.comment_id));
    count.step();
    const std::int64_t open = count.column_int(0);
    transaction.commit();
    return open;
  }

  std::vector<ReportedComment> reported_comments(const std::string& community, std::size_t limit,
                                                 std::size_t offset, std::int64_t& total) override {
    std::lock_guard lock(mutex_);
    Statement count(*db_,
                    "SELECT COUNT(DISTINCT comment) FROM reports"
                    " WHERE community = ?1 AND resolved_by IS NULL");
    count.bind(1, std::string_view(community));
    total = count.step() ? count.column_int(0) : 0;
    Statement page(*db_,
                   "SELECT comment, COUNT(*), MAX(created_at) FROM reports"
                   " WHERE community = ?1 AND resolved_by IS NULL GROUP BY comment"
                   " ORDER BY COUNT(*) DESC, MAX(id) DESC LIMIT ?2 OFFSET ?3");
    page.bind(1, std::string_view(community));
    page.bind(2, static_cast<std::int64_t>(limit));
    page.bind(3, static_cast<std::int64_t>(offset));
    std::vector<ReportedComment> out;
    while (page.step()) {
      ReportedComment& r = out.emplace_back();
      r.comment.comment.id = page.column_text(0);
      r.open_reports = page.column_int(1);
      r.latest_at = page.column_text(2);
    }
    // The page's comments and their reasons in one query each, not two per row.
    std::vector<std::string> ids;
    for (const ReportedComment& r : out) ids.push_back(r.comment.comment.id);
    std::map<std::string, StoredComment> comments = find_comments_locked(ids);
    std::map<std::string, std::map<std::string, std::int64_t>> reasons;
    Statement counted(*db_,
                      "SELECT comment, reason, COUNT(*) FROM reports WHERE resolved_by IS NULL"
                      " AND comment IN (SELECT value FROM json_each(?1)) GROUP BY comment, reason");
    counted.bind(1, std::string_view(id_list(ids)));
    while (counted.step()) {
      reasons[counted.column_text(0)][counted.column_text(1)] = counted.column_int(2);
    }
    for (ReportedComment& r : out) {
      const std::string id = r.comment.comment.id;
      if (auto found = comments.find(id); found != comments.end())
        r.comment = std::move(found->second);
      r.reasons = std::move(reasons[id]);
    }
    return out;
  }

  std::optional<AuthorStanding> author_standing(const std::string& community,
                                                const std::string& author,
                                                std::int64_t now_unix) override {
    auto found = author_standings(community, {author}, now_unix);
    if (found.empty()) return std::nullopt;
    return std::move(found.begin()->second);
  }

  std::map<std::string, AuthorStanding> author_standings(const std::string& community,
                                                         const std::vector<std::string>& authors,
                                                         std::int64_t now_unix) override {
    std::lock_guard lock(mutex_);
    Statement row(*db_,
                  "SELECT author, standing, until_unix, reason, actor, created_at"
                  " FROM author_standing WHERE community = ?1"
                  " AND author IN (SELECT value FROM json_each(?2))"
                  " AND (until_unix IS NULL OR until_unix > ?3)");
    row.bind(1, std::string_view(community));
    row.bind(2, std::string_view(id_list(authors)));
    row.bind(3, now_unix);
    std::map<std::string, AuthorStanding> out;
    while (row.step()) {
      AuthorStanding s{community,          row.column_text(0), row.column_text(1), std::nullopt,
                       row.column_text(3), row.column_text(4), row.column_text(5)};
      if (!row.column_is_null(2)) s.until_unix = row.column_int(2);
      out.emplace(s.author, std::move(s));
    }
    return out;
  }

  void set_author_standing(const std::string& community, const std::string& author,
                           const std::optional<AuthorStanding>& standing,
                           const AuditEntry& audit) override {
    std::lock_guard lock(mutex_);
    Transaction transaction(*db_);
    ensure_community(community);
    Statement erase(*db_, "DELETE FROM author_standing WHERE community = ?1 AND author = ?2");
    erase.bind(1, std::string_view(community));
    erase.bind(2, std::string_view(author));
    erase.run();
    if (standing) {
      Statement insert(*db_,
                       "INSERT INTO author_standing(community, author, standing, until_unix,"
                       " reason, actor, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)");
      insert.bind(1, std::string_view(community));
      insert.bind(2, std::string_view(author));
      insert.bind(3, std::string_view(standing->standing));
      if (standing->until_unix) {
        insert.bind(4, *standing->until_unix);
      } else {
        insert.bind_null(4);
      }
      insert.bind(5, std::string_view(standing->reason));
      insert.bind(6, std::string_view(standing->actor));
      insert.bind(7, std::string_view(or_now(standing->created_at)));
      insert.run();
    }
    insert_audit(audit);
    transaction.commit();
  }

  AuthorHistory author_history(const std::string& community, const std::string& author) override {
    auto found = author_histories(community, {author});
    return found.empty() ? AuthorHistory{} : std::move(found.begin()->second);
  }

  std::map<std::string, AuthorHistory> author_histories(
      const std::string& community, const std::vector<std::string>& authors) override {
    std::lock_guard lock(mutex_);
    const std::string names = id_list(authors);
    std::map<std::string, AuthorHistory> out;
    Statement counts(*db_,
                     "SELECT author, COUNT(*), SUM(status = 'approved'), SUM(status = 'held'),"
                     " SUM(status = 'rejected'), SUM(status = 'nudged'), MIN(created_at)"
                     " FROM comments WHERE community = ?1"
                     " AND author IN (SELECT value FROM json_each(?2)) GROUP BY author");
    counts.bind(1, std::string_view(community));
    counts.bind(2, std::string_view(names));
    while (counts.step()) {
      AuthorHistory& history = out[counts.column_text(0)];
      history.comments = counts.column_int(1);
      history.approved = counts.column_int(2);
      history.held = counts.column_int(3);
      history.rejected = counts.column_int(4);
      history.nudged = counts.column_int(5);
      history.first_seen = counts.column_optional_text(6).value_or("");
    }
    // Each author's five latest moderators' decisions, newest first.
    Statement decided(*db_,
                      "SELECT author, comment, id, action, actor, reason, reasons,"
                      " policy_version, created_at FROM ("
                      " SELECT c.author AS author, d.comment AS comment, d.id AS id,"
                      " d.action AS action, d.actor AS actor, d.reason AS reason,"
                      " d.reasons AS reasons, d.policy_version AS policy_version,"
                      " d.created_at AS created_at, ROW_NUMBER() OVER"
                      " (PARTITION BY c.author ORDER BY d.id DESC) AS n"
                      " FROM decisions d JOIN comments c ON c.id = d.comment"
                      " WHERE c.community = ?1 AND c.author IN (SELECT value FROM json_each(?2))"
                      " AND d.actor != 'policy') WHERE n <= 5 ORDER BY author, id DESC");
    decided.bind(1, std::string_view(community));
    decided.bind(2, std::string_view(names));
    while (decided.step()) {
      out[decided.column_text(0)].last_decisions.push_back(
          read_decision(decided, 2, decided.column_text(1)));
    }
    return out;
  }

  std::int64_t count_author_comments(const std::string& community, const std::string& author,
                                     std::int64_t since_unix, std::int64_t until_unix) override {
    std::lock_guard lock(mutex_);
    Use query(prepared(count_author_,
                       "SELECT COUNT(*) FROM comments WHERE community = ?1 AND author = ?2"
                       " AND created_unix BETWEEN ?3 AND ?4"));
    query->bind(1, std::string_view(community));
    query->bind(2, std::string_view(author));
    query->bind(3, since_unix);
    query->bind(4, until_unix);
    query->step();
    return query->column_int(0);
  }

  std::map<std::string, ThreadRecord> find_threads(const std::vector<std::string>& ids) override {
    std::lock_guard lock(mutex_);
    Statement query(*db_,
                    "SELECT id, community, url, title, body, created_at FROM threads"
                    " WHERE id IN (SELECT value FROM json_each(?1))");
    query.bind(1, std::string_view(id_list(ids)));
    std::map<std::string, ThreadRecord> out;
    while (query.step()) {
      ThreadRecord thread = read_thread(query);
      out.emplace(thread.id, std::move(thread));
    }
    return out;
  }

  std::optional<ThreadRecord> find_thread(const std::string& id) override {
    std::lock_guard lock(mutex_);
    Use query(
        prepared(find_thread_,
                 "SELECT id, community, url, title, body, created_at FROM threads WHERE id = ?1"));
    query->bind(1, std::string_view(id));
    if (!query->step()) {
      return std::nullopt;
    }
    return read_thread(*query);
  }

  std::vector<ThreadSummary> threads(const std::string& community, std::size_t limit) override {
    std::lock_guard lock(mutex_);
    Statement query(
        *db_,
        "SELECT t.id, t.community, t.url, t.title, t.body, t.created_at,"
        " (SELECT COUNT(*) FROM comments c WHERE c.thread = t.id),"
        " (SELECT COUNT(*) FROM comments c WHERE c.thread = t.id AND c.status = 'held')"
        " FROM threads t WHERE t.community = ?1 ORDER BY t.created_at DESC, t.rowid DESC"
        " LIMIT ?2");
    query.bind(1, std::string_view(community));
    query.bind(2, static_cast<std::int64_t>(limit));
    std::vector<ThreadSummary> out;
    while (query.step()) {
      out.push_back({read_thread(query), query.column_int(6), query.column_int(7)});
    }
    return out;
  }

  PolicyRecord save_policy(const std::string& community, const std::string& toml,
                           const AuditEntry& audit) override {
    std::lock_guard lock(mutex_);
    Transaction transaction(*db_);
    ensure_community(community);
    PolicyRecord record;
    record.community = community;
    record.toml = toml;
    record.created_at = utc_now_rfc3339();
    record.active = true;
    {
      Statement next(*db_,
                     "SELECT COALESCE(MAX(version), 0) + 1 FROM policies WHERE community = ?1");
      next.bind(1, std::string_view(community));
      next.step();
      record.version = next.column_int(0);
    }
    {
      Statement retire(*db_, "UPDATE policies SET active = 0 WHERE community = ?1 AND active = 1");
      retire.bind(1, std::string_view(community));
      retire.run();
    }
    Statement insert(*db_,
                     "INSERT INTO policies(community, version, toml, created_at, active)"
                     " VALUES (?1, ?2, ?3, ?4, 1)");
    insert.bind(1, std::string_view(community));
    insert.bind(2, record.version);
    insert.bind(3, std::string_view(toml));
    insert.bind(4, std::string_view(record.created_at));
    insert.run();
    insert_audit(audit);
    transaction.commit();
    return record;
  }

  std::optional<PolicyRecord> active_policy(const std::string& community) override {
    std::lock_guard lock(mutex_);
    Use query(prepared(active_policy_,
                       "SELECT community, version, toml, created_at, active FROM policies"
                       " WHERE community = ?1 AND active = 1"));
    query->bind(1, std::string_view(community));
    if (!query->step()) {
      return std::nullopt;
    }
    return read_policy(*query);
  }

  std::vector<PolicyRecord> policy_history(const std::string& community) override {
    std::lock_guard lock(mutex_);
    Statement query(*db_,
                    "SELECT community, version, toml, created_at, active FROM policies"
                    " WHERE community = ?1 ORDER BY version DESC");
    query.bind(1, std::string_view(community));
    std::vector<PolicyRecord> out;
    while (query.step()) {
      out.push_back(read_policy(query));
    }
    return out;
  }

  std::vector<AuditEntry> audit_log(const std::string& community, std::size_t limit) override {
    std::lock_guard lock(mutex_);
    Statement query(
        *db_,
        "SELECT id, created_at, community, actor, action, subject, detail FROM audit_log"
        " WHERE ?1 = '' OR community = ?1 ORDER BY id DESC LIMIT ?2");
    query.bind(1, std::string_view(community));
    query.bind(2, static_cast<std::int64_t>(limit));
    std::vector<AuditEntry> out;
    while (query.step()) {
      out.push_back(read_audit(query));
    }
    return out;
  }

  std::vector<DailyStats> daily_stats(const std::string& community) override {
    std::lock_guard lock(mutex_);
    Statement query(*db_,
                    "SELECT date(c.created_unix, 'unixepoch') AS day, COUNT(*),"
                    " COALESCE(AVG(s.toxicity), 0) FROM comments c"
                    " LEFT JOIN scores s ON s.comment = c.id WHERE c.community = ?1"
                    " GROUP BY day ORDER BY day");
    query.bind(1, std::string_view(community));
    std::vector<DailyStats> out;
    while (query.step()) {
      out.push_back({query.column_text(0), query.column_int(1), column_double(query, 2)});
    }
    return out;
  }

  std::vector<DailyActions> daily_actions(const std::string& community) override {
    std::lock_guard lock(mutex_);
    Statement query(
        *db_,
        "SELECT substr(d.created_at, 1, 10) AS day, d.action, d.actor = 'policy' AS auto,"
        " COUNT(*) FROM decisions d JOIN comments c ON c.id = d.comment"
        " WHERE c.community = ?1 GROUP BY day, auto, d.action"
        " ORDER BY day, auto DESC, d.action");
    query.bind(1, std::string_view(community));
    std::vector<DailyActions> out;
    while (query.step()) {
      out.push_back({query.column_text(0), query.column_text(1), query.column_int(2) != 0,
                     query.column_int(3)});
    }
    return out;
  }

  std::vector<CommunitySummary> communities() override {
    std::lock_guard lock(mutex_);
    Statement query(*db_,
                    "SELECT k.id, k.created_at,"
                    " (SELECT COUNT(*) FROM threads t WHERE t.community = k.id),"
                    " (SELECT COUNT(*) FROM comments c WHERE c.community = k.id),"
                    " (SELECT COUNT(*) FROM comments c WHERE c.community = k.id"
                    "  AND c.status = 'held')"
                    " FROM communities k ORDER BY k.id");
    std::vector<CommunitySummary> out;
    while (query.step()) {
      out.push_back({query.column_text(0), query.column_text(1), query.column_int(2),
                     query.column_int(3), query.column_int(4)});
    }
    return out;
  }

  std::map<std::string, std::int64_t> status_counts(const std::string& community) override {
    std::lock_guard lock(mutex_);
    Statement query(*db_,
                    "SELECT status, COUNT(*) FROM comments WHERE community = ?1 GROUP BY status");
    query.bind(1, std::string_view(community));
    std::map<std::string, std::int64_t> out;
    while (query.step()) {
      out[query.column_text(0)] = query.column_int(1);
    }
    return out;
  }

 private:
  void ingest_thread(const ThreadIngest& batch) {
    const ThreadRecord& thread = batch.thread;
    ensure_community(thread.community);
    {
      Use upsert(
          prepared(upsert_thread_,
                   "INSERT INTO threads(id, community, url, title, body, created_at)"
                   " VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT(id) DO UPDATE SET"
                   " url = CASE WHEN excluded.url = '' THEN url ELSE excluded.url END,"
                   " title = CASE WHEN excluded.title = '' THEN title ELSE excluded.title END,"
                   " body = CASE WHEN excluded.body = '' THEN body ELSE excluded.body END"
                   " WHERE community = excluded.community"));
      upsert->bind(1, std::string_view(thread.id));
      upsert->bind(2, std::string_view(thread.community));
      upsert->bind(3, std::string_view(thread.url));
      upsert->bind(4, std::string_view(thread.title));
      upsert->bind(5, std::string_view(thread.body));
      upsert->bind(6, std::string_view(or_now(thread.created_at)));
      upsert->run();
      Use owner(prepared(thread_owner_, "SELECT community FROM threads WHERE id = ?1"));
      owner->bind(1, std::string_view(thread.id));
      if (owner->step() && owner->column_text(0) != thread.community) {
        throw StoreError("thread " + thread.id + " belongs to another community");
      }
    }
    Statement& comment_insert =
        prepared(insert_comment_,
                 "INSERT INTO comments(id, community, thread, parent, author, created_at,"
                 " created_unix, text, status, risk) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9,"
                 " ?10)");
    Statement& scores_insert =
        prepared(insert_scores_,
                 "INSERT INTO scores(comment, model_version, toxicity, severe_toxicity,"
                 " identity_attack, insult, profanity, threat, sexually_explicit, flirtation,"
                 " highlights) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)");
    for (const IngestItem& item : batch.items) {
      const CommentRecord& comment = item.comment;
      if (comment.thread != thread.id || comment.community != thread.community) {
        throw StoreError("comment " + comment.id + " is not in thread " + thread.id);
      }
      Use comment_use(comment_insert);
      comment_insert.bind(1, std::string_view(comment.id));
      comment_insert.bind(2, std::string_view(comment.community));
      comment_insert.bind(3, std::string_view(comment.thread));
      comment_insert.bind(4, comment.parent);
      comment_insert.bind(5, std::string_view(comment.author));
      comment_insert.bind(6, std::string_view(comment.created_at));
      comment_insert.bind(7, comment.created_unix);
      comment_insert.bind(8, comment.text);
      comment_insert.bind(9, status_name(comment.status));
      bind_real(comment_insert, 10, comment.risk);
      comment_insert.run();
      Use scores_use(scores_insert);
      bind_scores(scores_insert, comment.id, item.scores);
      scores_insert.run();
      insert_decision(item.decision);
      insert_audit(item.audit);
    }
    if (batch.summary) {
      insert_audit(*batch.summary);
    }
  }

  // Many rows by key in one statement: the keys as a JSON array for json_each().
  static std::string id_list(const std::vector<std::string>& ids) {
    return nlohmann::json(ids).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  }

  std::map<std::string, StoredComment> find_comments_locked(const std::vector<std::string>& ids) {
    Statement query(*db_, comment_query("WHERE c.id IN (SELECT value FROM json_each(?1))"));
    query.bind(1, std::string_view(id_list(ids)));
    std::map<std::string, StoredComment> out;
    while (query.step()) {
      StoredComment comment = read_comment(query);
      out.emplace(comment.comment.id, std::move(comment));
    }
    return out;
  }

  static ThreadRecord read_thread(Statement& row) {
    ThreadRecord thread;
    thread.id = row.column_text(0);
    thread.community = row.column_text(1);
    thread.url = row.column_text(2);
    thread.title = row.column_text(3);
    thread.body = row.column_text(4);
    thread.created_at = row.column_text(5);
    return thread;
  }

  static void bind_scores(Statement& statement, const std::string& comment,
                          const CommentScores& scores) {
    statement.bind(1, std::string_view(comment));
    statement.bind(2, std::string_view(scores.model_version));
    for (std::size_t i = 0; i < kNumAttributes; ++i) {
      bind_real(statement, 3 + static_cast<int>(i), scores.scores[i]);
    }
    statement.bind(11, std::string_view(scores.highlights_json));
  }

  // sqlite_connection.h binds text and integers; REAL column affinity turns the
  // numeric text back into a double on insert.
  static void bind_real(Statement& statement, int index, double value) {
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%.9g", value);
    statement.bind(index, std::string_view(buffer));
  }

  void ensure_community(const std::string& community) {
    Use insert(prepared(ensure_community_,
                        "INSERT INTO communities(id, created_at) VALUES (?1, ?2)"
                        " ON CONFLICT(id) DO NOTHING"));
    insert->bind(1, std::string_view(community));
    insert->bind(2, std::string_view(utc_now_rfc3339()));
    insert->run();
  }

  // Statements every ingested comment runs, prepared once: preparing them per
  // row was a third of an import's time and a sixth of POST /v1/comments'.
  Statement& prepared(std::unique_ptr<Statement>& slot, std::string_view sql) {
    if (!slot) {
      slot = std::make_unique<Statement>(*db_, sql);
    }
    return *slot;
  }

  std::int64_t insert_decision(const DecisionRecord& decision) {
    Use insert(prepared(insert_decision_,
                        "INSERT INTO decisions(comment, action, actor, reason, reasons,"
                        " policy_version, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"));
    insert->bind(1, std::string_view(decision.comment_id));
    insert->bind(2, std::string_view(decision.action));
    insert->bind(3, std::string_view(decision.actor));
    insert->bind(4, std::string_view(decision.reason));
    insert->bind(5, std::string_view(decision.reasons_json));
    if (decision.policy_version) {
      insert->bind(6, *decision.policy_version);
    } else {
      insert->bind_null(6);
    }
    insert->bind(7, std::string_view(or_now(decision.created_at)));
    insert->run();
    return sqlite3_last_insert_rowid(db_->get());
  }

  std::int64_t insert_audit(const AuditEntry& entry) {
    Use insert(prepared(insert_audit_,
                        "INSERT INTO audit_log(created_at, community, actor, action, subject,"
                        " detail) VALUES (?1, ?2, ?3, ?4, ?5, ?6)"));
    insert->bind(1, std::string_view(or_now(entry.created_at)));
    insert->bind(2, std::string_view(entry.community));
    insert->bind(3, std::string_view(entry.actor));
    insert->bind(4, std::string_view(entry.action));
    insert->bind(5, std::string_view(entry.subject));
    insert->bind(6, std::string_view(entry.detail_json));
    insert->run();
    return sqlite3_last_insert_rowid(db_->get());
  }

  std::unique_ptr<Connection> db_;
  std::mutex mutex_;
  std::unique_ptr<Statement> insert_decision_, insert_audit_, insert_comment_, insert_scores_,
      comment_exists_, count_author_, find_comment_, find_thread_, active_policy_,
      ensure_community_, upsert_thread_, thread_owner_;
};

}  // namespace

std::unique_ptr<ModerationStore> open_sqlite_moderation_store(const std::string& data_dir) {
  std::error_code error;
  if (!std::filesystem::is_directory(data_dir, error)) {
    std::filesystem::create_directories(data_dir, error);
    if (error) {
      throw StoreError("cannot create data directory " + data_dir + ": " + error.message());
    }
    ::chmod(data_dir.c_str(), 0700);  // it holds comment text
  }
  const std::string path = (std::filesystem::path(data_dir) / "comity.db").string();
  auto connection = std::make_unique<Connection>(path);
  sqlite3_busy_timeout(connection->get(), 5000);
  const auto mode = connection->query_text("PRAGMA journal_mode = WAL");
  if (mode != "wal") {
    throw StoreError(path + ": cannot enable WAL journal mode");
  }
  connection->exec("PRAGMA synchronous = NORMAL");
  connection->exec("PRAGMA foreign_keys = ON");
  sqlite::apply_migrations(*connection, sqlite::store_migrations());
  return std::make_unique<SqliteModerationStore>(std::move(connection));
}

}  // namespace comity
