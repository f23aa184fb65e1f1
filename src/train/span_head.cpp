#include <cmath>
#include <filesystem>

#include "comity/json_input.h"
#include "comity/metrics.h"
#include "comity/utf8.h"
#include "train/example_set.h"
#include "train/span_labels.h"

namespace comity {

std::set<std::uint32_t> parse_span_offsets(const std::string& field) {
  std::set<std::uint32_t> out;
  nlohmann::json parsed;
  try {
    parsed = parse_json_input(field, {.lenient = false});
  } catch (const JsonInputError&) {
    return out;  // as before: a malformed spans field labels nothing
  }
  if (!parsed.is_array()) return out;
  for (const auto& v : parsed) {
    if (v.is_number_unsigned()) out.insert(v.get<std::uint32_t>());
  }
  return out;
}

std::set<std::uint32_t> highlighted_code_points(const std::vector<TextRange>& tokens,
                                                const std::vector<float>& probability,
                                                float threshold) {
  std::set<std::uint32_t> out;
  for (std::size_t t = 0; t < tokens.size(); ++t) {
    if (probability[t] < threshold) continue;
    for (std::uint32_t c = tokens[t].cp_begin; c < tokens[t].cp_end; ++c) out.insert(c);
  }
  return out;
}

std::vector<SpanPost> read_span_posts(const Recipe& recipe, const std::string& data_dir,
                                      std::size_t& skipped) {
  std::vector<SpanPost> posts;
  if (!recipe.spans) return posts;
  const SpanDatasetSpec& spec = *recipe.spans;
  const std::string path = (std::filesystem::path(data_dir) / spec.path).string();
  if (!std::filesystem::exists(path)) return posts;
  read_table_file(path, spec.table, [&](TableRow& row) {
    auto text = field_string(row.fields, spec.text_field);
    auto spans = field_string(row.fields, spec.spans_field);
    if (!row.error.empty() || !text || !spans || find_invalid_utf8(*text)) {
      ++skipped;
      return true;
    }
    SpanPost post;
    post.gold = parse_span_offsets(*spans);
    post.split = split_of(recipe.split, *text);
    post.normalized = normalize(*text);
    for (const Token& tok : post.normalized.tokens) {
      const TextRange& r = tok.where;
      std::uint32_t inside = 0;
      for (std::uint32_t c = r.cp_begin; c < r.cp_end; ++c) inside += post.gold.count(c);
      // A token is toxic when most of it was marked: annotators mark whole words.
      post.labels.push_back(2 * inside >= r.cp_end - r.cp_begin && inside > 0 ? 1.f : 0.f);
      post.tokens.push_back(r);
    }
    posts.push_back(std::move(post));
    return true;
  });
  return posts;
}

float choose_span_threshold(const std::vector<const SpanPost*>& posts,
                            const std::vector<std::vector<float>>& probability,
                            nlohmann::json& curve, double& best_f1) {
  float best_threshold = 0.5f;
  best_f1 = -1;
  curve = nlohmann::json::array();
  for (int step = 1; step < 20; ++step) {
    const float threshold = static_cast<float>(step) * 0.05f;
    std::vector<std::set<std::uint32_t>> predicted, gold;
    for (std::size_t i = 0; i < posts.size(); ++i) {
      predicted.push_back(highlighted_code_points(posts[i]->tokens, probability[i], threshold));
      gold.push_back(posts[i]->gold);
    }
    const double f1 = mean_span_f1(predicted, gold);
    curve.push_back({{"threshold", threshold}, {"dev_span_f1", f1}});
    if (f1 > best_f1) {
      best_f1 = f1;
      best_threshold = threshold;
    }
  }
  return best_threshold;
}

void train_span_head(const Recipe& recipe, const std::string& data_dir, ModelWeights& weights,
                     nlohmann::json& report) {
  const std::string path = (std::filesystem::path(data_dir) / recipe.spans->path).string();
  if (!std::filesystem::exists(path)) {
    report = {{"skipped", "file not found: " + path}};
    return;
  }
  const FeatureConfig& config = recipe.features;
  std::size_t skipped = 0;
  const std::vector<SpanPost> posts = read_span_posts(recipe, data_dir, skipped);
  SparseRows rows;
  std::vector<float> labels;
  std::vector<std::uint64_t> first_row;
  std::vector<Feature> features;
  for (const SpanPost& post : posts) {
    first_row.push_back(rows.rows());
    for (std::uint32_t t = 0; t < post.normalized.tokens.size(); ++t) {
      extract_token_features(post.normalized, t, config, features);
      rows.append(features);
    }
    labels.insert(labels.end(), post.labels.begin(), post.labels.end());
  }

  HeadData data{&rows, {}, {}, {}, {}};
  for (std::size_t i = 0; i < posts.size(); ++i) {
    const SpanPost& p = posts[i];
    if (p.split != Split::kTrain) continue;
    for (std::uint32_t t = 0; t < p.tokens.size(); ++t) {
      data.index.push_back(static_cast<std::uint32_t>(first_row[i] + t));
      data.target.push_back(labels[first_row[i] + t]);
      data.weight.push_back(1.f);
    }
  }
  const std::uint32_t buckets = 1u << config.hash_bits;
  HeadWeights head =
      train_logistic_head(data, {buckets, HeadLoss::kLogistic, recipe.training.span_epochs,
                                 recipe.training.span_learning_rate, recipe.training.l2,
                                 recipe.training.seed ^ 0x5350414eULL});
  weights.span_weights = head.w;
  weights.info.span_bias = head.bias;

  // Threshold: the one that maximises mean span F1 on the dev posts.
  auto probability = [&](std::uint64_t row) {
    double z = head.bias;
    for (std::uint64_t j = rows.offsets[row]; j < rows.offsets[row + 1]; ++j) {
      z += rows.values[j] * head.w[rows.buckets[j]];
    }
    return static_cast<float>(1 / (1 + std::exp(-z)));
  };
  std::vector<const SpanPost*> dev;
  std::vector<std::vector<float>> dev_probs;
  for (std::size_t i = 0; i < posts.size(); ++i) {
    if (posts[i].split != Split::kDev) continue;
    std::vector<float> probs;
    for (std::uint32_t t = 0; t < posts[i].tokens.size(); ++t)
      probs.push_back(probability(first_row[i] + t));
    dev.push_back(&posts[i]);
    dev_probs.push_back(std::move(probs));
  }
  double best_f1 = -1;
  nlohmann::json curve;
  weights.info.span_threshold = choose_span_threshold(dev, dev_probs, curve, best_f1);
  report = {{"posts", posts.size()},
            {"skipped_rows", skipped},
            {"train_tokens", data.index.size()},
            {"dev_posts", dev.size()},
            {"threshold", weights.info.span_threshold},
            {"dev_span_f1", best_f1},
            {"epoch_loss", head.epoch_loss},
            {"threshold_curve", curve}};
}

}  // namespace comity
