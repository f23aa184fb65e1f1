// Calibration: applying a monotone piecewise-linear map, and fitting one by
// isotonic regression (pool-adjacent-violators) on held-out scores.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <numeric>
#include <queue>
#include <stdexcept>
#include <tuple>

#include "comity/calibration_fit.h"
#include "comity/model.h"

namespace comity {

float Calibration::apply(float raw) const {
  const std::size_t n = std::min(x.size(), y.size());
  if (n == 0 || std::isnan(raw)) return raw;
  if (raw <= x[0]) return y[0];
  if (raw >= x[n - 1]) return y[n - 1];
  // First knot strictly right of raw; raw lies in [x[i-1], x[i]).
  const std::size_t i = static_cast<std::size_t>(
      std::upper_bound(x.begin(), x.begin() + static_cast<std::ptrdiff_t>(n), raw) - x.begin());
  const float dx = x[i] - x[i - 1];
  if (!(dx > 0.f)) return y[i];  // hand-built knots that are not increasing
  const float t = (raw - x[i - 1]) / dx;
  return y[i - 1] + t * (y[i] - y[i - 1]);
}

namespace {

// A run of consecutive (by raw score) examples sharing one fitted value.
struct Block {
  double sum = 0;     // sum of targets
  double weight = 0;  // number of examples
  float lo = 0, hi = 0;
  double mean() const { return sum / weight; }
};

std::vector<Block> pool_adjacent_violators(const std::vector<float>& raw,
                                           const std::vector<float>& target) {
  std::vector<std::size_t> order(raw.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return raw[a] < raw[b]; });
  std::vector<Block> blocks;
  blocks.reserve(raw.size());
  for (std::size_t idx : order) {
    const float r = raw[idx];
    if (!blocks.empty() && blocks.back().hi == r) {
      // Equal scores are indistinguishable to the map, so they must share a value.
      blocks.back().sum += target[idx];
      blocks.back().weight += 1;
    } else {
      blocks.push_back({target[idx], 1, r, r});
    }
    // Pooling equal means too keeps flat runs as one block (fewer knots, same map).
    while (blocks.size() >= 2 && blocks[blocks.size() - 2].mean() >= blocks.back().mean()) {
      const Block last = blocks.back();
      blocks.pop_back();
      blocks.back().sum += last.sum;
      blocks.back().weight += last.weight;
      blocks.back().hi = last.hi;
    }
  }
  return blocks;
}

// Area of the triangle a knot forms with its neighbours: the change in the
// curve's integral if that knot is dropped.
double triangle_area(const Calibration& c, std::size_t p, std::size_t i, std::size_t q) {
  const double ax = double{c.x[q]} - c.x[p], ay = double{c.y[q]} - c.y[p];
  const double bx = double{c.x[i]} - c.x[p], by = double{c.y[i]} - c.y[p];
  return 0.5 * std::fabs(ax * by - bx * ay);
}

// Visvalingam-style simplification; a subset of a monotone knot list stays monotone.
void drop_knots(Calibration& c, std::size_t max_knots) {
  const std::size_t n = c.x.size();
  if (n <= max_knots) return;
  std::vector<std::size_t> prev(n), next(n);
  std::vector<std::uint32_t> version(n, 0);
  std::vector<bool> alive(n, true);
  for (std::size_t i = 0; i < n; ++i) {
    prev[i] = i - 1;  // wraps for i == 0; never read for end knots
    next[i] = i + 1;
  }
  using Entry = std::tuple<double, std::size_t, std::uint32_t>;  // area, knot, version
  std::priority_queue<Entry, std::vector<Entry>, std::greater<>> heap;
  for (std::size_t i = 1; i + 1 < n; ++i) heap.emplace(triangle_area(c, i - 1, i, i + 1), i, 0);
  std::size_t remaining = n;
  while (remaining > max_knots && !heap.empty()) {
    const auto [area, i, ver] = heap.top();
    heap.pop();
    if (!alive[i] || ver != version[i]) continue;  // stale entry
    alive[i] = false;
    --remaining;
    const std::size_t p = prev[i], q = next[i];
    next[p] = q;
    prev[q] = p;
    if (p != 0) heap.emplace(triangle_area(c, prev[p], p, q), p, ++version[p]);
    if (q != n - 1) heap.emplace(triangle_area(c, p, q, next[q]), q, ++version[q]);
  }
  Calibration kept;
  for (std::size_t i = 0; i < n; ++i) {
    if (!alive[i]) continue;
    kept.x.push_back(c.x[i]);
    kept.y.push_back(c.y[i]);
  }
  c = std::move(kept);
}

}  // namespace

Calibration fit_isotonic_calibration(const std::vector<float>& raw,
                                     const std::vector<float>& target, std::size_t max_knots) {
  if (raw.size() != target.size()) {
    throw std::invalid_argument("isotonic calibration: raw and target sizes differ");
  }
  if (max_knots < 2) throw std::invalid_argument("isotonic calibration: max_knots must be >= 2");
  for (std::size_t i = 0; i < raw.size(); ++i) {
    if (!std::isfinite(raw[i])) {
      throw std::invalid_argument("isotonic calibration: raw score is not finite");
    }
    if (!(target[i] >= 0.f && target[i] <= 1.f)) {
      throw std::invalid_argument("isotonic calibration: target outside [0, 1]");
    }
  }
  Calibration c;
  if (raw.empty()) return c;
  for (const Block& b : pool_adjacent_violators(raw, target)) {
    const float v = std::clamp(static_cast<float>(b.mean()), 0.f, 1.f);
    c.x.push_back(b.lo);
    c.y.push_back(v);
    if (b.hi > b.lo) {
      c.x.push_back(b.hi);
      c.y.push_back(v);
    }
  }
  drop_knots(c, max_knots);
  return c;
}

}  // namespace comity
