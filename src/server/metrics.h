// Prometheus metrics for /metrics: requests by route and status, latency, comments
// scored and the distribution of scores per attribute (to spot drift).
#pragma once
#include <array>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "comity/attributes.h"

namespace comity::server {

class ServerMetrics {
 public:
  ServerMetrics();
  void observe_request(std::string_view route, int status, double seconds);
  void observe_scores(const AttributeScores& scores);
  void observe_reload(bool ok);
  void set_model_version(std::string version);
  // Prometheus text exposition format 0.0.4.
  std::string render() const;

 private:
  struct Histogram {
    std::vector<std::uint64_t> counts;  // one per bucket bound, not cumulative
    std::uint64_t count = 0;
    double sum = 0;
  };
  static void observe(Histogram& histogram, const std::vector<double>& bounds, double value);

  mutable std::mutex mutex_;
  std::vector<double> latency_bounds_, score_bounds_;
  std::map<std::pair<std::string, int>, std::uint64_t> requests_;
  std::map<std::string, Histogram> latency_;
  std::array<Histogram, kNumAttributes> scores_;
  std::uint64_t comments_scored_ = 0;
  std::uint64_t reloads_ok_ = 0, reloads_failed_ = 0;
  std::string model_version_;
};

}  // namespace comity::server
