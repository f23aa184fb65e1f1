// Training the contextual network (contextual_net.h) on soft reference scores and masked
// human labels, then its span head on frozen hidden vectors.
//
// Determinism: examples are visited in an order drawn from the recipe's seed; each
// mini-batch is cut into one contiguous slice per thread, every slice writes its own
// gradient buffers, and the buffers are applied in slice order. The result depends on
// the thread count, never on scheduling.
#pragma once
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "comity/contextual_model.h"
#include "comity/recipe.h"
#include "train/labelled_text.h"

namespace comity {

struct ContextualTrainInput {
  const std::vector<LabelledText>* examples;
  std::vector<std::uint32_t> train_ids;  // indices into examples
  std::vector<float> weight;             // per train id: the dataset's weight
};

using ContextualProgress =
    std::function<void(const std::string& stage, std::size_t done, std::size_t total)>;

// Trains the network; `report` receives per-epoch loss and timings.
ContextualWeights train_contextual_network(const ContextualParams& params,
                                           const ContextualTrainInput& input, std::uint64_t seed,
                                           int threads, const ContextualProgress& progress,
                                           nlohmann::json& report);

// Trains the span head of `network` (dense.span, span_bias) on the recipe's span data
// with the encoder frozen, and returns the threshold that maximises dev span F1.
float train_contextual_span_head(const Recipe& recipe, const std::string& data_dir,
                                 ContextualModelWeights& model, nlohmann::json& report);

}  // namespace comity
