// A training recipe: which data, how its labels map onto Comity's attributes,
// how it is split, and the hyper-parameters. Parsed from TOML; its hash is
// recorded in the model so a model names the recipe that built it.
#pragma once
#include <array>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "comity/attributes.h"
#include "comity/contextual_net.h"
#include "comity/features.h"
#include "comity/table_reader.h"

namespace comity {

class RecipeError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// For one label column: each value maps to targets for some attributes; an
// attribute a value does not mention is masked (the set says nothing about it).
// Numeric labels (a 1-5 rating, a count of annotators) map by range instead: a
// value in [min, max] gives `targets`; a value in no range says nothing.
struct LabelRange {
  double min = 0, max = 0;
  std::map<Attribute, float> targets;
};
struct LabelMapping {
  std::string column;  // a dotted path reaches into nested JSON ("annotations.Toxicity")
  std::map<std::string, std::map<Attribute, float>> values;
  std::optional<std::map<Attribute, float>> other;  // any non-empty value not in `values`
  std::vector<LabelRange> ranges;
};

// Fields carried to every row of a group from a second table: the row of the group
// whose `pivot_field` equals `pivot_value` has its text looked up there, and what the
// lookup finds is put under `as` in each row of the group. RTP-LX uses it to give
// every translation of a prompt the Perspective scores of the English original.
struct CarrySpec {
  std::vector<std::string> paths;  // tables searched in order; the first match wins
  TableOptions table;
  std::string text_field = "text";  // of those tables
  std::string group_field;          // of the dataset: rows with equal values belong together
  std::string pivot_field, pivot_value;
  std::string as = "carried";
};

struct DatasetSpec {
  std::string name;
  std::string path;      // relative to the data directory (or to the recipe, see below)
  bool in_repo = false;  // `path` is relative to the recipe file: data the project ships
  TableOptions table;
  std::string text_field;
  std::string language = "en";  // canonical code: the text profile and the model's routing
  // A field naming each row's language (BCP-47, any case), for multilingual files;
  // rows without it are in `language`.
  std::string language_field;
  // The field whose value decides a row's split, so that rows sharing it (the
  // translations of one prompt) stay together; empty: the text itself.
  std::string split_key;
  std::optional<CarrySpec> carry;
  std::map<Attribute, std::string> soft_labels;  // attribute -> field path ("perspective.TOXICITY")
  std::vector<LabelMapping> labels;
  std::map<Attribute, float> constant_labels;  // every row of the set says this (e.g. "all toxic")
  std::map<std::string, std::string>
      require;  // keep rows whose field equals the value, when present
  float weight = 1.f;
  int priority = 0;         // among datasets sharing a dedup group, higher wins a duplicate text
  std::string dedup_group;  // empty: no de-duplication against other datasets
  bool calibrate = false;   // its dev split fits the calibration (Perspective-scored sets)
  bool optional = false;    // absent file is skipped instead of failing
};

struct SpanDatasetSpec {
  std::string path;
  TableOptions table;
  std::string text_field = "text";
  std::string spans_field = "spans";
};

// Split by text: FNV-1a 64 of the UTF-8 bytes, modulo 10.
struct SplitSpec {
  std::vector<int> train{0, 1, 2, 3, 4, 5, 6, 7};
  std::vector<int> dev{8};
  std::vector<int> test{9};
};
enum class Split { kTrain, kDev, kTest, kNone };
std::uint64_t fnv1a64(std::string_view bytes);
Split split_of(const SplitSpec& spec, std::string_view text);

struct TrainingParams {
  // Attribute heads: "logistic", "logit_squared", or "mixed" (cross-entropy plus a
  // weighted log-odds regression on reference scores, which orders low scores better).
  std::string loss = "logistic";
  float logit_weight = 0.1f;  // "mixed": weight of the log-odds regression term
  // Target for a reference score y: (1 - sharpen) y + sharpen [y >= 0.5] (1: the hard
  // labels a thresholded Perspective gives).
  float sharpen = 0.f;
  int epochs = 5;
  float learning_rate = 0.2f;
  float l2 = 0.f;
  std::uint64_t seed = 1;
  int threads = 2;
  int span_epochs = 5;
  float span_learning_rate = 0.2f;
  std::size_t calibration_knots = 48;
};

// The contextual network (architecture "contextual"): its shape and its optimiser.
struct ContextualParams {
  ContextualShape shape;
  int epochs = 4;
  std::uint32_t batch = 32;
  std::uint32_t max_tokens = 256;         // training reads at most this many tokens of a text
  float embedding_learning_rate = 0.05f;  // row-wise AdaGrad
  float dense_learning_rate = 0.002f;     // Adam
  float logit_weight = 0.f;               // weight of the log-odds regression on reference scores
  // Cross-entropy target for a reference score y: (1 - sharpen) y + sharpen [y >= 0.5].
  // Perspective's users threshold at 0.5, so the boundary matters more than the tails.
  float sharpen = 0.f;
  int span_epochs = 6;
  float span_learning_rate = 0.01f;
  // Final logit = network logit + linear_weight x the linear model's logit, per attribute
  // fitted on the dev rows when true ("ensemble"); the network alone when false.
  bool ensemble_linear = true;
  // Each language with enough dev rows for an attribute gets a mix of its own (network,
  // linear, bias) on top of the global one; the others keep the global mix.
  bool mix_per_language = false;
  // With mix_per_language: the per-language mixes read every dev row (human labels of
  // the sets that do not calibrate too), a language needs 1,000 of them for a mix of
  // its own, and the smaller languages share one more, "*", fitted on their rows
  // pooled, instead of the global mix that English dominates.
  bool mix_for_others = false;
  // Synthetic long comments (train/long_comments.h) added to training; an eighth as many
  // built from dev texts join the dev rows that fit the mix (never the calibration).
  std::uint32_t long_comments = 0;
};

struct Recipe {
  std::string name, version;
  std::string architecture = "linear";  // "linear" or "contextual"
  ContextualParams contextual;
  std::vector<std::string> languages{"en"};
  // Attributes the model serves in only some languages ([languages.attributes]).
  std::map<Attribute, std::vector<std::string>> attribute_languages;
  FeatureConfig features;
  TrainingParams training;
  SplitSpec split;
  std::vector<DatasetSpec> datasets;
  std::optional<SpanDatasetSpec> spans;
  std::string sha256;     // of the recipe file's bytes
  std::string directory;  // of the recipe file; base of datasets marked in_repo
};

Recipe parse_recipe(const std::string& toml_text, const std::string& name_for_errors);
Recipe load_recipe(const std::string& path);

// Field lookup with a dotted path into nested JSON objects ("perspective.TOXICITY").
const nlohmann::json* find_field(const nlohmann::json& fields, const std::string& dotted);

}  // namespace comity
