// The model file: self-describing, checksummed, read whole into memory at load.
//
// Layout (little-endian): a fixed 64-byte header (magic, format version, section
// sizes, xxh64 checksum of everything after the header), a JSON metadata block
// (name, version, attributes, languages, feature configuration, recipe hash,
// calibration, quality), then 64-byte-aligned weight sections.
#pragma once
#include <array>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "comity/attributes.h"
#include "comity/features.h"

namespace comity {

class ModelError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Monotone piecewise-linear map from a raw model probability to a calibrated one.
struct Calibration {
  std::vector<float> x, y;  // knots, x strictly increasing; empty = identity
  float apply(float raw) const;
};

struct ModelInfo {
  std::string name;     // "comity-en"
  std::string version;  // "comity-en-1"
  std::vector<std::string> languages{"en"};
  FeatureConfig features;
  std::string recipe_sha256;  // hash of the recipe text that built it
  std::string created_by;     // tool version
  std::array<Calibration, kNumAttributes> calibration;
  std::array<float, kNumAttributes> bias{};
  std::array<float, kNumAttributes> scale{};  // int8 weight -> float
  float span_bias = 0.f, span_scale = 0.f;    // token-span head
  float span_threshold = 0.5f;
  std::string quality_json;  // evaluation summary, free-form JSON object
};

// Weights as the trainer produces them (float), before quantisation.
struct ModelWeights {
  ModelInfo info;
  // [bucket][attribute], bucket-major so one lookup reads one cache line.
  std::vector<float> attribute_weights;
  std::vector<float> span_weights;  // [bucket] token-level toxic-span head
};

class Model {
 public:
  // Maps the file read-only. Throws ModelError naming the problem for a missing,
  // truncated, corrupt (checksum) or incompatible (format version, feature
  // config) file.
  static std::shared_ptr<const Model> load(const std::string& path);
  // Quantises and writes a model file. Deterministic: same weights, same bytes.
  static void save(const ModelWeights& weights, const std::string& path);

  ~Model();
  Model(const Model&) = delete;
  Model& operator=(const Model&) = delete;

  const ModelInfo& info() const { return info_; }
  std::uint64_t checksum() const { return checksum_; }
  std::size_t file_size() const { return size_; }

  // Adds each feature's contribution to raw logits (before bias).
  void accumulate(const std::vector<Feature>& features, float* logits) const;
  // Per-feature contribution to the logit of one attribute.
  float weight(std::uint32_t bucket, std::size_t attribute) const {
    return static_cast<float>(attr_q_[std::size_t{bucket} * kNumAttributes + attribute]) *
           info_.scale[attribute];
  }
  float span_weight(std::uint32_t bucket) const {
    return static_cast<float>(span_q_[bucket]) * info_.span_scale;
  }

 private:
  Model() = default;
  ModelInfo info_;
  const std::int8_t* attr_q_ = nullptr;
  const std::int8_t* span_q_ = nullptr;
  // The whole file, read into memory at load: a mapping would turn a file replaced
  // in place under a serving process into SIGBUS on the next score.
  void* bytes_ = nullptr;
  std::size_t size_ = 0;
  std::uint64_t checksum_ = 0;
};

}  // namespace comity
