// comity-2: the contextual network (contextual_net.h) served from int8 embedding rows,
// optionally added to a linear model's logits (the ensemble the recipe chose).
#pragma once
#include <array>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "comity/classifier.h"
#include "comity/contextual_net.h"
#include "comity/linear_model.h"
#include "comity/model.h"

namespace comity {

// The network as the trainer produces it (float).
struct ContextualWeights {
  ContextualShape shape;
  std::vector<float> embeddings;  // [2^hash_bits][dim]
  ContextualDense dense;
};

// The language_mix key of the mix for every language without one of its own.
inline constexpr std::string_view kOtherLanguages = "*";

// How one language weighs the network's logit (the global mix included) and the linear
// part's, per attribute. The identity (1, linear_weight, 0) is the global mix.
struct LanguageMix {
  std::array<float, kNumAttributes> network{}, linear{}, bias{};
  bool operator==(const LanguageMix&) const = default;
};

// A whole comity-2 model before it is written: the network, the optional linear
// part, and how the two logits add up.
struct ContextualModelWeights {
  ModelInfo info;  // calibration, span threshold, names; info.features = the linear part's
  ContextualWeights network;
  std::optional<ModelWeights> linear;                 // present for an ensemble
  std::array<float, kNumAttributes> linear_weight{};  // logit += linear_weight x linear logit
  // Per language, a mix of its own fitted on its dev rows (recipe mix_per_language):
  // logit = network x (network logit above) + linear x (linear logit) + bias. The key
  // kOtherLanguages holds the mix of the languages that have none (mix_for_others).
  std::map<std::string, LanguageMix, std::less<>> language_mix;
};

class ContextualModel final : public Classifier {
 public:
  // Quantises in memory: the embedding rows become int8 with one scale per row. The
  // trainer asks for Kernel::kPortable so what it fits does not depend on the machine.
  static std::shared_ptr<const ContextualModel> from_weights(const ContextualModelWeights& w,
                                                             Kernel kernel = Kernel::kNative);
  // Writes format 2 with sections "contextual.*" (and "linear.*" for an ensemble).
  static void save(const ContextualModelWeights& weights, const std::string& path);

  const ModelInfo& info() const override { return info_; }
  std::string_view architecture() const override { return "contextual"; }
  std::uint64_t checksum() const override { return checksum_; }
  std::size_t file_size() const override { return file_size_; }
  void logits(const NormalizedText& text, std::uint32_t token_begin, std::uint32_t token_end,
              float* out) const override;
  void token_evidence(const NormalizedText& text, std::vector<TokenScore>& tokens) const override;

  // The network's own logits, without the linear part (for training and tests).
  void network_logits(const NormalizedText& text, std::uint32_t token_begin,
                      std::uint32_t token_end, float* out) const;
  // The linear part's logits: over the whole range when it is at most kLinearWindow
  // tokens, else the highest over half-overlapping windows of that many tokens.
  void linear_logits(const NormalizedText& text, std::uint32_t token_begin, std::uint32_t token_end,
                     float* out) const;
  static constexpr std::uint32_t kLinearWindow = 64;
  const ContextualShape& shape() const { return shape_; }
  const LinearModel* linear() const { return linear_.get(); }
  const std::map<std::string, LanguageMix, std::less<>>& language_mix() const {
    return language_mix_;
  }

 private:
  friend struct ContextualModelReader;
  ContextualModel() = default;
  void encode(const NormalizedText& text, std::uint32_t token_begin, std::uint32_t token_end,
              ContextualActivations& act) const;
  // The language's own mix, else the kOtherLanguages one, else null (the global mix).
  const LanguageMix* mix_for(std::string_view language) const;

  ModelInfo info_;
  ContextualShape shape_;
  std::vector<std::int8_t> rows_;  // [2^hash_bits][dim]
  std::vector<float> row_scale_;   // [2^hash_bits]
  ContextualDense dense_;
  std::shared_ptr<const LinearModel> linear_;
  std::array<float, kNumAttributes> linear_weight_{};
  std::map<std::string, LanguageMix, std::less<>> language_mix_;
  Kernel kernel_ = Kernel::kNative;
  std::uint64_t checksum_ = 0;
  std::size_t file_size_ = 0;
};

}  // namespace comity
