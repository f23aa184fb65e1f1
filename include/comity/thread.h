// Comment threads: an article and its reader comments as a reply tree, imported from
// the formats sites actually export (Comity JSONL, WordPress WXR, Disqus XML, a
// plain-text page dump) and analysed as a whole: heat per subthread, escalating
// reply chains, authors trading attacks, whom an attack targets, near-duplicate
// (coordinated) posting and bursts of new authors.
#pragma once
#include <cstddef>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "comity/attributes.h"
#include "comity/time.h"  // parse_thread_time

namespace comity {

class ModelSet;
struct ScoreResult;

struct Article {
  std::string url, title, body;
};

struct Comment {
  std::string id;
  std::optional<std::string> parent;  // id of the comment replied to; nullopt at top level
  std::string author;                 // empty when the source has none
  std::optional<std::string> time;    // as the source wrote it
  std::string text;                   // plain text, valid UTF-8
};

struct Thread {
  std::string source_id;  // the post's or thread's id in a site export; empty otherwise
  Article article;
  std::vector<Comment> comments;      // source order
  std::vector<std::string> warnings;  // things the importer repaired or ignored
};

// `where` names the place: "file:line", "file:line:column" or an XML element path.
class ThreadImportError : public std::runtime_error {
 public:
  ThreadImportError(std::string where, const std::string& what);
  const std::string& where() const { return where_; }

