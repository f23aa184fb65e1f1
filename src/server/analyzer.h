// What the HTTP layer needs from the scoring engine. Handlers only see this
// interface, so the JSON/HTTP layer is testable with a fake, and a model reload
// swaps one immutable Analyzer for another.
#pragma once
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "comity/scorer.h"

namespace comity::server {

struct ModelDescription {
  std::string name;
  std::string version;
  std::vector<std::string> languages;  // ISO-639-1 codes every attribute supports
  std::uint64_t checksum = 0;
  std::string recipe_sha256;
  std::string created_by;
  std::string quality_json;  // free-form JSON object, may be empty
  std::string path;          // file it was loaded from
};

class Analyzer {
 public:
  virtual ~Analyzer() = default;
  // `text` is valid UTF-8. Thread-safe.
  virtual ScoreResult score(std::string_view text, const ScoreOptions& options) const = 0;
  virtual const ModelDescription& model() const = 0;
};

// The analyzer currently serving. Requests take one snapshot and use it
// throughout, so a reload never mixes two models in one response.
class AnalyzerSlot {
 public:
  explicit AnalyzerSlot(std::shared_ptr<const Analyzer> initial = nullptr)
      : current_(std::move(initial)) {}
  std::shared_ptr<const Analyzer> get() const {
    std::lock_guard lock(mutex_);
    return current_;
  }
  void set(std::shared_ptr<const Analyzer> next) {
    std::lock_guard lock(mutex_);
    current_.swap(next);
    // `next` (the old analyzer) is released outside callers' snapshots.
  }

 private:
  mutable std::mutex mutex_;
  std::shared_ptr<const Analyzer> current_;
};

}  // namespace comity::server
