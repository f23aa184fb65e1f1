#include "train/contextual_trainer.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <thread>

#include "comity/linear_model.h"
#include "comity/metrics.h"
#include "common/splitmix.h"
#include "train/small_logistic.h"
#include "train/span_labels.h"

namespace comity {
namespace {

using Clock = std::chrono::steady_clock;

// A seeded splitmix64 stream with the uniform draw the initialisation needs.
struct Rng {
  std::uint64_t state;
  std::uint64_t next() { return splitmix64(state); }
  float uniform(float limit) {  // in [-limit, limit)
    const double u = static_cast<double>(next() >> 11) * 0x1.0p-53;
    return static_cast<float>((2 * u - 1) * limit);
  }
};

// Embeds tokens with the float table: each token is the mean of its bucket rows.
void embed(const ContextualWeights& w, const TokenBuckets& tb, ContextualActivations& act) {
  const std::uint32_t D = w.shape.dim;
  prepare_activations(w.shape, tb.tokens(), act);
  for (std::uint32_t t = 0; t < tb.tokens(); ++t) {
    float* e = act.embedded.data() + std::size_t{t + 1} * D;
    const std::uint32_t from = tb.offsets[t], to = tb.offsets[t + 1];
    const float inv = 1.f / static_cast<float>(to - from);
    for (std::uint32_t i = from; i < to; ++i) {
      const float* row = w.embeddings.data() + std::size_t{tb.buckets[i]} * D;
      for (std::uint32_t k = 0; k < D; ++k) e[k] += inv * row[k];
    }
  }
}

// One thread's share of a mini-batch: its own gradients and scratch.
struct Slice {
  std::vector<float> conv, conv_bias, out, out_bias;
  std::vector<std::uint32_t> rows;  // embedding rows touched, in order
  std::vector<float> row_grads;     // [rows.size()][dim]
  double loss = 0, weight = 0;
  ContextualActivations act;
  std::vector<float> d_embedded, dpooled, da;

