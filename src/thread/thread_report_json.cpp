// The thread report as JSON: the stable contract of docs/thread-report.md.
#include "comity/thread_report_json.h"

#include "comity/scores_json.h"

#include <cmath>
#include <string>

namespace comity {
namespace {

using nlohmann::json;

// Six decimals: more than the model's precision, and stable across platforms.
double round6(double v) { return std::round(v * 1e6) / 1e6; }

json id_json(const Thread& t, std::size_t i) { return t.comments[i].id; }

json ids_json(const Thread& t, const std::vector<std::size_t>& indices) {
  json out = json::array();
  for (std::size_t i : indices) {
    out.push_back(id_json(t, i));
  }
  return out;
}

json top_attributes_json(const std::vector<std::pair<Attribute, std::size_t>>& top) {
  json out = json::array();
  for (const auto& [a, count] : top) {
    out.push_back({{"attribute", std::string(attribute_name(a))}, {"count", count}});
  }
  return out;
}

json comment_json(const Thread& thread, const CommentAnalysis& a) {
  const Comment& c = thread.comments[a.index];
  return {{"id", c.id},
          {"parent", a.parent ? id_json(thread, *a.parent) : json()},
          {"depth", a.depth},
          {"author", c.author},
          {"time", c.time ? json(*c.time) : json()},
          {"text", c.text},
          {"scores", attribute_scores_json(a.scores)},
          {"toxic", a.toxic},
          {"held", a.held},
          {"highlights", a.highlights},
          {"target", a.toxic ? json(std::string(attack_target_name(a.target))) : json()},
          {"target_names", a.target_names},
          {"heat",
           {{"size", a.heat.size},
            {"mean_toxicity", round6(a.heat.mean_toxicity)},
            {"max_toxicity", round6(a.heat.max_toxicity)},
            {"toxic", a.heat.toxic}}}};
}

}  // namespace

json thread_report_json(const Thread& thread, const ThreadReport& r, std::string_view model,
                        const ThreadAnalysisOptions& options) {
  json out;
  out["article"] = {{"url", thread.article.url}, {"title", thread.article.title}};
  out["model"] = std::string(model);
  const ThreadHeadline& h = r.headline;
  out["headline"] = {
      {"comments", h.comments},
      {"toxic", h.toxic},
      {"held", h.held},
      {"share_held", round6(h.share_held)},
      {"hold_threshold", round6(options.hold_threshold)},
      {"hottest_subthread", h.hottest_subthread ? id_json(thread, *h.hottest_subthread) : json()},
      {"top_attributes", top_attributes_json(h.top_attributes)}};
  json comments = json::array();
  // Escalations list each step's toxicity, which lives with the comment.
  std::vector<float> tox(thread.comments.size(), 0.f);
  for (const CommentAnalysis& a : r.comments) {
    comments.push_back(comment_json(thread, a));
    tox[a.index] = a.scores[index_of(Attribute::kToxicity)];
  }
  out["comments"] = std::move(comments);
  out["escalations"] = json::array();
  for (const Escalation& e : r.escalations) {
    json steps = json::array();
    for (std::size_t i : e.chain) {
      steps.push_back(round6(tox[i]));
    }
    out["escalations"].push_back({{"ids", ids_json(thread, e.chain)}, {"toxicity", steps}});
  }
  out["author_pairs"] = json::array();
  for (const AuthorPair& p : r.author_pairs) {
    out["author_pairs"].push_back({{"a", p.a},
                                   {"b", p.b},
                                   {"a_to_b", p.a_to_b},
                                   {"b_to_a", p.b_to_a},
                                   {"ids", ids_json(thread, p.comments)}});
  }
  out["authors"] = json::array();
  for (const AuthorSummary& s : r.authors) {
    out["authors"].push_back({{"author", s.author},
                              {"comments", s.comments},
                              {"toxic", s.toxic},
                              {"share_toxic", round6(s.share_toxic)},
                              {"top_attributes", top_attributes_json(s.top_attributes)}});
  }
  out["duplicates"] = json::array();
  for (const DuplicatePair& d : r.duplicates) {
    out["duplicates"].push_back(
        {{"a", id_json(thread, d.a)},
         {"b", id_json(thread, d.b)},
         {"authors", {thread.comments[d.a].author, thread.comments[d.b].author}},
         {"jaccard", round6(d.jaccard)}});
  }
  out["bursts"] = json::array();
  for (const Burst& b : r.bursts) {
    out["bursts"].push_back(
        {{"start", b.start}, {"end", b.end}, {"ids", ids_json(thread, b.comments)}});
  }
  out["warnings"] = r.warnings;
  return out;
}

}  // namespace comity
