// Ranking, correlation, calibration and thresholded classification metrics.
#include "comity/metrics.h"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <numeric>
#include <stdexcept>
#include <string>

namespace comity {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

void require_same_size(std::size_t a, std::size_t b, const char* metric) {
  if (a != b) {
    throw std::invalid_argument(std::string(metric) + ": inputs differ in length (" +
                                std::to_string(a) + " vs " + std::to_string(b) + ")");
  }
}

bool any_nan(const std::vector<float>& values) {
  return std::any_of(values.begin(), values.end(), [](float v) { return std::isnan(v); });
}

// 1-based ranks in ascending order of `values`; tied values share their mean rank.
// Callers exclude NaN first: NaN breaks the strict weak ordering sort relies on.
std::vector<double> average_ranks(const std::vector<float>& values) {
  std::vector<std::size_t> order(values.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::sort(order.begin(), order.end(),
            [&](std::size_t x, std::size_t y) { return values[x] < values[y]; });
  std::vector<double> ranks(values.size());
  for (std::size_t start = 0; start < order.size();) {
    std::size_t end = start + 1;
    while (end < order.size() && values[order[end]] == values[order[start]]) ++end;
    // Positions start..end-1 (0-based) hold ranks start+1..end; their mean:
    const double mean_rank = (static_cast<double>(start + 1) + static_cast<double>(end)) / 2.0;
    for (std::size_t k = start; k < end; ++k) ranks[order[k]] = mean_rank;
    start = end;
  }
  return ranks;
}

double pearson_of(const std::vector<double>& a, const std::vector<double>& b) {
  const std::size_t n = a.size();
  if (n < 2) return kNaN;
  // Two passes (mean first) avoid the cancellation of the sum-of-squares formula.
  const double mean_a = std::accumulate(a.begin(), a.end(), 0.0) / static_cast<double>(n);
  const double mean_b = std::accumulate(b.begin(), b.end(), 0.0) / static_cast<double>(n);
  double cov = 0, var_a = 0, var_b = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const double da = a[i] - mean_a;
    const double db = b[i] - mean_b;
    cov += da * db;
    var_a += da * da;
    var_b += db * db;
  }
  if (var_a == 0 || var_b == 0) return kNaN;
  const double r = cov / std::sqrt(var_a * var_b);
  return std::clamp(r, -1.0, 1.0);
}

// F1 from counts; 0/0 (the class never occurs and is never predicted) is undefined.
double f1_from_counts(std::int64_t tp, std::int64_t fp, std::int64_t fn) {
  const std::int64_t denominator = 2 * tp + fp + fn;
  if (denominator == 0) return kNaN;
  return 2.0 * static_cast<double>(tp) / static_cast<double>(denominator);
}

}  // namespace

double roc_auc(const std::vector<float>& scores, const std::vector<int>& labels) {
  require_same_size(scores.size(), labels.size(), "roc_auc");
  if (any_nan(scores)) return kNaN;
  const std::vector<double> ranks = average_ranks(scores);
  double positive_rank_sum = 0;
  std::int64_t positives = 0;
  for (std::size_t i = 0; i < labels.size(); ++i) {
    if (labels[i] != 0) {
      positive_rank_sum += ranks[i];
      ++positives;
    }
  }
  const std::int64_t negatives = static_cast<std::int64_t>(labels.size()) - positives;
  if (positives == 0 || negatives == 0) return kNaN;
  const double p = static_cast<double>(positives);
  // Mann-Whitney U: pairs (positive, negative) ranked correctly, ties counting half.
  const double u = positive_rank_sum - p * (p + 1) / 2.0;
  return u / (p * static_cast<double>(negatives));
}