  void reset(const ContextualShape& s) {
    conv.assign(std::size_t{s.conv_inputs()} * s.hidden, 0.f);
    conv_bias.assign(s.hidden, 0.f);
    out.assign(std::size_t{s.pooled()} * kNumAttributes, 0.f);
    out_bias.assign(kNumAttributes, 0.f);
    rows.clear();
    row_grads.clear();
    loss = weight = 0;
  }
};

// Forward and backward of one example into `s`.
void learn(const ContextualWeights& w, const std::vector<float>& conv_t, const TokenBuckets& tb,
           const LabelledText& ex, float weight, const ContextualParams& params, Slice& s) {
  const float logit_weight = params.logit_weight;
  const ContextualShape& shape = w.shape;
  const std::uint32_t H = shape.hidden, D = shape.dim, K = shape.conv_inputs(), P = shape.pooled();
  embed(w, tb, s.act);
  convolve_and_pool(shape, w.dense, s.act);
  const std::uint32_t T = s.act.tokens;

  float g[kNumAttributes] = {};
  bool any = false;
  for (std::size_t a = 0; a < kNumAttributes; ++a) {
    if (!(ex.mask >> a & 1u)) continue;
    const bool soft = ex.soft >> a & 1u;
    const float y_ref = ex.target[a];
    const float y =
        soft ? (1 - params.sharpen) * y_ref + params.sharpen * (y_ref >= 0.5f ? 1.f : 0.f) : y_ref;
    const float l = s.act.logits[a], p = sigmoid(l);
    const double pc = std::clamp(double{p}, 1e-7, 1 - 1e-7);
    s.loss += weight * -(y * std::log(pc) + (1 - y) * std::log(1 - pc));
    g[a] = weight * (p - y);
    if (logit_weight > 0 && soft) {
      const float yc = std::clamp(y_ref, 0.01f, 0.99f), target_logit = std::log(yc / (1 - yc));
      const float diff = l - target_logit;
      s.loss += weight * logit_weight * diff * diff;
      g[a] += weight * logit_weight * 2.f * diff;
    }
    any = true;
  }
  s.weight += weight;
  if (!any) return;

  s.dpooled.assign(P, 0.f);
  for (std::uint32_t i = 0; i < P; ++i) {
    const float p = s.act.pooled[i];
    float* go = s.out.data() + std::size_t{i} * kNumAttributes;
    const float* wo = w.dense.out.data() + std::size_t{i} * kNumAttributes;
    float d = 0.f;
    for (std::size_t a = 0; a < kNumAttributes; ++a) {
      go[a] += p * g[a];
      d += wo[a] * g[a];
    }
    s.dpooled[i] = d;
  }
  for (std::size_t a = 0; a < kNumAttributes; ++a) s.out_bias[a] += g[a];
  if (T == 0) return;

  const float inv_t = 1.f / static_cast<float>(T);
  s.d_embedded.assign(std::size_t{T + 2} * D, 0.f);
  s.da.resize(H);
  for (std::uint32_t t = 0; t < T; ++t) {
    const float* h = s.act.hidden.data() + std::size_t{t} * H;
    bool live = false;
    for (std::uint32_t j = 0; j < H; ++j) {
      float dh = s.dpooled[H + j] * inv_t;
      if (s.act.argmax[j] == t) dh += s.dpooled[j];
      s.da[j] = h[j] > 0.f ? dh : 0.f;
      live |= s.da[j] != 0.f;
    }
    if (!live) continue;
    const float* x = s.act.embedded.data() + std::size_t{t} * D;
    for (std::uint32_t k = 0; k < K; ++k) {
      const float xk = x[k];
      if (xk == 0.f) continue;
      float* gc = s.conv.data() + std::size_t{k} * H;
      for (std::uint32_t j = 0; j < H; ++j) gc[j] += xk * s.da[j];
    }
    for (std::uint32_t j = 0; j < H; ++j) s.conv_bias[j] += s.da[j];
    float* dx = s.d_embedded.data() + std::size_t{t} * D;  // rows t..t+2 = the window
    for (std::uint32_t j = 0; j < H; ++j) {
      const float d = s.da[j];
      if (d == 0.f) continue;
      const float* wt = conv_t.data() + std::size_t{j} * K;
      for (std::uint32_t k = 0; k < K; ++k) dx[k] += d * wt[k];
    }
  }
  for (std::uint32_t t = 0; t < T; ++t) {
    const float* de = s.d_embedded.data() + std::size_t{t + 1} * D;
    const std::uint32_t from = tb.offsets[t], to = tb.offsets[t + 1];
    const float inv = 1.f / static_cast<float>(to - from);
    for (std::uint32_t i = from; i < to; ++i) {
      s.rows.push_back(tb.buckets[i]);
      for (std::uint32_t k = 0; k < D; ++k) s.row_grads.push_back(de[k] * inv);
    }
  }
}

struct Adam {
  std::vector<float> m, v;
  void step(std::vector<float>& w, const std::vector<float>& g, float lr, int t, float scale) {
    constexpr float b1 = 0.9f, b2 = 0.999f, eps = 1e-8f;
    if (m.empty()) m.assign(w.size(), 0.f), v.assign(w.size(), 0.f);
    const float c1 = 1.f - std::pow(b1, static_cast<float>(t));
    const float c2 = 1.f - std::pow(b2, static_cast<float>(t));
    for (std::size_t i = 0; i < w.size(); ++i) {
      const float gi = g[i] * scale;
      m[i] = b1 * m[i] + (1 - b1) * gi;
      v[i] = b2 * v[i] + (1 - b2) * gi * gi;
      w[i] -= lr * (m[i] / c1) / (std::sqrt(v[i] / c2) + eps);
    }
  }
};

void transpose_conv(const ContextualShape& s, const std::vector<float>& conv,
                    std::vector<float>& conv_t) {
  const std::uint32_t K = s.conv_inputs(), H = s.hidden;
  conv_t.resize(conv.size());
  for (std::uint32_t k = 0; k < K; ++k) {
    for (std::uint32_t j = 0; j < H; ++j)
      conv_t[std::size_t{j} * K + k] = conv[std::size_t{k} * H + j];
  }
}

ContextualWeights initial_weights(const ContextualShape& s, std::uint64_t seed) {
  ContextualWeights w;
  w.shape = s;
  Rng rng{seed};
  const std::size_t rows = std::size_t{1} << s.hash_bits;
  w.embeddings.resize(rows * s.dim);
  const float emb_limit = 1.f / static_cast<float>(s.dim);
  for (float& x : w.embeddings) x = rng.uniform(emb_limit);
  w.dense.conv.resize(std::size_t{s.conv_inputs()} * s.hidden);
  // He-uniform for the ReLU layer; the embeddings are small, so the scale matters.
  const float conv_limit = std::sqrt(6.f / static_cast<float>(s.conv_inputs())) * 4.f;
  for (float& x : w.dense.conv) x = rng.uniform(conv_limit);
  w.dense.conv_bias.assign(s.hidden, 0.01f);
  w.dense.out.resize(std::size_t{s.pooled()} * kNumAttributes);
  const float out_limit = std::sqrt(6.f / static_cast<float>(s.pooled() + kNumAttributes));
  for (float& x : w.dense.out) x = rng.uniform(out_limit);
  w.dense.out_bias.assign(kNumAttributes, -2.f);  // most comments are harmless
  w.dense.span.assign(s.hidden, 0.f);
  return w;
}

}  // namespace

ContextualWeights train_contextual_network(const ContextualParams& params,
                                           const ContextualTrainInput& input, std::uint64_t seed,
                                           int threads, const ContextualProgress& progress,
                                           nlohmann::json& report) {
  const auto t0 = Clock::now();
  const ContextualShape& shape = params.shape;
  const std::vector<LabelledText>& examples = *input.examples;
  const std::size_t n = input.train_ids.size();

  // Tokens and buckets once, in parallel chunks written by index.
  std::vector<TokenBuckets> encoded(n);
  {
    std::vector<std::thread> pool;
    for (int k = 0; k < threads; ++k) {
      pool.emplace_back([&, k] {
        for (std::size_t i = static_cast<std::size_t>(k); i < n;
             i += static_cast<std::size_t>(threads)) {
          token_buckets(
              normalize(examples[input.train_ids[i]].text, examples[input.train_ids[i]].profile()),
              shape, encoded[i], 0, UINT32_MAX, params.max_tokens);
        }
      });
    }
    for (auto& t : pool) t.join();
  }
  const auto t_encoded = Clock::now();

  ContextualWeights w = initial_weights(shape, seed);
  std::vector<float> conv_t;
  transpose_conv(shape, w.dense.conv, conv_t);
  std::vector<float> row_acc(std::size_t{1} << shape.hash_bits, 0.f);
  Adam adam_conv, adam_conv_bias, adam_out, adam_out_bias;
  std::vector<Slice> slices(static_cast<std::size_t>(threads));
  std::vector<std::uint32_t> order(n);
  for (std::size_t i = 0; i < n; ++i) order[i] = static_cast<std::uint32_t>(i);
  Rng shuffle_rng{seed ^ 0x5348554646ULL};
  const std::size_t batches = (n + params.batch - 1) / params.batch;
  int step = 0;
  nlohmann::json epoch_loss = nlohmann::json::array();
  const std::uint32_t D = shape.dim;

  for (int epoch = 0; epoch < params.epochs; ++epoch) {
    for (std::size_t i = n; i > 1; --i) {  // Fisher-Yates with our own stream
      std::swap(order[i - 1], order[shuffle_rng.next() % i]);
    }
    double loss = 0, weight = 0;
    for (std::size_t b = 0; b < batches; ++b) {
      const std::size_t begin = b * params.batch, end = std::min(n, begin + params.batch);
      const std::size_t per = (end - begin + slices.size() - 1) / slices.size();
      auto run = [&](std::size_t k) {
        Slice& s = slices[k];
        s.reset(shape);
        for (std::size_t i = begin + k * per; i < std::min(end, begin + (k + 1) * per); ++i) {
          const std::uint32_t id = order[i];
          learn(w, conv_t, encoded[id], examples[input.train_ids[id]], input.weight[id], params, s);
        }
      };
      std::vector<std::thread> pool;
      for (std::size_t k = 1; k < slices.size(); ++k) pool.emplace_back(run, k);
      run(0);
      for (auto& t : pool) t.join();

      // Apply in slice order: dense gradients summed, embedding rows one after another.
      Slice& total = slices[0];
      for (std::size_t k = 1; k < slices.size(); ++k) {
        const Slice& s = slices[k];
        for (std::size_t i = 0; i < total.conv.size(); ++i) total.conv[i] += s.conv[i];
        for (std::size_t i = 0; i < total.conv_bias.size(); ++i)
          total.conv_bias[i] += s.conv_bias[i];
        for (std::size_t i = 0; i < total.out.size(); ++i) total.out[i] += s.out[i];
        for (std::size_t i = 0; i < total.out_bias.size(); ++i) total.out_bias[i] += s.out_bias[i];
      }
      const float scale = 1.f / static_cast<float>(end - begin);
      ++step;
      adam_conv.step(w.dense.conv, total.conv, params.dense_learning_rate, step, scale);
      adam_conv_bias.step(w.dense.conv_bias, total.conv_bias, params.dense_learning_rate, step,
                          scale);
      adam_out.step(w.dense.out, total.out, params.dense_learning_rate, step, scale);
      adam_out_bias.step(w.dense.out_bias, total.out_bias, params.dense_learning_rate, step, scale);
      transpose_conv(shape, w.dense.conv, conv_t);
      for (const Slice& s : slices) {
        for (std::size_t r = 0; r < s.rows.size(); ++r) {
          const float* g = s.row_grads.data() + r * D;
          float sq = 0.f;
          for (std::uint32_t k = 0; k < D; ++k) sq += g[k] * g[k];
          float& acc = row_acc[s.rows[r]];
          acc += sq / static_cast<float>(D);
          const float lr = params.embedding_learning_rate / (std::sqrt(acc) + 1e-6f);
          float* row = w.embeddings.data() + std::size_t{s.rows[r]} * D;
          for (std::uint32_t k = 0; k < D; ++k) row[k] -= lr * g[k];
        }
        loss += s.loss;
        weight += s.weight;
      }
      if (progress && (b % 256 == 0 || b + 1 == batches)) {
        progress(
            "contextual epoch " + std::to_string(epoch + 1) + "/" + std::to_string(params.epochs),
            b + 1, batches);
      }
    }
    epoch_loss.push_back(weight > 0 ? loss / weight : 0.0);
  }
  auto secs = [](auto a, auto b) { return std::chrono::duration<double>(b - a).count(); };
  report = {
      {"train_examples", n},
      {"epoch_loss", epoch_loss},
      {"seconds", {{"encode", secs(t0, t_encoded)}, {"train", secs(t_encoded, Clock::now())}}}};
  return w;
}

float train_contextual_span_head(const Recipe& recipe, const std::string& data_dir,
                                 ContextualModelWeights& model, nlohmann::json& report) {
  std::size_t skipped = 0;
  const std::vector<SpanPost> posts = read_span_posts(recipe, data_dir, skipped);
  if (posts.empty()) {
    report = {{"skipped", "no span data"}};
    return 0.5f;
  }
  ContextualWeights& w = model.network;
  const ContextualShape& shape = w.shape;
  const std::uint32_t H = shape.hidden;
  // Hidden vectors of every token, computed once: the encoder is frozen here.
  std::vector<float> features;  // [token][H]
  std::vector<float> labels;
  std::vector<std::uint64_t> first;  // per post, its first token
  // The network's head reads each token's hidden vector and is trained on the train
  // posts. In an ensemble it is then mixed with the linear part's token head by a
  // three-parameter fit on the dev posts: the linear head has seen the train posts, so
  // mixing on them would trust it far too much (measured: dev span F1 0.55 vs 0.61).
  ContextualActivations act;
  TokenBuckets tb;
  for (const SpanPost& p : posts) {
    first.push_back(labels.size());
    token_buckets(p.normalized, shape, tb);
    embed(w, tb, act);
    convolve_and_pool(shape, w.dense, act);
    features.insert(features.end(), act.hidden.begin(), act.hidden.end());
    labels.insert(labels.end(), p.labels.begin(), p.labels.end());
  }
  first.push_back(labels.size());

  std::vector<float> span(H, 0.f), grad(H);
  float bias = 0.f;
  Adam adam, adam_bias;
  std::vector<float> bias_v(1, 0.f), bias_g(1);
  std::vector<std::uint64_t> train_tokens;
  for (std::size_t i = 0; i < posts.size(); ++i) {
    if (posts[i].split != Split::kTrain) continue;
    for (std::uint64_t t = first[i]; t < first[i + 1]; ++t) train_tokens.push_back(t);
  }
  Rng rng{recipe.training.seed ^ 0x5350414eULL};
  nlohmann::json epoch_loss = nlohmann::json::array();
  int step = 0;
  const std::size_t batch = 256;
  for (int epoch = 0; epoch < recipe.contextual.span_epochs; ++epoch) {
    for (std::size_t i = train_tokens.size(); i > 1; --i) {
      std::swap(train_tokens[i - 1], train_tokens[rng.next() % i]);
    }
    double loss = 0;
    for (std::size_t b = 0; b < train_tokens.size(); b += batch) {
      std::fill(grad.begin(), grad.end(), 0.f);
      bias_g[0] = 0.f;
      const std::size_t end = std::min(train_tokens.size(), b + batch);
      for (std::size_t i = b; i < end; ++i) {
        const float* x = features.data() + train_tokens[i] * H;
        float z = bias;
        for (std::uint32_t j = 0; j < H; ++j) z += x[j] * span[j];
        const float p = sigmoid(z), y = labels[train_tokens[i]];
        const double pc = std::clamp(double{p}, 1e-7, 1 - 1e-7);
        loss += -(y * std::log(pc) + (1 - y) * std::log(1 - pc));
        for (std::uint32_t j = 0; j < H; ++j) grad[j] += (p - y) * x[j];
        bias_g[0] += p - y;
      }
      ++step;
      const float scale = 1.f / static_cast<float>(end - b);
      adam.step(span, grad, recipe.contextual.span_learning_rate, step, scale);
      bias_v[0] = bias;
      adam_bias.step(bias_v, bias_g, recipe.contextual.span_learning_rate, step, scale);
      bias = bias_v[0];
    }
    epoch_loss.push_back(train_tokens.empty() ? 0.0
                                              : loss / static_cast<double>(train_tokens.size()));
  }
  w.dense.span = span;
  w.dense.span_bias = bias;
  w.dense.span_linear = 0.f;

  nlohmann::json mix;
  if (model.linear) {
    const auto linear = LinearModel::from_weights(*model.linear);
    std::vector<double> x, target;
    std::vector<TokenScore> linear_tokens;
    for (std::size_t i = 0; i < posts.size(); ++i) {
      if (posts[i].split != Split::kDev) continue;
      linear->token_evidence(posts[i].normalized, linear_tokens);
      for (std::uint64_t t = first[i]; t < first[i + 1]; ++t) {
        const float* h = features.data() + t * H;
        double z = bias;
        for (std::uint32_t j = 0; j < H; ++j) z += double{h[j]} * span[j];
        const double q = std::clamp(double{linear_tokens[t - first[i]].toxic_span}, 1e-6, 1 - 1e-6);
        x.push_back(z);
        x.push_back(std::log(q / (1 - q)));
        target.push_back(labels[t]);
      }
    }
    SmallLogistic start;
    start.weight = {1, 0, 0, 0};
    const SmallLogistic fit = fit_small_logistic(x, target, 2, start);
    for (float& v : w.dense.span) v = static_cast<float>(v * fit.weight[0]);
    w.dense.span_bias = static_cast<float>(w.dense.span_bias * fit.weight[0] + fit.bias);
    w.dense.span_linear = static_cast<float>(fit.weight[1]);
    mix = {{"network_weight", fit.weight[0]},
           {"linear_weight", fit.weight[1]},
           {"bias", fit.bias},
           {"dev_tokens", fit.rows}};
  }

  // The threshold is chosen on the dev posts with the int8 model exactly as served.
  const auto served = ContextualModel::from_weights(model, Kernel::kPortable);
  std::vector<const SpanPost*> dev;
  std::vector<std::vector<float>> dev_probs;
  std::vector<TokenScore> tokens;
  for (const SpanPost& p : posts) {
    if (p.split != Split::kDev) continue;
    served->token_evidence(p.normalized, tokens);
    std::vector<float> probs;
    for (const TokenScore& t : tokens) probs.push_back(t.toxic_span);
    dev.push_back(&p);
    dev_probs.push_back(std::move(probs));
  }
  double best_f1 = -1;
  nlohmann::json curve;
  const float threshold = choose_span_threshold(dev, dev_probs, curve, best_f1);
  report = {
      {"posts", posts.size()},    {"skipped_rows", skipped}, {"train_tokens", train_tokens.size()},
      {"dev_posts", dev.size()},  {"threshold", threshold},  {"dev_span_f1", best_f1},
      {"epoch_loss", epoch_loss}, {"mix_with_linear", mix},  {"threshold_curve", curve}};
  return threshold;
}

}  // namespace comity
