#include "train/small_logistic.h"

#include <algorithm>
#include <cmath>

namespace comity {

SmallLogistic fit_small_logistic(const std::vector<double>& x, const std::vector<double>& target,
                                 std::size_t inputs, const SmallLogistic& start) {
  const std::size_t n = target.size(), k = inputs + 1;  // the last parameter is the bias
  std::array<double, kMaxSmallInputs + 1> p{};
  for (std::size_t i = 0; i < inputs; ++i) p[i] = start.weight[i];
  p[inputs] = start.bias;
  auto z_of = [&](const std::array<double, kMaxSmallInputs + 1>& q, std::size_t r) {
    double z = q[inputs];
    for (std::size_t i = 0; i < inputs; ++i) z += q[i] * x[r * inputs + i];
    return z;
  };
  auto loss_of = [&](const std::array<double, kMaxSmallInputs + 1>& q) {
    double total = 0;
    for (std::size_t r = 0; r < n; ++r) {
      const double s = std::clamp(1 / (1 + std::exp(-z_of(q, r))), 1e-9, 1 - 1e-9);
      total += -(target[r] * std::log(s) + (1 - target[r]) * std::log(1 - s));
    }
    return total;
  };
  double loss = n ? loss_of(p) : 0;
  for (int iter = 0; iter < 30 && n > 0; ++iter) {
    double g[kMaxSmallInputs + 1] = {}, h[kMaxSmallInputs + 1][kMaxSmallInputs + 2] = {};
    for (std::size_t r = 0; r < n; ++r) {
      const double s = 1 / (1 + std::exp(-z_of(p, r)));
      for (std::size_t i = 0; i < k; ++i) {
        const double xi = i < inputs ? x[r * inputs + i] : 1.0;
        g[i] += (s - target[r]) * xi;
        for (std::size_t j = 0; j < k; ++j) {
          const double xj = j < inputs ? x[r * inputs + j] : 1.0;
          h[i][j] += s * (1 - s) * xi * xj;
        }
      }
    }
    // Solve (H + ridge) d = g by Gaussian elimination with the gradient as last column.
    for (std::size_t i = 0; i < k; ++i) {
      h[i][i] += 1e-6 * static_cast<double>(n);
      h[i][k] = g[i];
    }
    for (std::size_t c = 0; c < k; ++c) {
      for (std::size_t r = c + 1; r < k; ++r) {
        const double f = h[r][c] / h[c][c];
        for (std::size_t j = c; j <= k; ++j) h[r][j] -= f * h[c][j];
      }
    }
    double d[kMaxSmallInputs + 1] = {};
    for (std::size_t r = k; r-- > 0;) {
      double v = h[r][k];
      for (std::size_t j = r + 1; j < k; ++j) v -= h[r][j] * d[j];
      d[r] = v / h[r][r];
    }
    // Damped: halve the step until the loss falls (inputs can be large logits).
    bool improved = false;
    for (double step = 1; step > 1e-4 && !improved; step /= 2) {
      auto trial = p;
      for (std::size_t i = 0; i < k; ++i) trial[i] -= step * d[i];
      const double trial_loss = loss_of(trial);
      if (std::isfinite(trial_loss) && trial_loss < loss) {
        p = trial;
        loss = trial_loss;
        improved = true;
      }
    }
    if (!improved) break;
  }
  SmallLogistic out;
  for (std::size_t i = 0; i < inputs; ++i) out.weight[i] = p[i];
  out.bias = p[inputs];
  out.rows = n;
  out.loss = n ? loss / static_cast<double>(n) : 0;
  return out;
}

}  // namespace comity
