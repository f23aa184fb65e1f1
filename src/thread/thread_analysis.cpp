// Thread analysis: every comment scored once, then the tree-level signals
// (heat, escalation, attack targets, author pairs) computed from those scores.
#include <algorithm>
#include <map>
#include <set>
#include <stdexcept>
#include <thread>
#include <unordered_set>

#include "comity/model_set.h"
#include "comity/scorer.h"
#include "comity/thread.h"
#include "common/parallel_for.h"
#include "thread/coordinated_posting.h"

namespace comity {

std::string_view attack_target_name(AttackTarget target) {
  switch (target) {
    case AttackTarget::kNone:
      return "none";
    case AttackTarget::kOtherCommenter:
      return "commenter";
    case AttackTarget::kNamedPerson:
      return "person";
    case AttackTarget::kGroup:
      return "group";
  }
  return "none";
}

namespace {

constexpr std::size_t kTox = index_of(Attribute::kToxicity);

// Capitalised words that are not names even mid-sentence.
bool never_a_name(const std::string& norm) {
  static const std::unordered_set<std::string> kWords = {
      "i",        "im",      "ive",       "id",        "ill",      "i'm",      "i've",
      "i'd",      "i'll",    "mr",        "mrs",       "ms",       "dr",       "ok",
      "god",      "monday",  "tuesday",   "wednesday", "thursday", "friday",   "saturday",
      "sunday",   "january", "february",  "march",     "april",    "may",      "june",
      "july",     "august",  "september", "october",   "november", "december", "english",
      "internet", "tv"};
  return kWords.count(norm) > 0;
}

bool is_second_person(const std::string& norm) {
  static const std::unordered_set<std::string> kWords = {
      "you",    "your",  "youre", "you're", "yours", "yourself", "yourselves",
      "u",      "ur",    "ya",    "yall",   "y'all", "you've",   "youve",
      "you'll", "youll", "you'd", "youd",   "thou",  "thee"};
  return kWords.count(norm) > 0;
}

// A capitalised word (not all caps) that does not open its sentence.
struct NameScan {
  std::vector<std::string> names;   // as written, distinct, in order
  std::set<std::string> all_norms;  // every word's normalised form
};

NameScan scan_names(std::string_view text) {
  NameScan out;
  const NormalizedText norm = normalize(text);
  std::set<std::string> seen;
  for (const Sentence& s : norm.sentences) {
    bool first_word = true;
    for (std::uint32_t t = s.token_begin; t < s.token_end && t < norm.tokens.size(); ++t) {
      const Token& tok = norm.tokens[t];
      if (tok.kind != TokenKind::kWord) {
        continue;
      }
      out.all_norms.insert(tok.norm);
      const bool opener = first_word;
      first_word = false;
      if (opener || tok.where.byte_end <= tok.where.byte_begin) {
        continue;
      }
      const std::string_view word =
          text.substr(tok.where.byte_begin, tok.where.byte_end - tok.where.byte_begin);
      if (word.size() < 2 || word[0] < 'A' || word[0] > 'Z') {
        continue;
      }
      const bool has_lower =
          std::any_of(word.begin() + 1, word.end(), [](char c) { return c >= 'a' && c <= 'z'; });
      if (!has_lower || never_a_name(tok.norm)) {
        continue;
      }
      if (seen.insert(tok.norm).second) {
        out.names.emplace_back(word);
      }
    }
  }
  return out;
}

}  // namespace

std::vector<std::string> highlighted_words(std::string_view text, const ScoreResult& result) {
  std::vector<std::string> words;
  std::set<std::string_view> seen;
  for (const TokenScore& t : result.tokens) {
    if (!t.highlighted || t.where.byte_end <= t.where.byte_begin ||
        t.where.byte_end > text.size()) {
      continue;
    }
    const std::string_view word =
        text.substr(t.where.byte_begin, t.where.byte_end - t.where.byte_begin);
    if (seen.insert(word).second) {
      words.emplace_back(word);
    }
  }
  return words;
}

namespace {

int worker_threads(int requested) {
  return requested > 0 ? requested
                       : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
}

}  // namespace

std::vector<CommentScore> score_thread_comments(const Thread& thread, const ModelSet& models,
                                                int threads) {
  std::vector<CommentScore> out(thread.comments.size());
  parallel_for(
      out.size(), worker_threads(threads),
      [&](std::size_t i) {
        const std::string& text = thread.comments[i].text;
        const ScoreResult r =
            models.score(text, models.route(text), {.sentences = false, .tokens = true});
        out[i].scores = r.scores;
        out[i].highlights = highlighted_words(text, r);
      },
      8);
  return out;
}

ThreadReport analyze_thread(const Thread& thread, const ModelSet& models,
                            const ThreadAnalysisOptions& options) {
  return analyze_scored_thread(thread, score_thread_comments(thread, models, options.threads),
                               options);
}

ThreadReport analyze_scored_thread(const Thread& thread, std::vector<CommentScore> scores,
                                   const ThreadAnalysisOptions& options) {
  const std::size_t n = thread.comments.size();
  if (scores.size() != n) {
    throw std::invalid_argument("analyze_scored_thread: " + std::to_string(scores.size()) +
                                " scores for " + std::to_string(n) + " comments");
  }
  const ReplyTree tree = build_reply_tree(thread);
  ThreadReport report;
  report.warnings = thread.warnings;
  report.warnings.insert(report.warnings.end(), tree.warnings.begin(), tree.warnings.end());

  std::vector<CommentAnalysis> by_index(n);
  for (std::size_t i = 0; i < n; ++i) {
    CommentAnalysis& a = by_index[i];
    a.index = i;
    a.parent = tree.parent[i];
    a.depth = tree.depth[i];
    a.scores = scores[i].scores;
    a.highlights = std::move(scores[i].highlights);
    a.toxic = a.scores[kTox] >= options.toxic_threshold;
    a.held = scores[i].held.value_or(a.scores[kTox] >= options.hold_threshold);
  }
  // Normalising every comment is the costly part once scores are known.
  std::vector<NameScan> names(n);
  parallel_for(
      n, worker_threads(options.threads),
      [&](std::size_t i) { names[i] = scan_names(thread.comments[i].text); }, 16);

  // Names the article mentions count wherever a comment uses them, even sentence-initially.
  std::map<std::string, std::string> article_names;  // norm -> as written
  for (const std::string& part : {thread.article.title, thread.article.body}) {
    for (const std::string& name : scan_names(part).names) {
      for (const Token& t : normalize(name).tokens) {
        article_names.emplace(t.norm, name);
      }
    }
  }
  for (std::size_t i = 0; i < n; ++i) {
    CommentAnalysis& a = by_index[i];
    if (!a.toxic) {
      continue;
    }
    std::vector<std::string> found = names[i].names;
    for (const auto& [norm, written] : article_names) {
      if (names[i].all_norms.count(norm) &&
          std::find(found.begin(), found.end(), written) == found.end()) {
        found.push_back(written);
      }
    }
    const bool second_person =
        std::any_of(names[i].all_norms.begin(), names[i].all_norms.end(), is_second_person);
    if (a.scores[index_of(Attribute::kIdentityAttack)] >= options.attribute_threshold) {
      a.target = AttackTarget::kGroup;
    } else if (second_person && a.parent) {
      a.target = AttackTarget::kOtherCommenter;
    } else if (!found.empty()) {
      a.target = AttackTarget::kNamedPerson;
      a.target_names = std::move(found);
    } else if (second_person) {
      a.target = AttackTarget::kOtherCommenter;
    }
  }

  // Heat: children come after parents in `order`, so a reverse pass folds subtrees up.
  std::vector<double> sum(n, 0.0);
  for (auto it = tree.order.rbegin(); it != tree.order.rend(); ++it) {
    CommentAnalysis& a = by_index[*it];
    a.heat.size += 1;
    a.heat.toxic += a.toxic;
    a.heat.max_toxicity = std::max(a.heat.max_toxicity, a.scores[kTox]);
    sum[*it] += a.scores[kTox];
    a.heat.mean_toxicity = sum[*it] / static_cast<double>(a.heat.size);
    if (a.parent) {
      SubtreeHeat& p = by_index[*a.parent].heat;
      p.size += a.heat.size;
      p.toxic += a.heat.toxic;
      p.max_toxicity = std::max(p.max_toxicity, a.heat.max_toxicity);
      sum[*a.parent] += sum[*it];
    }
  }

  // Escalation: runs of rising toxicity along reply chains, reported where they stop rising.
  std::vector<std::size_t> run(n, 1);
  for (std::size_t i : tree.order) {
    const auto& p = tree.parent[i];
    if (p && by_index[i].scores[kTox] >= by_index[*p].scores[kTox] + options.escalation_min_rise) {
      run[i] = run[*p] + 1;
    }
  }
  for (std::size_t i : tree.order) {
    const bool continues = std::any_of(tree.children[i].begin(), tree.children[i].end(),
                                       [&](std::size_t c) { return run[c] == run[i] + 1; });
    if (continues || run[i] < options.escalation_min_comments ||
        by_index[i].scores[kTox] < options.toxic_threshold) {
      continue;
    }
    Escalation e;
    std::size_t at = i;
    for (std::size_t k = 0; k < run[i]; ++k) {
      e.chain.push_back(at);
      if (tree.parent[at]) {
        at = *tree.parent[at];
      }
    }
    std::reverse(e.chain.begin(), e.chain.end());
    report.escalations.push_back(std::move(e));
  }

  // Authors trading attacks: toxic replies in both directions.
  std::map<std::pair<std::string, std::string>, AuthorPair> pairs;
  for (std::size_t i = 0; i < n; ++i) {
    const auto& p = tree.parent[i];
    if (!p || !by_index[i].toxic) {
      continue;
    }
    const std::string& from = thread.comments[i].author;
    const std::string& to = thread.comments[*p].author;
    if (from.empty() || to.empty() || from == to) {
      continue;
    }
    const bool forward = from < to;
    AuthorPair& pair = pairs[forward ? std::pair{from, to} : std::pair{to, from}];
    pair.a = forward ? from : to;
    pair.b = forward ? to : from;
    (forward ? pair.a_to_b : pair.b_to_a) += 1;
    pair.comments.push_back(i);
  }
  for (auto& [key, pair] : pairs) {
    if (pair.a_to_b > 0 && pair.b_to_a > 0) {
      report.author_pairs.push_back(std::move(pair));
    }
  }

  // Per author.
  std::map<std::string, std::pair<AuthorSummary, std::array<std::size_t, kNumAttributes>>> authors;
  for (std::size_t i = 0; i < n; ++i) {
    const std::string& who = thread.comments[i].author;
    if (who.empty()) {
      continue;
    }
    auto& [summary, counts] = authors[who];
    summary.author = who;
    summary.comments += 1;
    summary.toxic += by_index[i].toxic;
    for (std::size_t a = 0; a < kNumAttributes; ++a) {
      counts[a] += by_index[i].scores[a] >= options.attribute_threshold;
    }
  }
  auto top_attributes = [](const std::array<std::size_t, kNumAttributes>& counts) {
    std::vector<std::pair<Attribute, std::size_t>> top;
    for (std::size_t a = 0; a < kNumAttributes; ++a) {
      if (counts[a] > 0) {
        top.emplace_back(attribute_at(a), counts[a]);
      }
    }
    std::stable_sort(top.begin(), top.end(),
                     [](const auto& x, const auto& y) { return x.second > y.second; });
    if (top.size() > 3) {
      top.resize(3);
    }
    return top;
  };
  for (auto& [who, entry] : authors) {
    entry.first.share_toxic =
        static_cast<double>(entry.first.toxic) / static_cast<double>(entry.first.comments);
    entry.first.top_attributes = top_attributes(entry.second);
    report.authors.push_back(std::move(entry.first));
  }
  std::stable_sort(
      report.authors.begin(), report.authors.end(),
      [](const AuthorSummary& x, const AuthorSummary& y) { return x.comments > y.comments; });

  report.duplicates = thread_analysis::find_near_duplicates(thread, options);
  report.bursts = thread_analysis::find_new_author_bursts(thread, options);

  // Headline figures.
  ThreadHeadline& h = report.headline;
  h.comments = n;
  std::array<std::size_t, kNumAttributes> counts{};
  for (const CommentAnalysis& a : by_index) {
    h.toxic += a.toxic;
    h.held += a.held;
    for (std::size_t k = 0; k < kNumAttributes; ++k) {
      counts[k] += a.scores[k] >= options.attribute_threshold;
    }
  }
  h.share_held = n ? static_cast<double>(h.held) / static_cast<double>(n) : 0.0;
  h.top_attributes = top_attributes(counts);
  for (std::size_t r : tree.roots) {
    const SubtreeHeat& heat = by_index[r].heat;
    if (heat.toxic == 0) {
      continue;
    }
    if (!h.hottest_subthread) {
      h.hottest_subthread = r;
      continue;
    }
    const SubtreeHeat& best = by_index[*h.hottest_subthread].heat;
    if (std::tie(heat.toxic, heat.mean_toxicity) > std::tie(best.toxic, best.mean_toxicity)) {
      h.hottest_subthread = r;
    }
  }

  report.comments.reserve(n);
  for (std::size_t i : tree.order) {
    report.comments.push_back(std::move(by_index[i]));
  }
  return report;
}

}  // namespace comity
