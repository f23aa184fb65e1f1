// Comment intake: score a new comment, apply its community's active policy and
// store comment, scores, decision and audit row together. The one path every new
// comment takes, whether posted live (POST /v1/comments) or imported from a
// site's export (POST /v1/threads:import, `comity import`).
#pragma once
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "comity/moderation.h"
#include "comity/moderation_store.h"
#include "comity/thread.h"
#include "server/analyzer.h"
#include "server/language.h"

namespace comity {

// Why intake refused: the HTTP layer maps kConflict to 409 and kBadPolicy to 500.
class IntakeError : public std::runtime_error {
 public:
  enum class Kind { kConflict, kBadPolicy };
  IntakeError(Kind kind, const std::string& what) : std::runtime_error(what), kind_(kind) {}
  Kind kind() const { return kind_; }

 private:
  Kind kind_;
};

// A community's policy as intake applies it.
struct ActivePolicy {
  Policy policy;
  std::int64_t version = 0;  // 0: the built-in default
};
// Parsed policies by community, reused while the active version stays the same:
// parsing a policy with a long deny list costs more than scoring a comment
// (2,000 terms: intake fell from about 1,250 to 420 comments/s). Thread-safe.
class PolicyCache {
 public:
  std::shared_ptr<const ActivePolicy> find(const std::string& community, std::int64_t version);
  void put(const std::string& community, std::shared_ptr<const ActivePolicy> policy);

 private:
  std::mutex mutex_;
  std::map<std::string, std::shared_ptr<const ActivePolicy>> by_community_;
};

// The community's active policy (the built-in default when it has none), from
// `cache` when given and current. Throws IntakeError(kBadPolicy) when the stored
// policy no longer parses.
std::shared_ptr<const ActivePolicy> load_active_policy(ModerationStore& store,
                                                       const std::string& community,
                                                       PolicyCache* cache = nullptr);

// One comment, scored and decided, ready to store.
struct IntakeResult {
  IngestItem item;
  PolicyDecision decision;
  std::int64_t policy_version = 0;
  nlohmann::json highlights;  // for the reply, even when the text is not stored
};

// What an import did (or, in a dry run, would do) to one thread.
struct ImportSummary {
  std::string thread_id;
  std::int64_t imported = 0;
  std::int64_t skipped = 0;  // already stored, repeated in the export, empty or too long
  std::map<std::string, std::int64_t> actions;
  std::vector<std::string> warnings;
};

// The id a thread of an export is stored under: `prefix` (the file name for
// `comity import`), then "-<post or thread id>" for a site export's threads,
// with '/', ':' and control characters replaced (ids appear in URL paths and
// prefix comment ids). Stable when the site is exported again with more posts.
std::string import_thread_id(std::string_view prefix, const Thread& thread);

// One thread of a site's export and the record it is stored under.
struct ThreadToImport {
  ThreadRecord record;  // id and community set; url, title and body from the export
  const Thread* source = nullptr;
};

// Thread ids appear in URL paths and prefix comment ids: 1 to 256 bytes, no '/' or ':'.
bool valid_thread_id(std::string_view id);
// `source` to be stored as thread `id` of `community`, with the export's article.
ThreadToImport thread_to_import(const std::string& id, const std::string& community,
                                const Thread& source);

class CommentIntake {
 public:
  CommentIntake(ModerationStore& store, const server::Analyzer& analyzer,
                PolicyCache* policies = nullptr)
      : store_(store), analyzer_(analyzer), policies_(policies) {}

  // Scores, decides and stores one comment in its own transaction. Throws
  // IntakeError(kConflict) for a known comment id or another community's thread.
  IntakeResult submit(const ThreadRecord& thread, CommentRecord comment, const std::string& text,
                      bool do_not_store);

  // A site's export: every comment goes through the same scoring and policy
  // as a live one (rate limits count the export's own earlier comments), then
  // all threads are stored in one transaction, so a failure stores nothing.
  // Stored ids are "<thread>/<source id>" because source ids are only unique
  // within their export; comments already stored are skipped, so an import can
  // be repeated. `dry_run` decides without storing.
  std::vector<ImportSummary> import_threads(const std::vector<ThreadToImport>& threads,
                                            std::size_t max_comment_bytes, bool dry_run = false);

 private:
  void check_thread_owner(const ThreadRecord& thread);
  server::RoutedScore score(std::string_view text) const;
  // How a comment reaches the policy: posted now (a nudge asks its author to
  // rephrase) or imported (already published, so a nudge cannot reach its author).
  enum class Arrival { kLive, kImported };
  IntakeResult decide(const ThreadRecord& thread, CommentRecord comment, const std::string& text,
                      const server::RoutedScore& routed, bool do_not_store,
                      const ActivePolicy& policy, int recent_by_author, Arrival arrival,
                      const std::optional<AuthorStanding>& standing);

  ModerationStore& store_;
  const server::Analyzer& analyzer_;
  PolicyCache* policies_;
};

// The queue orders by risk: the highest attribute score.
float comment_risk(const AttributeScores& scores);
nlohmann::json decision_reasons_json(const std::vector<DecisionReason>& reasons);

}  // namespace comity
