#include <fmt/format.h>
#include <toml++/toml.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <set>
#include <sstream>
#include <tuple>
#include <unordered_set>

#include "comity/eval.h"
#include "comity/metrics.h"
#include "comity/recipe.h"
#include "comity/table_reader.h"
#include "comity/toml_input.h"
#include "comity/utf8.h"
#include "common/parallel_for.h"
#include "train/long_comments.h"
#include "train/span_labels.h"

namespace comity {
namespace {

namespace fs = std::filesystem;

struct Context {
  const Scorer& scorer;
  const EvalOptions& options;
  const toml::table& suite;
  std::string name;
};

std::string str(const toml::table& t, std::string_view key, std::string fallback = "") {
  return t[key].value<std::string>().value_or(std::move(fallback));
}

std::vector<std::string> str_list(const toml::table& t, std::string_view key) {
  std::vector<std::string> out;
  if (const toml::array* a = t[key].as_array()) {
    for (const auto& v : *a) {
      if (auto s = v.value<std::string>()) out.push_back(*s);
    }
  }
  return out;
}

double json_number(double v) { return std::isfinite(v) ? std::round(v * 1e4) / 1e4 : v; }

nlohmann::json num(double v) {
  if (!std::isfinite(v)) return nullptr;
  return json_number(v);
}

// Scores texts on all cores; result i belongs to text i.
std::vector<ScoreResult> score_all(const Context& ctx, const std::vector<std::string>& texts,
                                   ScoreOptions opts = {}) {
  std::vector<ScoreResult> out(texts.size());
  parallel_for(
      texts.size(), ctx.options.threads,
      [&](std::size_t i) { out[i] = ctx.scorer.score(texts[i], opts); }, 64);
  return out;
}

std::string data_path(const Context& ctx, const std::string& rel) {
  return (fs::path(ctx.options.data_dir) / rel).string();
}

// Reads (text, row) pairs from a table, skipping unusable rows (counted).
struct Rows {
  std::vector<std::string> texts;
  std::vector<nlohmann::json> fields;
  std::size_t skipped = 0;
};
Rows read_rows(const std::string& path, const toml::table& t, const std::string& text_field,
               std::optional<Split> only_split, const SplitSpec& split, std::size_t limit) {
  Rows rows;
  TableOptions opt;
  const std::string format = str(t, "format");
  if (!format.empty() && !parse_table_format(format)) {
    throw std::runtime_error(
        fmt::format("suite format '{}' is not one of csv, tsv, jsonl", format));
  }
  opt.format = format.empty() ? table_format_from_path(path) : *parse_table_format(format);
  opt.has_header = t["header"].value<bool>().value_or(true);
  read_table_file(path, opt, [&](TableRow& row) {
    auto text = field_string(row.fields, text_field);
    if (!row.error.empty() || !text || find_invalid_utf8(*text) ||
        text->find_first_not_of(" \t\r\n") == std::string::npos) {
      ++rows.skipped;
      return true;
    }
    if (only_split && split_of(split, *text) != *only_split) return true;
    rows.texts.push_back(std::move(*text));
    rows.fields.push_back(std::move(row.fields));
    return limit == 0 || rows.texts.size() < limit;
  });
  return rows;
}

std::optional<Split> parse_split(const std::string& s) {
  if (s == "train") return Split::kTrain;
  if (s == "dev") return Split::kDev;
  if (s == "test") return Split::kTest;
  return std::nullopt;
}

// Model scores against reference scores (Perspective's): per attribute.
nlohmann::json reference_suite(const Context& ctx) {
  const toml::table& t = ctx.suite;
  const SplitSpec split;
  const auto only =
      parse_split(ctx.options.split.empty() ? str(t, "split", "test") : ctx.options.split);
  const std::string text_field = str(t, "text", "text");
  const std::string prefix = str(t, "reference", "perspective") + ".";
  const auto lang = str(t, "require_lang");
  std::vector<std::string> texts;
  std::vector<nlohmann::json> fields;
  std::vector<std::string> file_of;
  std::unordered_set<std::string> seen;
  nlohmann::json files = nlohmann::json::object();
  for (const std::string& rel : str_list(t, "files")) {
    const std::string path = data_path(ctx, rel);
    if (!fs::exists(path)) {
      files[rel] = "absent";
      continue;
    }
    Rows rows = read_rows(path, t, text_field, only, split, 0);
    std::size_t used = 0;
    for (std::size_t i = 0; i < rows.texts.size(); ++i) {
      const nlohmann::json* l = find_field(rows.fields[i], "lang");
      if (!lang.empty() && l && l->is_string() && l->get<std::string>() != lang) continue;
      // Files listed first win a duplicated text (newest scoring first).
      if (!seen.insert(rows.texts[i]).second) continue;
      texts.push_back(std::move(rows.texts[i]));
      fields.push_back(std::move(rows.fields[i]));
      file_of.push_back(fs::path(rel).stem().string());
      ++used;
    }
    files[rel] = used;
  }
  if (ctx.options.limit && texts.size() > ctx.options.limit) {
    texts.resize(ctx.options.limit);
    fields.resize(ctx.options.limit);
  }
  if (texts.empty()) return {{"skipped", "no data found under " + ctx.options.data_dir}};
  const auto results = score_all(ctx, texts);
  nlohmann::json out = {{"examples", texts.size()}, {"files", files}};
  for (std::size_t a = 0; a < kNumAttributes; ++a) {
    const std::string attr(attribute_name(attribute_at(a)));
    std::vector<float> pred, ref;
    std::vector<int> label;
    for (std::size_t i = 0; i < texts.size(); ++i) {
      const nlohmann::json* f = find_field(fields[i], prefix + attr);
      if (!f || !f->is_number()) continue;
      pred.push_back(results[i].scores[a]);
      ref.push_back(f->get<float>());
      label.push_back(ref.back() >= 0.5f ? 1 : 0);
    }
    if (pred.empty()) continue;
    const std::size_t positives =
        static_cast<std::size_t>(std::count(label.begin(), label.end(), 1));
    const BinaryCounts c = confusion_at(pred, label, 0.5f);
    out["attributes"][attr] = {{"n", pred.size()},
                               {"positives", positives},
                               {"roc_auc", num(roc_auc(pred, label))},
                               {"pr_auc", num(pr_auc(pred, label))},
                               {"spearman", num(spearman(pred, ref))},
                               {"pearson", num(pearson(pred, ref))},
                               {"ece", num(expected_calibration_error(pred, ref))},
                               {"f1_at_0.5", num(c.f1())}};
    // The same per source file: a model can be ahead overall and behind on one source.
    std::map<std::string, std::tuple<std::vector<float>, std::vector<float>, std::vector<int>>>
        by_file;
    for (std::size_t i = 0; i < texts.size(); ++i) {
      const nlohmann::json* f = find_field(fields[i], prefix + attr);
      if (!f || !f->is_number()) continue;
      auto& [p, r, l] = by_file[file_of[i]];
      p.push_back(results[i].scores[a]);
      r.push_back(f->get<float>());
      l.push_back(r.back() >= 0.5f ? 1 : 0);
    }
    for (const auto& [file, v] : by_file) {
      const auto& [p, r, l] = v;
      out["by_file"][file][attr] = {{"n", p.size()},
                                    {"positives", std::count(l.begin(), l.end(), 1)},
                                    {"roc_auc", num(roc_auc(p, l))},
                                    {"spearman", num(spearman(p, r))}};
    }
  }
  return out;
}

struct Labelled {
  std::vector<std::string> texts;
  std::vector<int> labels;
};
Labelled labelled_rows(const Context& ctx, const std::string& path, const std::string& text_field,
                       const std::string& label_field, const std::vector<std::string>& positive,
                       const std::vector<std::string>& negative, std::optional<Split> only) {
  Labelled out;
  Rows rows = read_rows(path, ctx.suite, text_field, only, SplitSpec{}, 0);
  for (std::size_t i = 0; i < rows.texts.size(); ++i) {
    auto v = field_string(rows.fields[i], label_field);
    if (!v) continue;
    const bool pos = std::find(positive.begin(), positive.end(), *v) != positive.end();
    const bool neg =
        negative.empty() ? !pos : std::find(negative.begin(), negative.end(), *v) != negative.end();
    if (!pos && !neg) continue;
    out.texts.push_back(std::move(rows.texts[i]));
    out.labels.push_back(pos ? 1 : 0);
  }
  return out;
}

// Binary human labels: AUC, and F1 at a threshold chosen on a separate dev set.
nlohmann::json binary_suite(const Context& ctx) {
  const toml::table& t = ctx.suite;
  const auto attr = parse_attribute(str(t, "attribute", "TOXICITY"));
  if (!attr) return {{"error", "unknown attribute"}};
  const std::size_t a = index_of(*attr);
  const std::string path = data_path(ctx, str(t, "path"));
  if (!fs::exists(path)) return {{"skipped", "absent: " + path}};
  Labelled test = labelled_rows(ctx, path, str(t, "text", "text"), str(t, "label", "label"),
                                str_list(t, "positive"), str_list(t, "negative"),
                                parse_split(str(t, "split", "")));
  if (ctx.options.limit && test.texts.size() > ctx.options.limit) {
    test.texts.resize(ctx.options.limit);
    test.labels.resize(ctx.options.limit);
  }
  if (test.texts.empty()) return {{"skipped", "no rows"}};
  std::vector<float> pred;
  for (const auto& r : score_all(ctx, test.texts)) pred.push_back(r.scores[a]);

  float threshold = static_cast<float>(t["threshold"].value<double>().value_or(0.5));
  std::string threshold_source = "fixed";
  nlohmann::json out;
  if (const toml::table* tune = t["tune_threshold"].as_table()) {
    const std::string tpath = data_path(ctx, str(*tune, "path"));
    if (fs::exists(tpath)) {
      Context tctx{ctx.scorer, ctx.options, *tune, ctx.name};
      Labelled dev =
          labelled_rows(tctx, tpath, str(*tune, "text", "text"), str(*tune, "label", "label"),
                        str_list(*tune, "positive"), str_list(*tune, "negative"),
                        parse_split(str(*tune, "split", "dev")));
      std::vector<float> dpred;
      for (const auto& r : score_all(ctx, dev.texts)) dpred.push_back(r.scores[a]);
      double best = -1;
      for (int s = 1; s < 100; ++s) {
        const float th = static_cast<float>(s) / 100.f;
        const double f = macro_f1(confusion_at(dpred, dev.labels, th));
        if (f > best) {
          best = f;
          threshold = th;
        }
      }
      threshold_source = fmt::format("tuned on {} rows of {} ({} split)", dev.texts.size(),
                                     str(*tune, "path"), str(*tune, "split", "dev"));
      out["dev_macro_f1"] = num(best);
    }
  }
  const BinaryCounts c = confusion_at(pred, test.labels, threshold);
  const BinaryCounts c05 = confusion_at(pred, test.labels, 0.5f);
  out.update({{"attribute", attribute_name(*attr)},
              {"n", test.texts.size()},
              {"positives", std::count(test.labels.begin(), test.labels.end(), 1)},
              {"roc_auc", num(roc_auc(pred, test.labels))},
              {"pr_auc", num(pr_auc(pred, test.labels))},
              {"threshold", threshold},
              {"threshold_source", threshold_source},
              {"macro_f1", num(macro_f1(c))},
              {"f1", num(c.f1())},
              {"macro_f1_at_0.5", num(macro_f1(c05))}});
  return out;
}

// SemEval-2021 Task 5 span F1 of the token highlights.
nlohmann::json spans_suite(const Context& ctx) {
  const toml::table& t = ctx.suite;
  const std::string path = data_path(ctx, str(t, "path"));
  if (!fs::exists(path)) return {{"skipped", "absent: " + path}};
  Rows rows =
      read_rows(path, t, str(t, "text", "text"), std::nullopt, SplitSpec{}, ctx.options.limit);
  const auto results = score_all(ctx, rows.texts, {false, true});
  std::vector<std::set<std::uint32_t>> predicted, gold;
  for (std::size_t i = 0; i < rows.texts.size(); ++i) {
    gold.push_back(
        parse_span_offsets(field_string(rows.fields[i], str(t, "spans", "spans")).value_or("[]")));
    std::vector<TextRange> ranges;
    std::vector<float> probs;
    for (const TokenScore& tok : results[i].tokens) {
      ranges.push_back(tok.where);
      probs.push_back(tok.highlighted ? 1.f : 0.f);
    }
    predicted.push_back(highlighted_code_points(ranges, probs, 0.5f));
  }
  return {{"posts", rows.texts.size()},
          {"span_f1", num(mean_span_f1(predicted, gold))},
          {"threshold", ctx.scorer.model().info().span_threshold}};
}

// Position of `phrase` as whole words in `text`, or npos.
std::size_t find_phrase(const std::string& text, const std::string& phrase) {
  for (std::size_t pos = text.find(phrase); pos != std::string::npos;
       pos = text.find(phrase, pos + 1)) {
    const bool left = pos == 0 || !std::isalnum(static_cast<unsigned char>(text[pos - 1]));
    const std::size_t end = pos + phrase.size();
    const bool right = end == text.size() || !std::isalnum(static_cast<unsigned char>(text[end]));
    if (left && right) return pos;
  }
  return std::string::npos;
}
bool contains_phrase(const std::string& text, const std::string& phrase) {
  return find_phrase(text, phrase) != std::string::npos;
}

// Identity-term bias on the madlibs templates (Borkan et al. 2019).
nlohmann::json bias_suite(const Context& ctx) {
  const toml::table& t = ctx.suite;
  const std::string path = data_path(ctx, str(t, "path"));
  if (!fs::exists(path)) return {{"skipped", "absent: " + path}};
  const auto attr = parse_attribute(str(t, "attribute", "TOXICITY"));
  const std::size_t a = index_of(attr.value_or(Attribute::kToxicity));
  Labelled data = labelled_rows(ctx, path, str(t, "text", "Text"), str(t, "label", "Label"),
                                str_list(t, "positive"), str_list(t, "negative"), std::nullopt);
  if (ctx.options.limit && data.texts.size() > ctx.options.limit) {
    data.texts.resize(ctx.options.limit);
    data.labels.resize(ctx.options.limit);
  }
  std::vector<std::string> lowered = data.texts;
  for (auto& s : lowered)
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  std::vector<float> pred;
  for (const auto& r : score_all(ctx, data.texts)) pred.push_back(r.scores[a]);
  const std::vector<std::string> terms = str_list(t, "terms");
  nlohmann::json per_term = nlohmann::json::array();
  double bpsn_sum = 0, bnsp_sum = 0, sub_sum = 0;
  std::size_t n_terms = 0, terms_over = 0;
  double worst_harmless = 0;
  std::string worst_term;
  for (const std::string& term : terms) {
    std::vector<bool> in(data.texts.size());
    std::size_t count = 0;
    float max_harmless = 0;
    for (std::size_t i = 0; i < data.texts.size(); ++i) {
      in[i] = contains_phrase(lowered[i], term);
      count += in[i];
      if (in[i] && data.labels[i] == 0) max_harmless = std::max(max_harmless, pred[i]);
    }
    if (count == 0) continue;
    const BiasAucs b = bias_aucs(pred, data.labels, in);
    if (!std::isfinite(b.bpsn_auc) || !std::isfinite(b.bnsp_auc)) continue;
    ++n_terms;
    sub_sum += b.subgroup_auc;
    bpsn_sum += b.bpsn_auc;
    bnsp_sum += b.bnsp_auc;
    terms_over += max_harmless > 0.5f;
    if (max_harmless > worst_harmless) {
      worst_harmless = max_harmless;
      worst_term = term;
    }
    per_term.push_back({{"term", term},
                        {"n", count},
                        {"subgroup_auc", num(b.subgroup_auc)},
                        {"bpsn_auc", num(b.bpsn_auc)},
                        {"bnsp_auc", num(b.bnsp_auc)},
                        {"max_harmless_score", num(max_harmless)}});
  }
  if (n_terms == 0) return {{"skipped", "no identity terms matched"}};
  const double n = static_cast<double>(n_terms);
  return {{"examples", data.texts.size()},
          {"overall_auc", num(roc_auc(pred, data.labels))},
          {"terms", n_terms},
          {"mean_subgroup_auc", num(sub_sum / n)},
          {"mean_bpsn_auc", num(bpsn_sum / n)},
          {"mean_bnsp_auc", num(bnsp_sum / n)},
          {"terms_with_harmless_above_0.5", terms_over},
          {"worst_harmless_score", num(worst_harmless)},
          {"worst_harmless_term", worst_term},
          {"per_term", per_term}};
}

// Obfuscated variants of a word inside real held-out texts must score like the plain text.
nlohmann::json obfuscation_suite(const Context& ctx) {
  const toml::table& t = ctx.suite;
  const std::vector<std::string> words = str_list(t, "words");
  const auto only =
      parse_split(ctx.options.split.empty() ? str(t, "split", "test") : ctx.options.split);
  const std::size_t per_word =
      static_cast<std::size_t>(t["texts_per_word"].value<std::int64_t>().value_or(20));
  const auto attr = parse_attribute(str(t, "attribute", "TOXICITY"));
  const std::size_t a = index_of(attr.value_or(Attribute::kToxicity));
  std::vector<std::string> plain, variant, transform, word_of;
  std::map<std::string, std::size_t> found;
  for (const std::string& rel : str_list(t, "files")) {
    const std::string path = data_path(ctx, rel);
    if (!fs::exists(path)) continue;
    Rows rows = read_rows(path, t, str(t, "text", "text"), only, SplitSpec{}, 0);
    for (const std::string& text : rows.texts) {
      std::string lower = text;
      std::transform(lower.begin(), lower.end(), lower.begin(),
                     [](unsigned char c) { return std::tolower(c); });
      for (const std::string& w : words) {
        if (found[w] >= per_word) continue;
        const std::size_t pos = find_phrase(lower, w);
        if (pos == std::string::npos) continue;
        ++found[w];
        const std::string base = lower.substr(0, pos) + w + lower.substr(pos + w.size());
        for (auto& [name, v] : obfuscated_variants(w)) {
          plain.push_back(base);
          variant.push_back(lower.substr(0, pos) + v + lower.substr(pos + w.size()));
          transform.push_back(name);
          word_of.push_back(w);
        }
        break;
      }
    }
  }
  if (plain.empty()) return {{"skipped", "no texts with the listed words found"}};
  const auto ps = score_all(ctx, plain);
  const auto vs = score_all(ctx, variant);
  std::map<std::string, std::pair<std::size_t, std::size_t>> by_transform;
  std::size_t within = 0;
  double total_abs = 0;
  nlohmann::json failures = nlohmann::json::array();
  for (std::size_t i = 0; i < plain.size(); ++i) {
    const double d = std::fabs(double{ps[i].scores[a]} - vs[i].scores[a]);
    total_abs += d;
    const bool ok = d <= 0.1;
    within += ok;
    auto& bt = by_transform[transform[i]];
    bt.first += ok;
    ++bt.second;
    if (!ok && failures.size() < 10) {
      failures.push_back({{"transform", transform[i]},
                          {"word", word_of[i]},
                          {"plain", num(ps[i].scores[a])},
                          {"variant", num(vs[i].scores[a])}});
    }
  }
  nlohmann::json per = nlohmann::json::object();
  for (const auto& [name, c] : by_transform)
    per[name] = num(static_cast<double>(c.first) / c.second);
  return {{"variants", plain.size()},
          {"base_texts", plain.size() / std::max<std::size_t>(1, by_transform.size())},
          {"share_within_0.1", num(static_cast<double>(within) / plain.size())},
          {"mean_abs_difference", num(total_abs / plain.size())},
          {"per_transform", per},
          {"example_failures", failures}};
}

// Long comments as the issue defines them: harmless held-out texts around one that the
// reference scored TOXICITY >= toxic_from. Reports how many reach 0.5, next to how many
// of their toxic parts reach it alone.
nlohmann::json long_comments_suite(const Context& ctx) {
  const toml::table& t = ctx.suite;
  const auto only =
      parse_split(ctx.options.split.empty() ? str(t, "split", "test") : ctx.options.split);
  std::vector<LabelledText> parts;
  std::unordered_set<std::string> seen;
  for (const std::string& rel : str_list(t, "files")) {
    const std::string path = data_path(ctx, rel);
    if (!fs::exists(path)) continue;
    Rows rows = read_rows(path, t, "text", only, SplitSpec{}, 0);
    for (std::size_t i = 0; i < rows.texts.size(); ++i) {
      const nlohmann::json* f = find_field(rows.fields[i], "perspective.TOXICITY");
      const nlohmann::json* l = find_field(rows.fields[i], "lang");
      if (!f || !f->is_number() || (l && l->is_string() && l->get<std::string>() != "en")) continue;
      if (!seen.insert(rows.texts[i]).second) continue;
      LabelledText ex;
      ex.text = std::move(rows.texts[i]);
      ex.split = *only;
      ex.dataset = 0;
      ex.mask = ex.soft = 1u << index_of(Attribute::kToxicity);
      ex.target[index_of(Attribute::kToxicity)] = f->get<float>();
      parts.push_back(std::move(ex));
    }
  }
  LongCommentSpec spec;
  spec.harmless_below = static_cast<float>(t["harmless_below"].value<double>().value_or(0.1));
  spec.toxic_from = static_cast<float>(t["toxic_from"].value<double>().value_or(0.9));
  spec.min_parts = static_cast<std::uint32_t>(t["min_parts"].value<std::int64_t>().value_or(3));
  spec.max_parts = static_cast<std::uint32_t>(t["max_parts"].value<std::int64_t>().value_or(12));
  std::size_t count = static_cast<std::size_t>(t["comments"].value<std::int64_t>().value_or(500));
  if (ctx.options.limit) count = std::min(count, ctx.options.limit);
  const auto seed = static_cast<std::uint64_t>(t["seed"].value<std::int64_t>().value_or(9));
  const std::vector<LabelledText> built = build_long_comments(parts, *only, spec, count, seed, 0);
  if (built.empty()) return {{"skipped", "no harmless and toxic texts found"}};
  // The toxic part of each comment: the one part whose reference score is >= toxic_from.
  std::vector<std::string> texts, toxic_parts;
  for (const LabelledText& c : built) texts.push_back(c.text);
  for (const LabelledText& p : parts) {
    if (p.target[0] >= spec.toxic_from) toxic_parts.push_back(p.text);
  }
  const auto long_scores = score_all(ctx, texts);
  const auto part_scores = score_all(ctx, toxic_parts);
  const std::size_t a = index_of(Attribute::kToxicity);
  std::size_t reached = 0, parts_reached = 0;
  std::vector<float> values;
  for (const auto& r : long_scores) {
    reached += r.scores[a] >= 0.5f;
    values.push_back(r.scores[a]);
  }
  for (const auto& r : part_scores) parts_reached += r.scores[a] >= 0.5f;
  std::sort(values.begin(), values.end());
  double bytes = 0;
  for (const auto& s : texts) bytes += static_cast<double>(s.size());
  return {
      {"comments", texts.size()},
      {"mean_bytes", num(bytes / static_cast<double>(texts.size()))},
      {"share_toxicity_at_least_0.5", num(static_cast<double>(reached) / texts.size())},
      {"median_toxicity", num(values[values.size() / 2])},
      {"toxic_parts", toxic_parts.size()},
      {"toxic_parts_alone_at_least_0.5",
       num(toxic_parts.empty() ? 0.0 : static_cast<double>(parts_reached) / toxic_parts.size())}};
}

// Hand-written cases, each with the direction Perspective gives it (recipes/functional-cases.toml).
nlohmann::json functional_suite(const Context& ctx) {
  const std::string rel = str(ctx.suite, "cases");
  std::filesystem::path path = fs::path(ctx.options.suites_file).parent_path() / rel;
  std::ifstream in(path, std::ios::binary);
  if (!in) return {{"skipped", "cases file not found: " + path.string()}};
  std::ostringstream text;
  text << in.rdbuf();
  if (const auto deep = check_toml_nesting(text.view())) {
    return {{"error", fmt::format("{}: line {}: {}", path.string(), deep->line, deep->message)}};
  }
  toml::table root;
  try {
    root = toml::parse(text.view(), path.string());
  } catch (const toml::parse_error& e) {
    return {{"error", fmt::format("{}: {}", path.string(), e.description())}};
  }
  struct Case {
    std::string group, text;
    std::size_t attribute;
    bool high;
  };
  std::vector<Case> cases;
  if (const toml::array* a = root["case"].as_array()) {
    for (const auto& node : *a) {
      const toml::table* c = node.as_table();
      if (!c) continue;
      const auto attr = parse_attribute(str(*c, "attribute"));
      const std::string expect = str(*c, "expect");
      if (!attr || (expect != "high" && expect != "low")) {
        return {{"error", "case '" + str(*c, "text") + "': attribute or expect is invalid"}};
      }
      cases.push_back({str(*c, "group"), str(*c, "text"), index_of(*attr), expect == "high"});
    }
  }
  if (cases.empty()) return {{"skipped", "no cases"}};
  std::vector<std::string> texts;
  for (const Case& c : cases) texts.push_back(c.text);
  const auto results = score_all(ctx, texts);
  std::map<std::string, std::pair<std::size_t, std::size_t>> groups;  // passed, total
  nlohmann::json failures = nlohmann::json::array();
  std::size_t passed = 0;
  for (std::size_t i = 0; i < cases.size(); ++i) {
    const float score = results[i].scores[cases[i].attribute];
    const bool ok = cases[i].high ? score >= 0.5f : score < 0.5f;
    passed += ok;
    auto& g = groups[cases[i].group];
    g.first += ok;
    ++g.second;
    if (!ok) {
      failures.push_back({{"group", cases[i].group},
                          {"text", cases[i].text},
                          {"attribute", attribute_name(attribute_at(cases[i].attribute))},
                          {"expected", cases[i].high ? ">= 0.5" : "< 0.5"},
                          {"score", num(score)}});
    }
  }
  nlohmann::json per = nlohmann::json::object();
  for (const auto& [name, g] : groups) {
    per[name] = {{"passed", g.first}, {"cases", g.second}};
  }
  return {{"cases", cases.size()},
          {"passed", passed},
          {"share_passed", num(static_cast<double>(passed) / cases.size())},
          {"groups", per},
          {"failures", failures}};
}

}  // namespace

nlohmann::json run_eval(const Scorer& scorer, const EvalOptions& options) {
  std::ifstream file(options.suites_file, std::ios::binary);
  if (!file) throw std::runtime_error(fmt::format("{}: cannot open", options.suites_file));
  std::ostringstream text;
  text << file.rdbuf();
  if (const auto deep = check_toml_nesting(text.view())) {
    throw std::runtime_error(
        fmt::format("{}: line {}: {}", options.suites_file, deep->line, deep->message));
  }
  toml::table root;
  try {
    root = toml::parse(text.view(), options.suites_file);
  } catch (const toml::parse_error& e) {
    throw std::runtime_error(fmt::format("{}: {}", options.suites_file, e.description()));
  }
  const ModelInfo& info = scorer.model().info();
  nlohmann::json out = {
      {"model", {{"version", info.version}, {"recipe_sha256", info.recipe_sha256}}},
      {"data_dir", options.data_dir}};
  out["suites"] = nlohmann::json::object();
  const toml::array* suites = root["suite"].as_array();
  if (!suites) throw std::runtime_error(options.suites_file + ": no [[suite]] tables");
  for (const auto& node : *suites) {
    const toml::table* t = node.as_table();
    if (!t) continue;
    const std::string name = str(*t, "name");
    if (!options.only.empty() &&
        std::find(options.only.begin(), options.only.end(), name) == options.only.end()) {
      continue;
    }
    Context ctx{scorer, options, *t, name};
    const std::string kind = str(*t, "kind");
    nlohmann::json r;
    if (kind == "reference_scores") {
      r = reference_suite(ctx);
    } else if (kind == "binary") {
      r = binary_suite(ctx);
    } else if (kind == "spans") {
      r = spans_suite(ctx);
    } else if (kind == "bias") {
      r = bias_suite(ctx);
    } else if (kind == "obfuscation") {
      r = obfuscation_suite(ctx);
    } else if (kind == "long_comments") {
      r = long_comments_suite(ctx);
    } else if (kind == "functional") {
      r = functional_suite(ctx);
    } else {
      r = {{"error", "unknown suite kind '" + kind + "'"}};
    }
    r["kind"] = kind;
    r["description"] = str(*t, "description");
    out["suites"][name] = r;
  }
  return out;
}

}  // namespace comity
