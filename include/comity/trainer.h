// Training: a multi-task linear model over hashed features, one logistic head
// per attribute trained on soft targets with per-example masks, plus a token
// head for toxic spans. Deterministic: same recipe and data give the same bytes.
#pragma once
#include <functional>
#include <string>

#include <optional>
#include "comity/contextual_model.h"
#include "comity/model.h"
#include "comity/recipe.h"

namespace comity {

struct TrainProgress {
  std::string stage;  // "reading", "features", "training", "calibrating", "spans"
  std::size_t done = 0, total = 0;
};

struct TrainResult {
  ModelWeights weights;  // the linear model (alone, or the linear part of an ensemble)
  std::optional<ContextualModelWeights> contextual;  // architecture "contextual"
  nlohmann::json report;  // per-dataset counts, per-attribute examples, losses, timings
};

struct TrainOptions {
  std::string data_dir;
  std::function<void(const TrainProgress&)> on_progress;
  // When set, every example after de-duplication is written here as JSON Lines
  // ({text, language, dataset, split, targets, soft}): the exact data a baseline
  // must train and be measured on (bench/compare_languages.py).
  std::string dump_examples;
};

TrainResult train(const Recipe& recipe, const TrainOptions& options);

}  // namespace comity
