// SemEval-2021 Task 5 (toxic spans) character-offset F1.
#include <algorithm>
#include <limits>
#include <stdexcept>
#include <string>

#include "comity/metrics.h"

namespace comity {

double span_f1(const std::set<std::uint32_t>& predicted, const std::set<std::uint32_t>& gold) {
  // The task scores a post with no toxic span as perfect only when nothing is predicted.
  if (predicted.empty() && gold.empty()) return 1.0;
  if (predicted.empty() || gold.empty()) return 0.0;
  std::size_t overlap = 0;
  // Both sets are ordered: a merge walk counts the intersection in linear time.
  auto p = predicted.begin();
  auto g = gold.begin();
  while (p != predicted.end() && g != gold.end()) {
    if (*p < *g) {
      ++p;
    } else if (*g < *p) {
      ++g;
    } else {
      ++overlap;
      ++p;
      ++g;
    }
  }
  if (overlap == 0) return 0.0;
  const double precision = static_cast<double>(overlap) / static_cast<double>(predicted.size());
  const double recall = static_cast<double>(overlap) / static_cast<double>(gold.size());
  return 2 * precision * recall / (precision + recall);
}

double mean_span_f1(const std::vector<std::set<std::uint32_t>>& predicted,
                    const std::vector<std::set<std::uint32_t>>& gold) {
  if (predicted.size() != gold.size()) {
    throw std::invalid_argument("mean_span_f1: " + std::to_string(predicted.size()) +
                                " predictions for " + std::to_string(gold.size()) + " posts");
  }
  if (gold.empty()) return std::numeric_limits<double>::quiet_NaN();
  double sum = 0;
  for (std::size_t i = 0; i < gold.size(); ++i) sum += span_f1(predicted[i], gold[i]);
  return sum / static_cast<double>(gold.size());
}

}  // namespace comity
