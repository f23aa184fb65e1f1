#include "server/metrics.h"

#include <fmt/format.h>

namespace comity::server {
namespace {

std::string escape_label(std::string_view value) {
  std::string out;
  for (char c : value) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

}  // namespace

ServerMetrics::ServerMetrics()
    : latency_bounds_{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5},
      score_bounds_{0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0} {
  for (auto& histogram : scores_) histogram.counts.assign(score_bounds_.size(), 0);
}

void ServerMetrics::observe(Histogram& histogram, const std::vector<double>& bounds, double value) {
  if (histogram.counts.empty()) histogram.counts.assign(bounds.size(), 0);
  for (std::size_t i = 0; i < bounds.size(); ++i) {
    if (value <= bounds[i]) {
      ++histogram.counts[i];
      break;
    }
  }
  ++histogram.count;
  histogram.sum += value;
}

void ServerMetrics::observe_request(std::string_view route, int status, double seconds) {
  std::lock_guard lock(mutex_);
  ++requests_[{std::string(route), status}];
  observe(latency_[std::string(route)], latency_bounds_, seconds);
}

void ServerMetrics::observe_scores(const AttributeScores& scores) {
  std::lock_guard lock(mutex_);
  ++comments_scored_;
  for (std::size_t i = 0; i < kNumAttributes; ++i) observe(scores_[i], score_bounds_, scores[i]);
}

void ServerMetrics::observe_reload(bool ok) {
  std::lock_guard lock(mutex_);
  ++(ok ? reloads_ok_ : reloads_failed_);
}

void ServerMetrics::set_model_version(std::string version) {
  std::lock_guard lock(mutex_);
  model_version_ = std::move(version);
}

std::string ServerMetrics::render() const {
  std::lock_guard lock(mutex_);
  std::string out;
  auto histogram_lines = [&](const std::string& name, const std::string& labels,
                             const Histogram& histogram, const std::vector<double>& bounds) {
    std::uint64_t cumulative = 0;
    for (std::size_t i = 0; i < bounds.size(); ++i) {
      cumulative += histogram.counts.empty() ? 0 : histogram.counts[i];
      out += fmt::format("{}_bucket{{{}le=\"{}\"}} {}\n", name, labels, bounds[i], cumulative);
    }
    out += fmt::format("{}_bucket{{{}le=\"+Inf\"}} {}\n", name, labels, histogram.count);
    std::string plain;
    if (!labels.empty())
      plain = fmt::format("{{{}}}", std::string_view(labels).substr(0, labels.size() - 1));
    out += fmt::format("{}_sum{} {}\n{}_count{} {}\n", name, plain, histogram.sum, name, plain,
                       histogram.count);
  };

  out += "# HELP comity_http_requests_total HTTP requests by route and status code.\n";
  out += "# TYPE comity_http_requests_total counter\n";
  for (const auto& [key, count] : requests_) {
    out += fmt::format("comity_http_requests_total{{route=\"{}\",status=\"{}\"}} {}\n",
                       escape_label(key.first), key.second, count);
  }
  out += "# HELP comity_http_request_duration_seconds Time from request read to response ready.\n";
  out += "# TYPE comity_http_request_duration_seconds histogram\n";
  for (const auto& [route, histogram] : latency_) {
    histogram_lines("comity_http_request_duration_seconds",
                    fmt::format("route=\"{}\",", escape_label(route)), histogram, latency_bounds_);
  }
  out += "# HELP comity_comments_scored_total Comments scored, all routes.\n";
  out += "# TYPE comity_comments_scored_total counter\n";
  out += fmt::format("comity_comments_scored_total {}\n", comments_scored_);
  out += "# HELP comity_score Distribution of calibrated scores per attribute.\n";
  out += "# TYPE comity_score histogram\n";
  for (std::size_t i = 0; i < kNumAttributes; ++i) {
    histogram_lines("comity_score",
                    fmt::format("attribute=\"{}\",", attribute_name(attribute_at(i))), scores_[i],
                    score_bounds_);
  }
  out += "# HELP comity_model_reloads_total Model reloads by outcome.\n";
  out += "# TYPE comity_model_reloads_total counter\n";
  out += fmt::format("comity_model_reloads_total{{outcome=\"ok\"}} {}\n", reloads_ok_);
  out += fmt::format("comity_model_reloads_total{{outcome=\"failed\"}} {}\n", reloads_failed_);
  out += "# HELP comity_model_info The model being served.\n";
  out += "# TYPE comity_model_info gauge\n";
  out += fmt::format("comity_model_info{{version=\"{}\"}} 1\n", escape_label(model_version_));
  return out;
}

}  // namespace comity::server
