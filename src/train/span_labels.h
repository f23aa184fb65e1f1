// The token-level toxic-span head: trained on character-offset annotations
// (SemEval-2021 Task 5), threshold chosen on its own dev split.
#pragma once
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "comity/model.h"
#include "comity/recipe.h"
#include "comity/text.h"

namespace comity {

// Parses "[15, 16, 17]" (the dataset's spans column) into code-point offsets.
std::set<std::uint32_t> parse_span_offsets(const std::string& field);

// The code points a prediction marks toxic: the union of the highlighted tokens' ranges.
std::set<std::uint32_t> highlighted_code_points(const std::vector<TextRange>& tokens,
                                                const std::vector<float>& probability,
                                                float threshold);

// One post of the span data: its tokens, a 0/1 label per token (most of the token's
// code points marked), the gold code points and its split.
struct SpanPost {
  NormalizedText normalized;
  std::vector<TextRange> tokens;
  std::vector<float> labels;
  std::set<std::uint32_t> gold;
  Split split = Split::kNone;
};

// Reads the recipe's [spans] data; empty when the recipe has none or the file is absent.
std::vector<SpanPost> read_span_posts(const Recipe& recipe, const std::string& data_dir,
                                      std::size_t& skipped);

// The threshold in 0.05..0.95 that maximises mean span F1 of `probability` on `posts`.
float choose_span_threshold(const std::vector<const SpanPost*>& posts,
                            const std::vector<std::vector<float>>& probability,
                            nlohmann::json& curve, double& best_f1);

// Trains the span head into `weights` (span_weights, span_bias, span_threshold).
void train_span_head(const Recipe& recipe, const std::string& data_dir, ModelWeights& weights,
                     nlohmann::json& report);

}  // namespace comity
