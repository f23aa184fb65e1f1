// What every model file describes, whatever its architecture: names, languages, the
// linear feature configuration, calibration, span threshold, quality (ModelInfo), and
// the linear model's float weights before quantisation (ModelWeights). The file format
// is in docs/model-format.md; the model kinds implement comity/classifier.h.
#pragma once
#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
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
  std::string name;                          // "comity-en"
  std::string version;                       // "comity-en-1"
  std::vector<std::string> languages{"en"};  // canonical codes (language_profile.h)
  // Attributes served in only some of `languages`; an attribute not listed is served
  // in all of them (Perspective served TOXICITY in more languages than the others).
  std::map<Attribute, std::vector<std::string>> attribute_languages;
  // Fingerprints of the language profiles the training normalised with ("de/1");
  // empty in models from before profiles existed (English).
  std::vector<std::string> text_profiles;
  FeatureConfig features;
  std::string recipe_sha256;  // hash of the recipe text that built it
  std::string created_by;     // tool version
  std::array<Calibration, kNumAttributes> calibration;
  std::array<float, kNumAttributes> bias{};
  std::array<float, kNumAttributes> scale{};  // int8 weight -> float
  float span_bias = 0.f, span_scale = 0.f;    // token-span head
  float span_threshold = 0.5f;
  std::string quality_json;  // evaluation summary, free-form JSON object

  // True when the model scores `attribute` for text in `language` (canonical).
  bool serves(Attribute attribute, std::string_view language) const;
};

// The rule behind ModelInfo::serves, for whatever holds the two lists.
bool attribute_served(const std::vector<std::string>& languages,
                      const std::map<Attribute, std::vector<std::string>>& attribute_languages,
                      Attribute attribute, std::string_view language);

// Weights as the trainer produces them (float), before quantisation.
struct ModelWeights {
  ModelInfo info;
  // [bucket][attribute], bucket-major so one lookup reads one cache line.
  std::vector<float> attribute_weights;
  std::vector<float> span_weights;  // [bucket] token-level toxic-span head
  IdfTable idf;                     // features.weighting kTfIdf only
};

}  // namespace comity
