#include <algorithm>
#include <cmath>
#include <random>

#include "train/example_set.h"

namespace comity {
namespace {

// Fisher-Yates with our own index draw: std::shuffle's algorithm is unspecified,
// and the model bytes must not depend on the standard library's choice.
void shuffle(std::vector<std::uint32_t>& order, std::mt19937_64& rng) {
  for (std::size_t i = order.size(); i > 1; --i) {
    const std::size_t j = static_cast<std::size_t>(rng() % i);
    std::swap(order[i - 1], order[j]);
  }
}

}  // namespace

HeadWeights train_logistic_head(const HeadData& data, const HeadParams& params) {
  HeadWeights out;
  out.w.assign(params.buckets, 0.f);
  std::vector<float> g2(params.buckets, 1e-6f);
  double bias_g2 = 1e-6;

  // Start the bias at the prior's log-odds so early epochs learn words, not the base rate.
  double mean = 0, wsum = 0;
  for (std::size_t i = 0; i < data.target.size(); ++i) {
    mean += double{data.target[i]} * data.weight[i];
    wsum += data.weight[i];
  }
  mean = wsum > 0 ? std::clamp(mean / wsum, 1e-4, 1 - 1e-4) : 0.5;
  out.bias = static_cast<float>(std::log(mean / (1 - mean)));

  std::vector<std::uint32_t> order(data.index.size());
  for (std::uint32_t i = 0; i < order.size(); ++i) order[i] = i;
  // Log-odds regression: Perspective's low scores differ by little in probability
  // (0.01 vs 0.05) but a lot in log-odds, and those differences decide the ranking.
  std::vector<float> logit_target;
  std::vector<std::uint8_t> regress(data.target.size(), params.loss == HeadLoss::kLogitSquared);
  if (params.loss == HeadLoss::kMixed) regress = data.soft;
  for (float y : data.target) {
    const float c = std::clamp(y, 0.005f, 0.995f);
    logit_target.push_back(std::log(c / (1 - c)));
  }
  std::mt19937_64 rng(params.seed);
  const SparseRows& rows = *data.rows;
  for (int epoch = 0; epoch < params.epochs; ++epoch) {
    shuffle(order, rng);
    double loss = 0;
    for (std::uint32_t k : order) {
      const std::uint32_t row = data.index[k];
      const std::uint64_t b = rows.offsets[row], e = rows.offsets[row + 1];
      float z = out.bias;
      for (std::uint64_t j = b; j < e; ++j) z += rows.values[j] * out.w[rows.buckets[j]];
      const float wt = data.weight[k];
      float g = 0.f;
      if (params.loss != HeadLoss::kLogitSquared) {
        const float p = 1.f / (1.f + std::exp(-z));
        const float y = data.target[k];
        loss -=
            wt * (y * std::log(std::max(p, 1e-7f)) + (1 - y) * std::log(std::max(1 - p, 1e-7f)));
        g += (p - y) * wt;
      }
      if (regress[k]) {
        const float lambda = params.loss == HeadLoss::kLogitSquared ? 1.f : params.logit_weight;
        const float d = z - logit_target[k];
        loss += lambda * wt * 0.5 * d * d;
        g += lambda * d * wt;
      }
      for (std::uint64_t j = b; j < e; ++j) {
        const std::uint32_t bucket = rows.buckets[j];
        const float grad = g * rows.values[j] + params.l2 * out.w[bucket];
        g2[bucket] += grad * grad;
        out.w[bucket] -= params.learning_rate * grad / std::sqrt(g2[bucket]);
      }
      bias_g2 += double{g} * g;
      out.bias -= static_cast<float>(params.learning_rate * g / std::sqrt(bias_g2));
    }
    out.epoch_loss.push_back(wsum > 0 ? loss / wsum : 0);
  }
  return out;
}

}  // namespace comity
