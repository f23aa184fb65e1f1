// The contextual architecture in recipes ([contextual], architecture = ...) and a tiny
// end-to-end comity-2 training on the invented fixture: result, file, determinism, report.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

#include "comity/classifier.h"
#include "comity/contextual_model.h"
#include "comity/recipe.h"
#include "comity/scorer.h"
#include "comity/trainer.h"
#include "tiny_fixture.h"

namespace comity {
namespace {

// The smallest recipe the parser accepts (tiny_fixture.h).
const char* const kMinimal = tiny::kMinimalRecipe;

// kMinimal with `top` among the top-level keys and `tables` before the datasets.
std::string recipe_with(const std::string& top, const std::string& tables) {
  std::string text = kMinimal;
  text.replace(text.find("[[datasets]]"), 12, tables + "\n[[datasets]]");
  text.replace(text.find("version = \"v\""), 13, "version = \"v\"\n" + top);
  return text;
}

std::string contextual_table(const std::string& body) { return "[contextual]\n" + body; }

std::string parse_error(const std::string& toml) {
  try {
    parse_recipe(toml, "ctx.toml");
  } catch (const RecipeError& e) {
    return e.what();
  }
  return "";
}

TEST(ContextualRecipe, ParsesEveryContextualKey) {
  const Recipe r = parse_recipe(recipe_with("architecture = \"contextual\"", contextual_table(R"(
hash_bits = 12
dim = 16
hidden = 24
epochs = 3
batch = 8
max_tokens = 128
embedding_learning_rate = 0.1
dense_learning_rate = 0.004
logit_weight = 0.25
span_epochs = 2
span_learning_rate = 0.02
ensemble_linear = false
long_comments = 500
sharpen = 0.5
)")),
                                "ctx.toml");
  EXPECT_EQ(r.architecture, "contextual");
  const ContextualParams& p = r.contextual;
  EXPECT_EQ(p.shape.hash_bits, 12u);
  EXPECT_EQ(p.shape.dim, 16u);
  EXPECT_EQ(p.shape.hidden, 24u);
  EXPECT_EQ(p.epochs, 3);
  EXPECT_EQ(p.batch, 8u);
  EXPECT_EQ(p.max_tokens, 128u);
  EXPECT_FLOAT_EQ(p.embedding_learning_rate, 0.1f);
  EXPECT_FLOAT_EQ(p.dense_learning_rate, 0.004f);
  EXPECT_FLOAT_EQ(p.logit_weight, 0.25f);
  EXPECT_EQ(p.span_epochs, 2);
  EXPECT_FLOAT_EQ(p.span_learning_rate, 0.02f);
  EXPECT_FALSE(p.ensemble_linear);
  EXPECT_EQ(p.long_comments, 500u);
  EXPECT_FLOAT_EQ(p.sharpen, 0.5f);
  // Keys it does not name keep the defaults.
  EXPECT_EQ(p.shape.char_ngram_min, ContextualShape{}.char_ngram_min);
  EXPECT_EQ(p.shape.seed, ContextualShape{}.seed);
}

TEST(ContextualRecipe, DefaultsAreLinearAndTheDocumentedParams) {
  const Recipe r = parse_recipe(kMinimal, "min.toml");
  EXPECT_EQ(r.architecture, "linear");
  const ContextualParams defaults;
  EXPECT_EQ(r.contextual.shape, defaults.shape);
  EXPECT_EQ(r.contextual.epochs, defaults.epochs);
  EXPECT_EQ(r.contextual.long_comments, 0u);
  EXPECT_TRUE(r.contextual.ensemble_linear);
  // An empty [contextual] table is the defaults too.
  const Recipe empty = parse_recipe(recipe_with("", "[contextual]"), "e.toml");
  EXPECT_EQ(empty.contextual.shape, defaults.shape);
  EXPECT_EQ(empty.contextual.batch, defaults.batch);
}

TEST(ContextualRecipe, ArchitectureMustBeLinearOrContextual) {
  EXPECT_EQ(parse_recipe(recipe_with("architecture = \"linear\"", ""), "l.toml").architecture,
            "linear");
  for (const char* bad : {"\"transformer\"", "\"Contextual\"", "\"\""}) {
    const std::string msg = parse_error(recipe_with(std::string("architecture = ") + bad, ""));
    EXPECT_NE(msg.find("architecture must be 'linear' or 'contextual'"), std::string::npos)
        << bad << ": " << msg;
    EXPECT_NE(msg.find("ctx.toml"), std::string::npos) << msg;
  }
  EXPECT_NE(parse_error(recipe_with("architecture = 2", "")).find("wrong type"), std::string::npos);
}

TEST(ContextualRecipe, RefusesOutOfRangeValues) {
  const char* range = "[contextual]: hash_bits 10..24";
  for (const char* line :
       {"hash_bits = 9", "hash_bits = 25", "dim = 3", "dim = 257", "hidden = 3", "hidden = 513",
        "epochs = 0", "epochs = 101", "batch = 0", "batch = 4097", "max_tokens = 0",
        "embedding_learning_rate = 0.0", "embedding_learning_rate = -0.1",
        "dense_learning_rate = 0.0", "logit_weight = -0.5", "span_learning_rate = 0.0"}) {
    const std::string msg = parse_error(recipe_with("", contextual_table(line)));
    EXPECT_NE(msg.find(range), std::string::npos) << line << ": " << msg;
    EXPECT_NE(msg.find("ctx.toml"), std::string::npos) << line << ": " << msg;
  }
  // Negative integers are refused before they are narrowed to unsigned.
  for (const char* line : {"span_epochs = -1", "epochs = -3", "hash_bits = -1"}) {
    const std::string msg = parse_error(recipe_with("", contextual_table(line)));
    EXPECT_NE(msg.find("is out of range"), std::string::npos) << line << ": " << msg;
    EXPECT_NE(msg.find("ctx.toml"), std::string::npos) << line << ": " << msg;
  }
  for (const char* line : {"dense_learning_rate = inf", "logit_weight = nan"}) {
    const std::string msg = parse_error(recipe_with("", contextual_table(line)));
    EXPECT_NE(msg.find("must be a finite number"), std::string::npos) << line << ": " << msg;
  }
  for (const char* line : {"sharpen = 1.5", "sharpen = -0.1"}) {
    const std::string msg = parse_error(recipe_with("", contextual_table(line)));
    EXPECT_NE(msg.find("[contextual]: sharpen must be in [0, 1]"), std::string::npos)
        << line << ": " << msg;
  }
  // The edges are accepted.
  const Recipe edges = parse_recipe(
      recipe_with("", contextual_table("hash_bits = 24\ndim = 4\nhidden = 512\nepochs = 100\n"
                                       "batch = 4096\nmax_tokens = 1\nspan_epochs = 0\n"
                                       "logit_weight = 0.0\nsharpen = 1.0")),
      "edges.toml");
  EXPECT_EQ(edges.contextual.shape.hash_bits, 24u);
  EXPECT_EQ(edges.contextual.span_epochs, 0);
}

// A count that does not fit the field must be refused, not wrapped into range.
// DISABLED: recipe.cpp reads [contextual] integers as int64 and static_casts them to
// uint32 before the range check, so hash_bits = 4294967306 becomes 10, epochs =
// 4294967297 becomes 1, and long_comments = -1 becomes 4294967295 (long_comments has no
// range check at all): the trainer would then try to build four billion comments.
TEST(ContextualRecipe, RefusesValuesThatWrapAroundUint32) {
  for (const char* line : {"hash_bits = 4294967306", "epochs = 4294967297", "dim = 4294967304",
                           "long_comments = -1", "max_tokens = -1"}) {
    EXPECT_FALSE(parse_error(recipe_with("", contextual_table(line))).empty()) << line;
  }
}

TEST(ContextualRecipe, RefusesUnknownKeysAndWrongTypes) {
  const std::string msg = parse_error(recipe_with("", contextual_table("dims = 8")));
  EXPECT_NE(msg.find("[contextual]"), std::string::npos) << msg;
  EXPECT_NE(msg.find("unknown key 'dims'"), std::string::npos) << msg;
  // The shape's fixed parts are not recipe keys.
  for (const char* line : {"window = 5", "seed = 3", "char_ngram_min = 2"}) {
    EXPECT_NE(parse_error(recipe_with("", contextual_table(line))).find("unknown key"),
              std::string::npos)
        << line;
  }
  EXPECT_NE(parse_error(recipe_with("", contextual_table("hash_bits = \"12\"")))
                .find("'hash_bits' has the wrong type"),
            std::string::npos);
  EXPECT_NE(parse_error(recipe_with("", contextual_table("ensemble_linear = \"yes\"")))
                .find("'ensemble_linear' has the wrong type"),
            std::string::npos);
  EXPECT_NE(parse_error(recipe_with("", contextual_table("sharpen = \"high\"")))
                .find("'sharpen' has the wrong type"),
            std::string::npos);
}

// ---- a tiny end-to-end training -----------------------------------------------

std::string contextual_fixture_recipe(bool ensemble) {
  std::string text = tiny::read_bytes(tiny::fixture_path("recipe.toml"));
  const std::string anchor = "languages = [\"en\"]";
  text.replace(text.find(anchor), anchor.size(), anchor + "\narchitecture = \"contextual\"");
  text += R"(
[contextual]
hash_bits = 10
dim = 8
hidden = 16
epochs = 2
batch = 16
span_epochs = 2
long_comments = 50
)";
  if (!ensemble) text += "ensemble_linear = false\n";
  return text;
}

struct ContextualRun {
  TrainResult result;
  std::string path;
};

ContextualRun train_contextual(bool ensemble, const std::string& file) {
  const Recipe recipe = parse_recipe(contextual_fixture_recipe(ensemble), "ctx-recipe.toml");
  ContextualRun run{tiny::train_fixture(recipe), tiny::scratch(file)};
  if (run.result.contextual) ContextualModel::save(*run.result.contextual, run.path);
  return run;
}

TEST(ContextualTraining, TrainsSavesLoadsAndRepeatsByteForByte) {
  const ContextualRun a = train_contextual(true, "ctx-train-a.cmodel");
  ASSERT_TRUE(a.result.contextual.has_value());
  const ContextualModelWeights& cm = *a.result.contextual;
  EXPECT_EQ(cm.network.shape.hash_bits, 10u);
  EXPECT_EQ(cm.network.shape.dim, 8u);
  EXPECT_EQ(cm.network.shape.hidden, 16u);
  ASSERT_TRUE(cm.linear.has_value());
  EXPECT_EQ(cm.linear->info.features.hash_bits, 12u);
  for (float lw : cm.linear_weight) EXPECT_TRUE(std::isfinite(lw));
  EXPECT_EQ(cm.info.version, "comity-tiny-1");
  EXPECT_FALSE(cm.info.calibration[index_of(Attribute::kToxicity)].x.empty());

  // The report: contextual epoch losses, the long comments, the mix and the span head.
  const nlohmann::json& report = a.result.report;
  const auto& loss = report["contextual"]["epoch_loss"];
  ASSERT_EQ(loss.size(), 2u) << report["contextual"].dump();
  for (const auto& l : loss) {
    EXPECT_TRUE(std::isfinite(l.get<double>()));
    EXPECT_GT(l.get<double>(), 0.0);
  }
  EXPECT_GT(report["contextual"]["train_examples"].get<int>(),
            report["examples"]["train"].get<int>());  // plus the long comments
  EXPECT_EQ(report["long_comments"]["train"], 50) << report["long_comments"].dump();
  EXPECT_EQ(report["long_comments"]["dev_for_mix"], 6);
  EXPECT_GT(report["contextual_mix"]["TOXICITY"]["dev_rows"].get<int>(), 0);
  EXPECT_EQ(report["contextual_spans"]["posts"], 34);

  // The file loads as a contextual model that scores like the weights in memory.
  const auto loaded = load_classifier(a.path);
  EXPECT_EQ(loaded->architecture(), "contextual");
  EXPECT_EQ(loaded->info().recipe_sha256, cm.info.recipe_sha256);
  EXPECT_EQ(loaded->info().span_threshold, cm.info.span_threshold);
  const auto portable = ContextualModel::from_weights(cm, Kernel::kPortable);
  for (const char* text : {"you are an idiot", "thanks for the lovely recipe", ""}) {
    float x[kNumAttributes], y[kNumAttributes];
    loaded->logits(normalize(text), 0, UINT32_MAX, x);
    portable->logits(normalize(text), 0, UINT32_MAX, y);
    for (std::size_t k = 0; k < kNumAttributes; ++k) EXPECT_NEAR(x[k], y[k], 1e-4f) << text;
  }
  const Scorer scorer(loaded);
  const ScoreResult r = scorer.score("you are an idiot", {.tokens = true});
  EXPECT_EQ(r.tokens.size(), 4u);
  for (float s : r.scores) EXPECT_TRUE(s >= 0.f && s <= 1.f);

  // Same recipe, same bytes.
  const ContextualRun b = train_contextual(true, "ctx-train-b.cmodel");
  const std::string bytes = tiny::read_bytes(a.path);
  ASSERT_GT(bytes.size(), 1000u);
  EXPECT_TRUE(bytes == tiny::read_bytes(b.path));
  EXPECT_EQ(a.result.report["contextual"]["epoch_loss"],
            b.result.report["contextual"]["epoch_loss"]);
}

TEST(ContextualTraining, WithoutTheEnsembleTheFileHoldsTheNetworkAlone) {
  const ContextualRun run = train_contextual(false, "ctx-train-alone.cmodel");
  ASSERT_TRUE(run.result.contextual.has_value());
  EXPECT_FALSE(run.result.contextual->linear.has_value());
  const auto loaded = load_classifier(run.path);
  const auto* model = dynamic_cast<const ContextualModel*>(loaded.get());
  ASSERT_NE(model, nullptr);
  EXPECT_EQ(model->linear(), nullptr);
  EXPECT_EQ(run.result.report["contextual_mix"]["TOXICITY"]["linear_weight"], 0.0);
}

// Invented comments in three languages, half of them rude: German with enough dev rows
// for a mix of its own, Finnish and Swedish (a set that does not calibrate) with too
// few apart but enough together.
std::string write_three_language_data(std::size_t german, std::size_t small) {
  const std::filesystem::path dir = tiny::scratch_dir() / "three-languages";
  std::filesystem::create_directories(dir);
  struct Language {
    const char* code;
    std::size_t rows;
    std::vector<const char*> rude, fine, filler;
  };
  const Language languages[] = {
      {"de",
       german,
       {"idiot", "trottel", "depp"},
       {"danke", "schön", "gut"},
       {"heute", "wir", "das", "ist"}},
      {"fi",
       small,
       {"idiootti", "typerys", "ääliö"},
       {"kiitos", "hyvä", "kiva"},
       {"tänään", "me", "se", "on"}},
      {"sv",
       small,
       {"idiot", "dumskalle", "pucko"},
       {"tack", "bra", "fint"},
       {"idag", "vi", "det", "är"}},
  };
  // German calibrates (Perspective-like scores); the small languages are human labels.
  std::ofstream german_out(dir / "german.jsonl"), small_out(dir / "small.jsonl");
  for (const Language& l : languages) {
    std::ofstream& out = std::string_view(l.code) == "de" ? german_out : small_out;
    for (std::size_t i = 0; i < l.rows; ++i) {
      const bool rude = i % 2 == 0;
      const auto& words = rude ? l.rude : l.fine;
      std::string text = std::string(l.filler[i % l.filler.size()]) + " " +
                         words[i / 2 % words.size()] + " " + l.filler[i / 3 % l.filler.size()] +
                         " " + std::to_string(i);
      out << R"({"text": ")" << text << R"(", "language": ")" << l.code << R"(", "toxicity": )"
          << (rude ? "0.9" : "0.05") << "}\n";
    }
  }
  return dir.string();
}

TEST(ContextualTraining, LanguagesTooSmallForAMixOfTheirOwnShareTheOthersMix) {
  // German: 1,000+ dev rows (a tenth of the texts), a mix of its own with mix_for_others.
  const std::string data_dir = write_three_language_data(11000, 1300);
  std::string text = R"(
name = "three"
version = "three-1"
languages = ["de", "fi", "sv"]
architecture = "contextual"
[features]
hash_bits = 12
[training]
epochs = 2
seed = 3
threads = 2
[contextual]
hash_bits = 10
dim = 8
hidden = 16
epochs = 1
batch = 16
mix_per_language = true
MIX_FOR_OTHERS
[[datasets]]
name = "german"
path = "german.jsonl"
language_field = "language"
soft_labels = { TOXICITY = "toxicity" }
calibrate = true
[[datasets]]
name = "small"
path = "small.jsonl"
language_field = "language"
soft_labels = { TOXICITY = "toxicity" }
)";
  const auto train_with = [&](bool others) {
    std::string recipe = text;
    recipe.replace(recipe.find("MIX_FOR_OTHERS"), 14, others ? "mix_for_others = true" : "");
    TrainOptions options;
    options.data_dir = data_dir;
    return train(parse_recipe(recipe, "three.toml"), options);
  };
  const TrainResult with = train_with(true);
  ASSERT_TRUE(with.contextual.has_value());
  const auto& mixes = with.contextual->language_mix;
  const std::size_t tox = index_of(Attribute::kToxicity);
  ASSERT_TRUE(mixes.contains("de")) << with.report["contextual_mix"].dump();
  ASSERT_TRUE(mixes.contains(std::string(kOtherLanguages))) << with.report["contextual_mix"].dump();
  EXPECT_FALSE(mixes.contains("fi"));
  EXPECT_FALSE(mixes.contains("sv"));
  const auto& pooled = with.report["contextual_mix"]["per_language"]["*"]["TOXICITY"];
  // The pool is Finnish and Swedish dev rows together, from the set that does not
  // calibrate: more than either alone could be.
  EXPECT_GE(pooled["dev_rows"].get<int>(), 200) << pooled.dump();
  EXPECT_NE(mixes.at(std::string(kOtherLanguages)).network[tox], 1.f);
  // German's attributes without labels take the "*" mix only where it was fitted: no
  // attribute but TOXICITY has labels here, so both keep the global one.
  const std::size_t insult = index_of(Attribute::kInsult);
  EXPECT_EQ(mixes.at("de").network[insult], 1.f);
  EXPECT_EQ(mixes.at("de").linear[insult], with.contextual->linear_weight[insult]);

  // Without it only calibrating rows fit mixes: German's, from its 1,000+ dev rows.
  const TrainResult without = train_with(false);
  ASSERT_TRUE(without.contextual.has_value());
  EXPECT_TRUE(without.contextual->language_mix.contains("de"));
  EXPECT_FALSE(without.contextual->language_mix.contains(std::string(kOtherLanguages)));
  EXPECT_FALSE(without.report["contextual_mix"]["per_language"].contains("fi"));
  // The option needs per-language mixes.
  std::string lone = text;
  lone.replace(lone.find("mix_per_language = true"), 23, "");
  lone.replace(lone.find("MIX_FOR_OTHERS"), 14, "mix_for_others = true");
  EXPECT_NE(parse_error(lone).find("mix_for_others needs mix_per_language"), std::string::npos);
}

TEST(ContextualTraining, ALinearRecipeHasNoContextualResult) {
  EXPECT_FALSE(tiny::trained().result.contextual.has_value());
  EXPECT_FALSE(tiny::trained().result.report.contains("contextual"));
}

}  // namespace
}  // namespace comity
