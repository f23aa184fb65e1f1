#include "comity/trainer.h"
#include "comity/linear_model.h"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <thread>
#include <unordered_map>

#include <unistd.h>

#include "comity/calibration_fit.h"
#include "comity/utf8.h"
#include "common/parallel_for.h"
#include "train/contextual_trainer.h"
#include "train/example_set.h"
#include "train/labelled_text.h"
#include "train/long_comments.h"
#include "train/small_logistic.h"
#include "train/span_labels.h"

namespace comity {
namespace {

using Clock = std::chrono::steady_clock;

using Example = LabelledText;

struct DatasetCounts {
  std::size_t rows = 0, used = 0, no_text = 0, invalid_utf8 = 0, filtered = 0, unlabelled = 0,
              bad_rows = 0, duplicates = 0;
  std::array<std::size_t, 3> per_split{};
};

class Progress {
 public:
  explicit Progress(const TrainOptions& o) : options_(o) {}
  void operator()(const std::string& stage, std::size_t done, std::size_t total) {
    if (!options_.on_progress) return;
    std::lock_guard lock(mu_);
    options_.on_progress({stage, done, total});
  }

 private:
  const TrainOptions& options_;
  std::mutex mu_;
};

// A label column's value: a string, or a number (ranges), looked up by dotted path.
bool apply_mapping(const LabelMapping& m, const nlohmann::json& fields, Example& ex) {
  const nlohmann::json* f = find_field(fields, m.column);
  if (f == nullptr || f->is_null()) return false;
  const std::map<Attribute, float>* targets = nullptr;
  if (!m.ranges.empty()) {
    std::optional<double> v;
    if (f->is_number()) {
      v = f->get<double>();
    } else if (f->is_string()) {
      v = field_number(nlohmann::json{{"v", *f}}, "v");
    }
    if (!v) return false;
    for (const LabelRange& r : m.ranges) {
      if (*v >= r.min && *v <= r.max) targets = &r.targets;
    }
  } else {
    const std::string value = f->is_string() ? f->get<std::string>() : f->dump();
    const auto it = m.values.find(value);
    if (it != m.values.end()) {
      targets = &it->second;
    } else if (m.other && !value.empty()) {
      targets = &*m.other;
    }
  }
  if (targets == nullptr) return false;
  for (const auto& [attr, y] : *targets) {
    ex.target[index_of(attr)] = y;
    ex.mask |= static_cast<std::uint8_t>(1u << index_of(attr));
  }
  return true;
}

// A dataset with `carry`: every row of a group gets what the pivot row's text finds
// in the carry tables (docs in recipe.h). Reads the dataset whole: such sets are small.
std::vector<TableRow> read_with_carry(const DatasetSpec& spec, const std::string& path,
                                      const std::string& data_dir) {
  const CarrySpec& carry = *spec.carry;
  std::vector<TableRow> rows;
  read_table_file(path, spec.table, [&](TableRow& row) {
    rows.push_back(std::move(row));
    return true;
  });
  std::unordered_map<std::string, std::string> pivot_text;  // group -> pivot row's text
  for (const TableRow& row : rows) {
    if (!row.error.empty() || field_string(row.fields, carry.pivot_field) != carry.pivot_value)
      continue;
    const auto group = field_string(row.fields, carry.group_field);
    const auto text = field_string(row.fields, spec.text_field);
    if (group && text) pivot_text.try_emplace(*group, *text);
  }
  std::unordered_map<std::string, nlohmann::json> found;  // pivot text -> carried fields
  for (const auto& p : pivot_text) found.try_emplace(p.second);
  for (const std::string& table : carry.paths) {
    const std::string file = (std::filesystem::path(data_dir) / table).string();
    if (!std::filesystem::exists(file)) continue;  // like an optional dataset
    read_table_file(file, carry.table, [&](TableRow& row) {
      if (!row.error.empty()) return true;
      const auto text = field_string(row.fields, carry.text_field);
      if (!text) return true;
      const auto it = found.find(*text);
      if (it != found.end() && it->second.is_null()) it->second = std::move(row.fields);
      return true;
    });
  }
  for (TableRow& row : rows) {
    if (!row.error.empty()) continue;
    const auto group = field_string(row.fields, carry.group_field);
    if (!group) continue;
    const auto pivot = pivot_text.find(*group);
    if (pivot == pivot_text.end()) continue;
    const nlohmann::json& fields = found[pivot->second];
    if (!fields.is_null()) row.fields[carry.as] = fields;
  }
  return rows;
}

// Reads one dataset into examples; everything it skips is counted, never silent.
void read_dataset(const DatasetSpec& spec, std::uint32_t index, const Recipe& recipe,
                  const std::string& path, const std::string& data_dir, std::vector<Example>& out,
                  DatasetCounts& counts) {
  const auto on_row = [&](TableRow& row) {
    ++counts.rows;
    if (!row.error.empty()) {
      ++counts.bad_rows;
      return true;
    }
    for (const auto& [field, value] : spec.require) {
      const nlohmann::json* f = find_field(row.fields, field);
      if (f && f->is_string() && f->get<std::string>() != value) {
        ++counts.filtered;
        return true;
      }
    }
    std::string language = spec.language;
    if (!spec.language_field.empty()) {
      // A row that names its language must name a real one ("BCMS" does not): training
      // it as the dataset's default language would teach that language wrong words.
      const auto tag = field_string(row.fields, spec.language_field);
      if (tag) language = canonical_language(*tag);
      if (language.empty()) {
        ++counts.filtered;
        return true;
      }
    }
    auto text = field_string(row.fields, spec.text_field);
    if (!text || text->find_first_not_of(" \t\r\n") == std::string::npos) {
      ++counts.no_text;
      return true;
    }
    if (find_invalid_utf8(*text)) {
      ++counts.invalid_utf8;
      return true;
    }
    Example ex;
    for (const auto& [attr, y] : spec.constant_labels) {
      ex.target[index_of(attr)] = y;
      ex.mask |= static_cast<std::uint8_t>(1u << index_of(attr));
    }
    for (const auto& [attr, field] : spec.soft_labels) {
      const nlohmann::json* f = find_field(row.fields, field);
      if (!f || !f->is_number()) continue;
      const double y = f->get<double>();
      if (!(y >= 0 && y <= 1)) continue;
      ex.target[index_of(attr)] = static_cast<float>(y);
      ex.mask |= static_cast<std::uint8_t>(1u << index_of(attr));
      ex.soft |= static_cast<std::uint8_t>(1u << index_of(attr));
    }
    for (const LabelMapping& m : spec.labels) apply_mapping(m, row.fields, ex);
    if (ex.mask == 0) {
      ++counts.unlabelled;
      return true;
    }
    if (spec.split_key.empty()) {
      ex.split = split_of(recipe.split, *text);
    } else {
      const auto key = field_string(row.fields, spec.split_key);
      if (!key) {
        ++counts.no_text;
        return true;
      }
      ex.split = split_of(recipe.split, *key);
    }
    ex.dataset = index;
    ex.language = std::move(language);
    ex.text = std::move(*text);
    out.push_back(std::move(ex));
    return true;
  };
  if (spec.carry) {
    for (TableRow& row : read_with_carry(spec, path, data_dir)) on_row(row);
  } else {
    read_table_file(path, spec.table, on_row);
  }
}

void dump_examples(const Recipe& recipe, const std::vector<Example>& examples,
                   const std::string& path) {
  std::ofstream out(path);
  static constexpr const char* kSplit[] = {"train", "dev", "test", "none"};
  for (const Example& ex : examples) {
    nlohmann::json targets = nlohmann::json::object(), soft = nlohmann::json::array();
    for (std::size_t a = 0; a < kNumAttributes; ++a) {
      if (!(ex.mask >> a & 1u)) continue;
      const std::string name(attribute_name(attribute_at(a)));
      targets[name] = ex.target[a];
      if (ex.soft >> a & 1u) soft.push_back(name);
    }
    out << nlohmann::json{{"text", ex.text},
                          {"language", ex.language},
                          {"dataset", recipe.datasets[ex.dataset].name},
                          {"split", kSplit[static_cast<int>(ex.split)]},
                          {"targets", std::move(targets)},
                          {"soft", std::move(soft)}}
               .dump()
        << '\n';
  }
  if (!out) throw std::runtime_error("cannot write " + path);
}

// Among datasets sharing a dedup group, a text is kept once: from the dataset
// with the highest priority, the earliest such row on ties.
void deduplicate(const Recipe& recipe, std::vector<Example>& examples,
                 std::vector<DatasetCounts>& counts) {
  std::unordered_map<std::string_view, std::size_t> best;  // key: group + '\0' + text
  std::vector<std::string> keys(examples.size());
  std::vector<bool> keep(examples.size(), true);
  for (std::size_t i = 0; i < examples.size(); ++i) {
    const DatasetSpec& d = recipe.datasets[examples[i].dataset];
    if (d.dedup_group.empty()) continue;
    keys[i] = d.dedup_group + '\0' + examples[i].text;
    auto [it, inserted] = best.try_emplace(keys[i], i);
    if (inserted) continue;
    const std::size_t j = it->second;
    if (d.priority > recipe.datasets[examples[j].dataset].priority) {
      keep[j] = false;
      it->second = i;
    } else {
      keep[i] = false;
    }
  }
  std::vector<Example> kept;
  kept.reserve(examples.size());
  for (std::size_t i = 0; i < examples.size(); ++i) {
    if (keep[i]) {
      kept.push_back(std::move(examples[i]));
    } else {
      ++counts[examples[i].dataset].duplicates;
    }
  }
  examples.swap(kept);
}

// Features for each text, in order. Each chunk of rows is extracted into its own
// buffer in parallel, then appended in chunk order.
SparseRows featurize(const std::vector<const Example*>& texts, const FeatureConfig& config,
                     const IdfTable* idf, int threads, Progress& progress,
                     const std::string& stage) {
  const std::size_t chunk = 2048;
  const std::size_t n_chunks = (texts.size() + chunk - 1) / chunk;
  std::vector<SparseRows> parts(n_chunks);
  std::atomic<std::size_t> done{0};
  parallel_for(n_chunks, threads, [&](std::size_t c) {
    std::vector<Feature> features;
    for (std::size_t i = c * chunk; i < std::min(texts.size(), (c + 1) * chunk); ++i) {
      extract_features(normalize(texts[i]->text, texts[i]->profile()), config, idf, features);
      parts[c].append(features);
    }
    progress(stage, done.fetch_add(1) + 1, n_chunks);
  });
  SparseRows rows;
  for (auto& p : parts) rows.append(p);
  return rows;
}

// Document frequency of each bucket over the training texts, for TF-IDF weighting.
// Counts are summed per chunk under a lock: integer sums, so the order cannot matter.
IdfTable document_frequencies(const std::vector<const Example*>& texts, const FeatureConfig& config,
                              int threads, Progress& progress) {
  FeatureConfig uniform = config;
  uniform.weighting = FeatureWeighting::kUniform;
  const std::size_t buckets = std::size_t{1} << config.hash_bits;
  std::vector<std::uint32_t> df(buckets, 0);
  std::mutex mu;
  const std::size_t chunk = 2048;
  const std::size_t n_chunks = (texts.size() + chunk - 1) / chunk;
  std::atomic<std::size_t> done{0};
  parallel_for(n_chunks, threads, [&](std::size_t c) {
    std::vector<Feature> features;
    std::vector<std::uint32_t> seen;
    std::vector<std::uint32_t> local;
    for (std::size_t i = c * chunk; i < std::min(texts.size(), (c + 1) * chunk); ++i) {
      extract_features(normalize(texts[i]->text, texts[i]->profile()), uniform, nullptr, features);
      seen.clear();
      for (const Feature& f : features) seen.push_back(f.bucket);
      std::sort(seen.begin(), seen.end());
      seen.erase(std::unique(seen.begin(), seen.end()), seen.end());
      local.insert(local.end(), seen.begin(), seen.end());
    }
    {
      std::lock_guard lock(mu);
      for (std::uint32_t b : local) ++df[b];
    }
    progress("document frequencies", done.fetch_add(1) + 1, n_chunks);
  });
  return fit_idf(df, texts.size(), config.min_df);
}

float raw_probability(const LinearModel& model, std::size_t attribute, const SparseRows& rows,
                      std::size_t row) {
  double z = model.info().bias[attribute];
  for (std::uint64_t j = rows.offsets[row]; j < rows.offsets[row + 1]; ++j) {
    z += rows.values[j] * model.weight(rows.buckets[j], attribute);
  }
  return static_cast<float>(1 / (1 + std::exp(-z)));
}

nlohmann::json counts_json(const DatasetCounts& c) {
  return {{"rows", c.rows},
          {"used", c.used},
          {"train", c.per_split[0]},
          {"dev", c.per_split[1]},
          {"test_held_out", c.per_split[2]},
          {"skipped_no_text", c.no_text},
          {"skipped_invalid_utf8", c.invalid_utf8},
          {"skipped_filtered", c.filtered},
          {"skipped_unlabelled", c.unlabelled},
          {"skipped_bad_rows", c.bad_rows},
          {"duplicates_removed", c.duplicates}};
}

// Per attribute, the final logit is gamma x network + alpha x linear + beta, fitted by
// Newton's method on the dev rows' soft targets (cross-entropy, three parameters, so it
// cannot overfit what calibration then maps). gamma and beta are folded into the
// network's output layer; alpha is the file's linear_weight.
// `dev_ids` begins with the `calibrating` rows that fit the global mix; with
// `for_others` the dev rows of the sets that do not calibrate follow, for the
// per-language mixes only.
void fit_contextual_mix(ContextualModelWeights& cm, const std::vector<Example>& examples,
                        const std::vector<std::uint32_t>& dev_ids, std::size_t calibrating,
                        bool per_language, bool for_others, int threads, nlohmann::json& report) {
  const auto served = ContextualModel::from_weights(cm, Kernel::kPortable);
  const bool with_linear = cm.linear.has_value();
  std::vector<std::array<float, kNumAttributes>> net(dev_ids.size()), lin(dev_ids.size());
  parallel_for(
      dev_ids.size(), threads,
      [&](std::size_t k) {
        const NormalizedText nt =
            normalize(examples[dev_ids[k]].text, examples[dev_ids[k]].profile());
        served->network_logits(nt, 0, UINT32_MAX, net[k].data());
        if (with_linear) served->linear_logits(nt, 0, UINT32_MAX, lin[k].data());
      },
      64);
  ContextualDense& dense = cm.network.dense;
  const std::uint32_t P = cm.network.shape.pooled();
  std::map<std::string, std::array<bool, kNumAttributes>> fitted;
  for (std::size_t a = 0; a < kNumAttributes; ++a) {
    const std::size_t inputs = with_linear ? 2 : 1;
    std::vector<double> x, target;
    for (std::size_t k = 0; k < calibrating; ++k) {
      const Example& ex = examples[dev_ids[k]];
      if (!(ex.mask >> a & 1u)) continue;
      x.push_back(net[k][a]);
      if (with_linear) x.push_back(lin[k][a]);
      target.push_back(ex.target[a]);
    }
    SmallLogistic start;
    start.weight = {1, with_linear ? 0.5 : 0, 0, 0};
    const SmallLogistic fit = target.empty() ? SmallLogistic{{1, with_linear ? 1.0 : 0.0, 0, 0}}
                                             : fit_small_logistic(x, target, inputs, start);
    const double gamma = fit.weight[0], alpha = with_linear ? fit.weight[1] : 0.0;
    for (std::uint32_t i = 0; i < P; ++i) {
      dense.out[std::size_t{i} * kNumAttributes + a] *= static_cast<float>(gamma);
    }
    dense.out_bias[a] = static_cast<float>(gamma * dense.out_bias[a] + fit.bias);
    cm.linear_weight[a] = static_cast<float>(alpha);
    report[std::string(attribute_name(attribute_at(a)))] = {{"network_weight", gamma},
                                                            {"linear_weight", alpha},
                                                            {"bias", fit.bias},
                                                            {"dev_rows", fit.rows},
                                                            {"dev_loss", fit.loss}};
    if (!per_language || !with_linear) continue;
    // Per language, on top of the global mix: the global one is dominated by the
    // languages with the most dev rows, and a network that helps English may not help
    // Finnish. Only where the dev rows can carry three parameters.
    // Measured on dev: with 100 rows, or with the dev rows of the sets that do not
    // calibrate (RTP-LX completions), small languages fit their style, not toxicity.
    // With for_others every dev row counts, a language needs 1,000 for a mix of its own,
    // and the smaller ones share "*".
    constexpr std::size_t kMinClass = 20, kMinPoolRows = 200;
    const std::size_t min_own_rows = for_others ? 1000 : 200;
    std::map<std::string_view, std::vector<std::size_t>> by_language;
    for (std::size_t k = 0; k < dev_ids.size(); ++k) {
      const Example& ex = examples[dev_ids[k]];
      if (ex.mask >> a & 1u) by_language[ex.language].push_back(k);
    }
    const auto enough = [&](const std::vector<std::size_t>& rows, std::size_t min_rows) {
      std::size_t positives = 0;
      for (std::size_t k : rows) positives += examples[dev_ids[k]].target[a] >= 0.5f;
      return rows.size() >= min_rows && positives >= kMinClass &&
             rows.size() - positives >= kMinClass;
    };
    // The rows of the languages that get no mix of their own: the "*" mix's, in
    // language order then dev order, so the pool is the same at any thread count.
    std::vector<std::size_t> others;
    for (const auto& [language, rows] : by_language) {
      if (!enough(rows, min_own_rows)) others.insert(others.end(), rows.begin(), rows.end());
    }
    if (for_others && !others.empty()) by_language.emplace(kOtherLanguages, std::move(others));
    for (const auto& [language, rows] : by_language) {
      if (!enough(rows, language == kOtherLanguages ? kMinPoolRows : min_own_rows)) continue;
      auto& mix = cm.language_mix[std::string(language)];
      fitted[std::string(language)][a] = true;
      std::vector<double> lx, lt;
      for (std::size_t k : rows) {
        lx.push_back(gamma * net[k][a] + fit.bias);
        lx.push_back(lin[k][a]);
        lt.push_back(examples[dev_ids[k]].target[a]);
      }
      SmallLogistic lstart;
      lstart.weight = {1, alpha, 0, 0};
      const SmallLogistic lf = fit_small_logistic(lx, lt, 2, lstart);
      mix.network[a] = static_cast<float>(lf.weight[0]);
      mix.linear[a] = static_cast<float>(lf.weight[1]);
      mix.bias[a] = static_cast<float>(lf.bias);
      report["per_language"][std::string(language)][std::string(attribute_name(attribute_at(a)))] =
          {{"network", lf.weight[0]},
           {"linear", lf.weight[1]},
           {"bias", lf.bias},
           {"dev_rows", lf.rows},
           {"dev_loss", lf.loss}};
    }
  }
  // Attributes a language had too few dev rows for take the "*" mix where it was
  // fitted for them, else the global one.
  const auto others = cm.language_mix.find(kOtherLanguages);
  for (auto& [language, mix] : cm.language_mix) {
    for (std::size_t a = 0; a < kNumAttributes; ++a) {
      if (fitted[language][a]) continue;
      const bool pooled =
          others != cm.language_mix.end() && fitted[std::string(kOtherLanguages)][a];
      mix.network[a] = pooled ? others->second.network[a] : 1.f;
      mix.linear[a] = pooled ? others->second.linear[a] : cm.linear_weight[a];
      mix.bias[a] = pooled ? others->second.bias[a] : 0.f;
    }
  }
}

}  // namespace

TrainResult train(const Recipe& recipe, const TrainOptions& options) {
  const auto t0 = Clock::now();
  Progress progress(options);
  TrainResult result;
  nlohmann::json& report = result.report;
  report["recipe"] = {
      {"name", recipe.name}, {"version", recipe.version}, {"sha256", recipe.sha256}};
  const int threads = std::max(1, recipe.training.threads);

  // 1. Read.
  std::vector<Example> examples;
  std::vector<DatasetCounts> counts(recipe.datasets.size());
  for (std::uint32_t d = 0; d < recipe.datasets.size(); ++d) {
    const DatasetSpec& spec = recipe.datasets[d];
    const std::string path =
        (std::filesystem::path(spec.in_repo ? recipe.directory : options.data_dir) / spec.path)
            .string();
    if (!std::filesystem::exists(path)) {
      if (spec.optional) {
        report["datasets"][spec.name] = {{"skipped", "file not found: " + path}};
        continue;
      }
      throw RecipeError(fmt::format("dataset '{}': file not found: {}", spec.name, path));
    }
    progress("reading " + spec.name, d, recipe.datasets.size());
    read_dataset(spec, d, recipe, path, options.data_dir, examples, counts[d]);
  }
  deduplicate(recipe, examples, counts);
  if (!options.dump_examples.empty()) dump_examples(recipe, examples, options.dump_examples);
  for (const Example& ex : examples) {
    auto& c = counts[ex.dataset];
    ++c.used;
    if (ex.split != Split::kNone) ++c.per_split[static_cast<int>(ex.split)];
  }
  for (std::uint32_t d = 0; d < recipe.datasets.size(); ++d) {
    if (!report["datasets"].contains(recipe.datasets[d].name)) {
      report["datasets"][recipe.datasets[d].name] = counts_json(counts[d]);
    }
  }

  // 2. Features of the training and calibration rows; test rows are never touched.
  std::vector<std::uint32_t> train_ids, dev_ids;
  std::vector<const Example*> texts;
  for (std::uint32_t i = 0; i < examples.size(); ++i) {
    if (examples[i].split == Split::kTrain) train_ids.push_back(i);
  }
  for (std::uint32_t i = 0; i < examples.size(); ++i) {
    if (examples[i].split == Split::kDev && recipe.datasets[examples[i].dataset].calibrate) {
      dev_ids.push_back(i);
    }
  }
  for (const auto& ids : {train_ids, dev_ids}) {
    for (auto i : ids) texts.push_back(&examples[i]);
  }
  IdfTable idf;
  if (recipe.features.weighting == FeatureWeighting::kTfIdf) {
    const std::vector<const Example*> train_texts(
        texts.begin(), texts.begin() + static_cast<std::ptrdiff_t>(train_ids.size()));
    idf = document_frequencies(train_texts, recipe.features, threads, progress);
  }
  const SparseRows rows = featurize(texts, recipe.features, idf.empty() ? nullptr : &idf, threads,
                                    progress, "features");
  const auto t_features = Clock::now();

  // 3. One head per attribute; heads are independent, so they train in parallel
  //    and the result does not depend on the thread count.
  const std::uint32_t buckets = 1u << recipe.features.hash_bits;
  const HeadLoss loss = recipe.training.loss == "logit_squared" ? HeadLoss::kLogitSquared
                        : recipe.training.loss == "mixed"       ? HeadLoss::kMixed
                                                                : HeadLoss::kLogistic;
  std::array<HeadWeights, kNumAttributes> heads;
  std::array<std::size_t, kNumAttributes> head_examples{};
  std::atomic<std::size_t> heads_done{0};
  parallel_for(kNumAttributes, threads, [&](std::size_t a) {
    HeadData data{&rows, {}, {}, {}, {}};
    for (std::uint32_t r = 0; r < train_ids.size(); ++r) {
      const Example& ex = examples[train_ids[r]];
      if (!(ex.mask >> a & 1u)) continue;
      data.index.push_back(r);
      const bool soft = ex.soft >> a & 1u;
      const float y = ex.target[a], s = recipe.training.sharpen;
      data.target.push_back(soft ? (1 - s) * y + s * (y >= 0.5f ? 1.f : 0.f) : y);
      data.weight.push_back(recipe.datasets[ex.dataset].weight);
      data.soft.push_back(soft);
    }
    heads[a] = train_logistic_head(
        data, {buckets, loss, recipe.training.epochs, recipe.training.learning_rate,
               recipe.training.l2, recipe.training.seed + a, recipe.training.logit_weight});
    head_examples[a] = data.index.size();
    progress("training", heads_done.fetch_add(1) + 1, kNumAttributes);
  });
  for (std::size_t a = 0; a < kNumAttributes; ++a) {
    auto& r = report["attributes"][std::string(attribute_name(attribute_at(a)))];
    r["train_examples"] = head_examples[a];
    r["epoch_loss"] = heads[a].epoch_loss;
  }
  const auto t_train = Clock::now();

  ModelWeights& weights = result.weights;
  ModelInfo& info = weights.info;
  info.name = recipe.name;
  info.version = recipe.version;
  info.languages = recipe.languages;
  info.attribute_languages = recipe.attribute_languages;
  // Recorded only for models with a language other than English, so English-only
  // recipes rebuild their files byte-for-byte.
  if (recipe.languages != std::vector<std::string>{"en"}) {
    for (const std::string& code : recipe.languages) {
      info.text_profiles.push_back(language_profile(code).fingerprint());
    }
  }
  info.features = recipe.features;
  weights.idf = std::move(idf);
  info.recipe_sha256 = recipe.sha256;
  info.created_by = "comity train";
  weights.attribute_weights.assign(std::size_t{buckets} * kNumAttributes, 0.f);
  for (std::size_t a = 0; a < kNumAttributes; ++a) {
    info.bias[a] = heads[a].bias;
    for (std::uint32_t b = 0; b < buckets; ++b) {
      weights.attribute_weights[std::size_t{b} * kNumAttributes + a] = heads[a].w[b];
    }
  }

  // 4. Token head for toxic spans.
  if (recipe.spans) {
    train_span_head(recipe, options.data_dir, weights, report["spans"]);
  }

  // 5. Calibrate against the held-out dev rows of the reference-scored sets, using
  //    the quantised weights exactly as they will be served.
  progress("calibrating", 0, 1);
  // Quantised in memory, exactly as the file will hold the weights.
  const auto quantised = LinearModel::from_weights(weights);
  for (std::size_t a = 0; a < kNumAttributes; ++a) {
    std::vector<float> raw, target;
    for (std::uint32_t k = 0; k < dev_ids.size(); ++k) {
      const Example& ex = examples[dev_ids[k]];
      if (!(ex.mask >> a & 1u)) continue;
      raw.push_back(raw_probability(*quantised, a, rows, train_ids.size() + k));
      target.push_back(ex.target[a]);
    }
    info.calibration[a] = fit_isotonic_calibration(raw, target, recipe.training.calibration_knots);
    report["attributes"][std::string(attribute_name(attribute_at(a)))]["calibration_examples"] =
        raw.size();
  }
  progress("calibrating", 1, 1);

  auto secs = [](auto a, auto b) { return std::chrono::duration<double>(b - a).count(); };
  // 6. comity-2: the contextual network, its span head, the mix with the linear
  //    logits and a calibration of its own, all fitted on the same dev rows.
  if (recipe.architecture == "contextual") {
    ContextualModelWeights cm;
    cm.info = info;
    // Synthetic long comments join the end of `examples`; the linear model is done with
    // its rows, and the calibration below keeps to the real dev rows.
    constexpr std::uint32_t kSynthetic = UINT32_MAX;
    LongCommentSpec long_spec;
    std::vector<std::uint32_t> mix_ids = dev_ids;
    std::size_t calibrating_mix_rows = mix_ids.size();
    std::vector<std::uint32_t> contextual_train_ids = train_ids;
    if (recipe.contextual.long_comments > 0) {
      auto add = [&](Split split, std::size_t count, std::vector<std::uint32_t>& ids) {
        auto built =
            build_long_comments(examples, split, long_spec, count,
                                recipe.training.seed ^ (0x4c4f4e47ULL + ids.size()), kSynthetic);
        for (auto& ex : built) {
          ids.push_back(static_cast<std::uint32_t>(examples.size()));
          examples.push_back(std::move(ex));
        }
        return built.size();
      };
      const std::size_t n_train =
          add(Split::kTrain, recipe.contextual.long_comments, contextual_train_ids);
      const std::size_t n_dev = add(Split::kDev, recipe.contextual.long_comments / 8, mix_ids);
      report["long_comments"] = {{"train", n_train}, {"dev_for_mix", n_dev}};
      calibrating_mix_rows = mix_ids.size();
    }
    if (recipe.contextual.mix_for_others) {
      for (std::uint32_t i = 0; i < examples.size(); ++i) {
        if (examples[i].split == Split::kDev && examples[i].dataset != kSynthetic &&
            !recipe.datasets[examples[i].dataset].calibrate) {
          mix_ids.push_back(i);
        }
      }
    }
    ContextualTrainInput input{&examples, contextual_train_ids, {}};
    for (auto i : contextual_train_ids) {
      input.weight.push_back(
          examples[i].dataset == kSynthetic ? 1.f : recipe.datasets[examples[i].dataset].weight);
    }
    cm.network = train_contextual_network(
        recipe.contextual, input, recipe.training.seed ^ 0x636f6e74ULL, threads,
        [&](const std::string& stage, std::size_t done, std::size_t total) {
          progress(stage, done, total);
        },
        report["contextual"]);
    if (recipe.contextual.ensemble_linear) cm.linear = weights;
    if (recipe.spans) {
      cm.info.span_threshold =
          train_contextual_span_head(recipe, options.data_dir, cm, report["contextual_spans"]);
    }
    fit_contextual_mix(cm, examples, mix_ids, calibrating_mix_rows,
                       recipe.contextual.mix_per_language, recipe.contextual.mix_for_others,
                       threads, report["contextual_mix"]);
    progress("calibrating contextual", 0, 1);
    const auto served = ContextualModel::from_weights(cm, Kernel::kPortable);
    std::vector<std::array<float, kNumAttributes>> dev_logits(dev_ids.size());
    parallel_for(
        dev_ids.size(), threads,
        [&](std::size_t k) {
          served->logits(normalize(examples[dev_ids[k]].text, examples[dev_ids[k]].profile()), 0,
                         UINT32_MAX, dev_logits[k].data());
        },
        64);
    for (std::size_t a = 0; a < kNumAttributes; ++a) {
      std::vector<float> raw, target;
      for (std::uint32_t k = 0; k < dev_ids.size(); ++k) {
        const Example& ex = examples[dev_ids[k]];
        if (!(ex.mask >> a & 1u)) continue;
        raw.push_back(1.f / (1.f + std::exp(-dev_logits[k][a])));
        target.push_back(ex.target[a]);
      }
      cm.info.calibration[a] =
          fit_isotonic_calibration(raw, target, recipe.training.calibration_knots);
    }
    progress("calibrating contextual", 1, 1);
    result.contextual = std::move(cm);
  }

  report["examples"] = {{"train", train_ids.size()}, {"calibration", dev_ids.size()}};
  report["seconds"] = {{"read_and_features", secs(t0, t_features)},
                       {"train_heads", secs(t_features, t_train)},
                       {"total", secs(t0, Clock::now())}};
  return result;
}

}  // namespace comity