 private:
  std::string where_;
};

enum class ThreadFormat { kJsonl, kWxr, kDisqus, kText };
std::optional<ThreadFormat> parse_thread_format(std::string_view name);  // jsonl|wxr|disqus|text
std::string_view thread_format_name(ThreadFormat format);
// From the content first (XML root and namespaces, a JSON first line), then the extension.
ThreadFormat detect_thread_format(const std::string& path, std::string_view content);

// Hostile exports must fail safely, never exhaust memory or stack.
struct ThreadImportLimits {
  std::size_t max_depth = 256;             // XML element nesting
  std::size_t max_field_bytes = 1u << 20;  // one text field
  std::size_t max_comments = 1000000;
};

// Each importer returns the thread or throws ThreadImportError naming the place.
// A site export (WXR, Disqus) holding several threads gives its first WXR post
// with comments or its busiest Disqus thread, with a warning.
// `name` is used in messages (usually the file path).
Thread import_thread_jsonl(std::string_view content, const std::string& name,
                           const ThreadImportLimits& limits = {});
Thread import_thread_wxr(std::string_view content, const std::string& name,
                         const ThreadImportLimits& limits = {});
Thread import_thread_disqus(std::string_view content, const std::string& name,
                            const ThreadImportLimits& limits = {});
Thread import_thread_text(std::string_view content, const std::string& name,
                          const ThreadImportLimits& limits = {});
Thread import_thread(std::string_view content, const std::string& name,
                     std::optional<ThreadFormat> format = std::nullopt,
                     const ThreadImportLimits& limits = {});
Thread import_thread_file(const std::string& path,
                          std::optional<ThreadFormat> format = std::nullopt,
                          const ThreadImportLimits& limits = {});

// Whole site exports: every WXR post and every Disqus thread with comments (a
// WXR export without any: its first post), in export order; the single-thread
// formats give one thread. max_comments counts across all threads.
std::vector<Thread> import_site_wxr(std::string_view content, const std::string& name,
                                    const ThreadImportLimits& limits = {});
std::vector<Thread> import_site_disqus(std::string_view content, const std::string& name,
                                       const ThreadImportLimits& limits = {});
std::vector<Thread> import_site(std::string_view content, const std::string& name,
                                std::optional<ThreadFormat> format = std::nullopt,
                                const ThreadImportLimits& limits = {});
std::vector<Thread> import_site_file(const std::string& path,
                                     std::optional<ThreadFormat> format = std::nullopt,
                                     const ThreadImportLimits& limits = {});

// The reply tree over Thread::comments (indices). Replies to unknown ids and
// cycles become top-level comments, so every comment appears exactly once.
struct ReplyTree {
  std::vector<std::optional<std::size_t>> parent;
  std::vector<std::vector<std::size_t>> children;  // in source order
  std::vector<std::size_t> depth;                  // 0 at top level
  std::vector<std::size_t> roots;                  // in source order
  std::vector<std::size_t> order;                  // depth-first: replies after their parent
  std::vector<std::string> warnings;
};
ReplyTree build_reply_tree(const Thread& thread);

// ---- Analysis ----

struct ThreadAnalysisOptions {
  float toxic_threshold = 0.5f;      // a comment counts as toxic
  float hold_threshold = 0.7f;       // what a default moderation policy would hold
  float attribute_threshold = 0.5f;  // an attribute counts as present
  std::size_t escalation_min_comments = 3;
  float escalation_min_rise = 0.05f;  // each step must be this much more toxic
  double duplicate_jaccard = 0.6;
  std::size_t duplicate_min_words = 5;
  long burst_window_seconds = 600;
  std::size_t burst_min_new_authors = 5;
  int threads = 0;  // 0 = hardware concurrency
};

enum class AttackTarget { kNone, kOtherCommenter, kNamedPerson, kGroup };
std::string_view attack_target_name(AttackTarget target);  // none|commenter|person|group

struct SubtreeHeat {
  std::size_t size = 0;  // comments in the subtree, itself included
  double mean_toxicity = 0;
  float max_toxicity = 0;
  std::size_t toxic = 0;
};

struct CommentAnalysis {
  std::size_t index = 0;  // into Thread::comments
  std::optional<std::size_t> parent;
  std::size_t depth = 0;
  AttributeScores scores{};
  std::vector<std::string> highlights;  // highlighted words as written
  bool toxic = false;
  bool held = false;
  AttackTarget target = AttackTarget::kNone;  // only for toxic comments
  std::vector<std::string> target_names;      // named people, when the target is one
  SubtreeHeat heat;
};

struct Escalation {
  std::vector<std::size_t> chain;  // comment indices, root-most first, toxicity rising
};

struct AuthorPair {
  std::string a, b;                    // a < b
  std::size_t a_to_b = 0, b_to_a = 0;  // toxic replies from one to the other
  std::vector<std::size_t> comments;   // the toxic replies, in source order
};

struct AuthorSummary {
  std::string author;
  std::size_t comments = 0, toxic = 0;
  double share_toxic = 0;
  std::vector<std::pair<Attribute, std::size_t>> top_attributes;  // most frequent first
};

struct DuplicatePair {
  std::size_t a = 0, b = 0;  // comment indices, a before b in source order
  double jaccard = 0;        // exact, over word 3-shingles of the normalised text
};

struct Burst {
  std::string start, end;             // times as the source wrote them
  std::vector<std::size_t> comments;  // first posts of new authors inside the window
};

struct ThreadHeadline {
  std::size_t comments = 0, toxic = 0, held = 0;
  double share_held = 0;
  std::optional<std::size_t> hottest_subthread;  // index of a top-level comment
  std::vector<std::pair<Attribute, std::size_t>> top_attributes;
};

struct ThreadReport {
  std::vector<CommentAnalysis> comments;  // thread order (ReplyTree::order)
  ThreadHeadline headline;
  std::vector<Escalation> escalations;
  std::vector<AuthorPair> author_pairs;  // only authors attacking each other both ways
  std::vector<AuthorSummary> authors;    // most comments first
  std::vector<DuplicatePair> duplicates;
  std::vector<Burst> bursts;
  std::vector<std::string> warnings;
};

// What the model said about one comment, the input of the analysis proper. Kept
// apart from scoring so a thread whose comments were scored when they arrived
// (the moderation store) is analysed from the scores moderators saw.
struct CommentScore {
  AttributeScores scores{};
  std::vector<std::string> highlights;  // highlighted words as written, distinct
  // A decision already taken about the comment (held or rejected: true); when
  // absent, `held` is TOXICITY >= ThreadAnalysisOptions::hold_threshold.
  std::optional<bool> held;
};

// The distinct highlighted words of a scoring made with tokens on, in text order.
std::vector<std::string> highlighted_words(std::string_view text, const ScoreResult& result);

// Every comment of `thread` scored in its own language (ModelSet::route), in
// Thread::comments order, on `threads` threads (0 = hardware concurrency).
std::vector<CommentScore> score_thread_comments(const Thread& thread, const ModelSet& models,
                                                int threads = 0);

// The analysis over given scores, one per Thread::comments entry (else
// std::invalid_argument).
ThreadReport analyze_scored_thread(const Thread& thread, std::vector<CommentScore> scores,
                                   const ThreadAnalysisOptions& options = {});

// score_thread_comments() then analyze_scored_thread().
ThreadReport analyze_thread(const Thread& thread, const ModelSet& models,
                            const ThreadAnalysisOptions& options = {});

}  // namespace comity