double pr_auc(const std::vector<float>& scores, const std::vector<int>& labels) {
  require_same_size(scores.size(), labels.size(), "pr_auc");
  if (any_nan(scores)) return kNaN;
  std::vector<std::size_t> order(scores.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::sort(order.begin(), order.end(),
            [&](std::size_t x, std::size_t y) { return scores[x] > scores[y]; });
  const auto total_positives = static_cast<std::int64_t>(
      std::count_if(labels.begin(), labels.end(), [](int l) { return l != 0; }));
  if (total_positives == 0) return kNaN;  // recall is 0/0 at every threshold
  // One operating point per distinct score (every tied example enters together):
  // AP = sum over thresholds, descending, of (recall_k - recall_{k-1}) * precision_k.
  double average_precision = 0;
  std::int64_t tp = 0, predicted = 0, tp_before = 0;
  for (std::size_t start = 0; start < order.size();) {
    std::size_t end = start;
    while (end < order.size() && scores[order[end]] == scores[order[start]]) {
      tp += labels[order[end]] != 0 ? 1 : 0;
      ++predicted;
      ++end;
    }
    const double recall_gain =
        static_cast<double>(tp - tp_before) / static_cast<double>(total_positives);
    average_precision += recall_gain * static_cast<double>(tp) / static_cast<double>(predicted);
    tp_before = tp;
    start = end;
  }
  return average_precision;
}

double pearson(const std::vector<float>& a, const std::vector<float>& b) {
  require_same_size(a.size(), b.size(), "pearson");
  if (any_nan(a) || any_nan(b)) return kNaN;
  return pearson_of(std::vector<double>(a.begin(), a.end()),
                    std::vector<double>(b.begin(), b.end()));
}

double spearman(const std::vector<float>& a, const std::vector<float>& b) {
  require_same_size(a.size(), b.size(), "spearman");
  if (any_nan(a) || any_nan(b)) return kNaN;
  return pearson_of(average_ranks(a), average_ranks(b));
}

double expected_calibration_error(const std::vector<float>& predicted,
                                  const std::vector<float>& target, int bins) {
  require_same_size(predicted.size(), target.size(), "expected_calibration_error");
  if (bins <= 0) throw std::invalid_argument("expected_calibration_error: bins must be positive");
  if (predicted.empty() || any_nan(predicted) || any_nan(target)) return kNaN;
  const auto bin_count = static_cast<std::size_t>(bins);
  std::vector<double> sum_predicted(bin_count, 0.0), sum_target(bin_count, 0.0);
  std::vector<std::int64_t> count(bin_count, 0);
  for (std::size_t i = 0; i < predicted.size(); ++i) {
    // int(p * bins) in the scores' own float precision (so 0.7f lands in bin 7 of 10),
    // clamped before converting because an out-of-range float->int conversion is UB.
    const float scaled =
        std::clamp(predicted[i] * static_cast<float>(bins), 0.0f, static_cast<float>(bins - 1));
    const auto bin = static_cast<std::size_t>(scaled);
    sum_predicted[bin] += predicted[i];
    sum_target[bin] += target[i];
    ++count[bin];
  }
  double ece = 0;
  const double n = static_cast<double>(predicted.size());
  for (std::size_t b = 0; b < bin_count; ++b) {
    if (count[b] == 0) continue;
    // |mean(pred) - mean(target)| * n_bin / n == |sum(pred) - sum(target)| / n
    ece += std::abs(sum_predicted[b] - sum_target[b]) / n;
  }
  return ece;
}

double BinaryCounts::precision() const {
  if (tp + fp == 0) return kNaN;
  return static_cast<double>(tp) / static_cast<double>(tp + fp);
}

double BinaryCounts::recall() const {
  if (tp + fn == 0) return kNaN;
  return static_cast<double>(tp) / static_cast<double>(tp + fn);
}

double BinaryCounts::f1() const { return f1_from_counts(tp, fp, fn); }

BinaryCounts confusion_at(const std::vector<float>& scores, const std::vector<int>& labels,
                          float threshold) {
  require_same_size(scores.size(), labels.size(), "confusion_at");
  BinaryCounts counts;
  for (std::size_t i = 0; i < scores.size(); ++i) {
    const bool predicted_positive = scores[i] >= threshold;  // NaN scores count as negative
    const bool positive = labels[i] != 0;
    if (predicted_positive) {
      ++(positive ? counts.tp : counts.fp);
    } else {
      ++(positive ? counts.fn : counts.tn);
    }
  }
  return counts;
}

double macro_f1(const BinaryCounts& c) {
  // The negative class's F1 swaps roles: its true positives are c.tn, and
  // what the positive class calls false negatives are its false positives.
  const double positive_f1 = f1_from_counts(c.tp, c.fp, c.fn);
  const double negative_f1 = f1_from_counts(c.tn, c.fn, c.fp);
  return (positive_f1 + negative_f1) / 2.0;
}

}  // namespace comity
