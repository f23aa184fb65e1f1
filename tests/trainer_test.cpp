// Recipes, the split rule, and training on the tiny invented fixture: determinism,
// that training learns, label masks, and the counts of skipped rows.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "comity/linear_model.h"
#include "comity/metrics.h"
#include "comity/recipe.h"
#include "comity/scorer.h"
#include "comity/sha256.h"
#include "comity/table_reader.h"
#include "comity/trainer.h"
#include "tiny_fixture.h"

namespace comity {
namespace {

// Replaces the first occurrence of `from`, failing loudly if the fixture changed.
std::string replace_once(std::string text, const std::string& from, const std::string& to) {
  const auto pos = text.find(from);
  EXPECT_NE(pos, std::string::npos) << "fixture text lacks: " << from;
  if (pos != std::string::npos) text.replace(pos, from.size(), to);
  return text;
}

std::string parse_error(const std::string& toml) {
  try {
    parse_recipe(toml, "test.toml");
  } catch (const RecipeError& e) {
    return e.what();
  }
  return "";
}

// The smallest recipe the parser accepts (tiny_fixture.h).
const char* const kMinimal = tiny::kMinimalRecipe;

TEST(TrainerRecipe, ParsesTheFixtureRecipe) {
  const std::string text = tiny::read_bytes(tiny::fixture_path("recipe.toml"));
  const Recipe r = parse_recipe(text, "recipe.toml");
  EXPECT_EQ(r.name, "comity-tiny");
  EXPECT_EQ(r.version, "comity-tiny-1");
  EXPECT_EQ(r.languages, std::vector<std::string>{"en"});
  EXPECT_EQ(r.features.hash_bits, 12u);
  EXPECT_EQ(r.features.word_ngrams, 2u);
  EXPECT_EQ(r.features.char_ngram_min, 3u);
  EXPECT_EQ(r.features.char_ngram_max, 5u);
  EXPECT_EQ(r.training.epochs, 8);
  EXPECT_FLOAT_EQ(r.training.learning_rate, 0.3f);
  EXPECT_EQ(r.training.seed, 7u);
  EXPECT_EQ(r.training.threads, 2);
  EXPECT_EQ(r.training.calibration_knots, 8u);
  // No [split] table: the documented default 0-7 / 8 / 9.
  EXPECT_EQ(r.split.train, (std::vector<int>{0, 1, 2, 3, 4, 5, 6, 7}));
  EXPECT_EQ(r.split.dev, std::vector<int>{8});
  EXPECT_EQ(r.split.test, std::vector<int>{9});

  ASSERT_EQ(r.datasets.size(), 2u);
  const DatasetSpec& comments = r.datasets[0];
  EXPECT_EQ(comments.name, "comments");
  EXPECT_EQ(comments.table.format, TableFormat::kJsonl);
  EXPECT_TRUE(comments.calibrate);
  ASSERT_EQ(comments.soft_labels.size(), 2u);
  EXPECT_EQ(comments.soft_labels.at(Attribute::kToxicity), "perspective.TOXICITY");
  EXPECT_EQ(comments.soft_labels.at(Attribute::kInsult), "perspective.INSULT");

  const DatasetSpec& verdicts = r.datasets[1];
  EXPECT_EQ(verdicts.table.format, TableFormat::kTsv);
  EXPECT_EQ(verdicts.text_field, "comment");
  ASSERT_EQ(verdicts.labels.size(), 1u);
  EXPECT_EQ(verdicts.labels[0].column, "verdict");
  EXPECT_FLOAT_EQ(verdicts.labels[0].values.at("rude").at(Attribute::kInsult), 1.f);
  EXPECT_FLOAT_EQ(verdicts.labels[0].values.at("fine").at(Attribute::kToxicity), 0.f);
  EXPECT_EQ(verdicts.labels[0].values.at("fine").size(), 2u);

  ASSERT_TRUE(r.spans.has_value());
  EXPECT_EQ(r.spans->path, "spans.csv");
  EXPECT_EQ(r.spans->table.format, TableFormat::kCsv);
  EXPECT_EQ(r.sha256, sha256_hex(text));
  EXPECT_EQ(r.sha256.size(), 64u);
}

TEST(TrainerRecipe, MinimalRecipeGetsDefaults) {
  const Recipe r = parse_recipe(kMinimal, "min.toml");
  EXPECT_EQ(r.features, FeatureConfig{});
  EXPECT_EQ(r.training.epochs, TrainingParams{}.epochs);
  EXPECT_FALSE(r.spans.has_value());
  EXPECT_EQ(r.datasets[0].text_field, "text");
}

TEST(TrainerRecipe, RejectsUnknownAttribute) {
  const std::string msg = parse_error(replace_once(kMinimal, "{ TOXICITY = ", "{ TOXIC = "));
  EXPECT_NE(msg.find("unknown attribute 'TOXIC'"), std::string::npos) << msg;
  EXPECT_NE(msg.find("test.toml"), std::string::npos) << msg;
  EXPECT_NE(msg.find("'d'"), std::string::npos) << "names the dataset: " << msg;
}

TEST(TrainerRecipe, RejectsUnknownAttributeInLabelMapping) {
  const std::string toml = std::string(kMinimal) + R"(
[[datasets]]
name = "h"
path = "h.tsv"
[[datasets.labels]]
column = "c"
values = { yes = { RUDENESS = 1.0 } }
)";
  const std::string msg = parse_error(toml);
  EXPECT_NE(msg.find("unknown attribute 'RUDENESS'"), std::string::npos) << msg;
}

TEST(TrainerRecipe, RejectsMissingNameOrVersion) {
  EXPECT_NE(parse_error(replace_once(kMinimal, "name = \"n\"", "")).find("'name' and 'version'"),
            std::string::npos);
  EXPECT_NE(parse_error(replace_once(kMinimal, "version = \"v\"", "")).find("'name' and 'version'"),
            std::string::npos);
}

TEST(TrainerRecipe, RejectsHashBitsOutOfRange) {
  for (const char* bits : {"9", "27", "0"}) {
    const std::string toml =
        replace_once(kMinimal, "[[datasets]]",
                     std::string("[features]\nhash_bits = ") + bits + "\n[[datasets]]");
    const std::string msg = parse_error(toml);
    EXPECT_NE(msg.find("hash_bits"), std::string::npos) << bits << ": " << msg;
  }
  const std::string ok =
      replace_once(kMinimal, "[[datasets]]", "[features]\nhash_bits = 10\n[[datasets]]");
  EXPECT_EQ(parse_recipe(ok, "ok.toml").features.hash_bits, 10u);
}

TEST(TrainerRecipe, BadTomlNamesTheLine) {
  // Line 4 has an unterminated string.
  const std::string msg = parse_error("name = \"n\"\nversion = \"v\"\n\nbroken = \"no end\n");
  EXPECT_NE(msg.find("test.toml"), std::string::npos) << msg;
  EXPECT_NE(msg.find("line 4"), std::string::npos) << msg;
}

TEST(TrainerRecipe, RejectsDatasetWithoutLabels) {
  const std::string msg = parse_error(
      replace_once(kMinimal, "soft_labels = { TOXICITY = \"perspective.TOXICITY\" }", ""));
  EXPECT_NE(msg.find("needs soft_labels, labels or constant_labels"), std::string::npos) << msg;
}

TEST(TrainerRecipe, RejectsOtherMistakes) {
  EXPECT_NE(parse_error("name = \"n\"\nversion = \"v\"\n").find("no [[datasets]]"),
            std::string::npos);
  EXPECT_NE(parse_error(replace_once(kMinimal, "path = \"d.jsonl\"", "")).find("'path'"),
            std::string::npos);
  EXPECT_NE(parse_error(replace_once(kMinimal, "path = \"d.jsonl\"",
                                     "path = \"d.jsonl\"\nconstant_labels = { INSULT = 2.0 }"))
                .find("[0, 1]"),
            std::string::npos);
  EXPECT_NE(parse_error(replace_once(kMinimal, "path = \"d.jsonl\"",
                                     "path = \"d.jsonl\"\nformat = \"xml\""))
                .find("unknown format 'xml'"),
            std::string::npos);
  EXPECT_THROW(load_recipe(tiny::scratch("no-such-recipe.toml")), RecipeError);
}

TEST(TrainerRecipe, RejectsMisspeltKeysWrongTypesAndBadSplits) {
  const auto with = [](const std::string& table) {
    return replace_once(kMinimal, "[[datasets]]", table + "\n[[datasets]]");
  };
  EXPECT_NE(parse_error(with("[training]\nepoch = 3")).find("unknown key 'epoch'"),
            std::string::npos);
  EXPECT_NE(
      parse_error(with("[features]\nhash_bits = \"12\"")).find("'hash_bits' has the wrong type"),
      std::string::npos);
  EXPECT_NE(
      parse_error(with("[split]\ntrain = [0, 1, 8]\ndev = [8]")).find("bucket 8 is in two splits"),
      std::string::npos);
  EXPECT_NE(parse_error(with("[split]\ntest = [10]")).find("outside 0..9"), std::string::npos);
  EXPECT_NE(parse_error(with("[training]\ncalibration_knots = 1")).find("calibration_knots"),
            std::string::npos);
  const std::string minimal(kMinimal);
  const std::string twice = minimal + "\n" + minimal.substr(minimal.find("[[datasets]]"));
  EXPECT_NE(parse_error(twice).find("two datasets are named 'd'"), std::string::npos)
      << parse_error(twice);
}

TEST(TrainerReport, InRepoDatasetsResolveAgainstTheRecipeNotTheDataDir) {
  // The recipe lives in the fixture directory; the data directory is elsewhere and empty.
  const std::string recipe_path = tiny::fixture_path("recipe.toml");
  std::string text = tiny::read_bytes(recipe_path);
  text +=
      "\n[[datasets]]\nname = \"shipped\"\npath = \"labels.tsv\"\nin_repo = true\n"
      "format = \"tsv\"\ntext = \"comment\"\nconstant_labels = { THREAT = 0.0 }\n";
  Recipe r = parse_recipe(text, "inline.toml");
  r.directory = std::filesystem::path(recipe_path).parent_path().string();
  const Recipe from_file = load_recipe(recipe_path);
  EXPECT_EQ(from_file.directory, r.directory);
  TrainOptions options;
  options.data_dir = tiny::fixture_dir();
  const TrainResult result = train(r, options);
  EXPECT_GT(result.report["datasets"]["shipped"]["used"].get<int>(), 0) << result.report.dump();
  // Same data dir, but the recipe "moved" to an empty directory: only the shipped set is lost.
  r.directory = tiny::scratch("recipe-elsewhere");
  std::filesystem::create_directories(r.directory);
  try {
    train(r, options);
    ADD_FAILURE() << "expected the shipped dataset to be looked up beside the recipe";
  } catch (const RecipeError& e) {
    EXPECT_NE(std::string(e.what()).find("'shipped'"), std::string::npos) << e.what();
  }
}

TEST(TrainerSplit, Fnv1a64MatchesHandComputedValues) {
  // FNV-1a 64: offset basis, then per byte xor and multiply by the FNV prime.
  EXPECT_EQ(fnv1a64(""), 0xcbf29ce484222325ULL);
  EXPECT_EQ(fnv1a64("a"), 0xaf63dc4c8601ec8cULL);
  EXPECT_EQ(fnv1a64("a"), (0xcbf29ce484222325ULL ^ 'a') * 0x100000001b3ULL);
}

TEST(TrainerSplit, SplitIsTheHashModuloTen) {
  const SplitSpec spec;
  // 0xaf63dc4c8601ec8c = 12638187200555641996, which ends in 6: a train bucket.
  EXPECT_EQ(split_of(spec, "a"), Split::kTrain);
  // Empty text: offset basis 14695981039346656037 -> bucket 7.
  EXPECT_EQ(split_of(spec, ""), Split::kTrain);
  for (const char* text : {"a", "b", "c", "hello", "you are an idiot", "thanks!"}) {
    const int bucket = static_cast<int>(fnv1a64(text) % 10);
    const Split expected = bucket <= 7 ? Split::kTrain : bucket == 8 ? Split::kDev : Split::kTest;
    EXPECT_EQ(split_of(spec, text), expected) << text;
  }
  SplitSpec only6;
  only6.train = {6};
  only6.dev = {};
  only6.test = {};
  EXPECT_EQ(split_of(only6, "a"), Split::kTrain);
  EXPECT_EQ(split_of(only6, ""), Split::kNone);
}

TEST(TrainerFields, FindFieldFollowsDottedPaths) {
  const auto j = nlohmann::json::parse(
      R"({"perspective": {"TOXICITY": 0.25, "deep": {"x": 1}}, "a.b": "exact", "s": "str"})");
  const nlohmann::json* t = find_field(j, "perspective.TOXICITY");
  ASSERT_NE(t, nullptr);
  EXPECT_DOUBLE_EQ(t->get<double>(), 0.25);
  ASSERT_NE(find_field(j, "perspective.deep.x"), nullptr);
  EXPECT_EQ(*find_field(j, "perspective.deep.x"), 1);
  ASSERT_NE(find_field(j, "perspective"), nullptr);
  EXPECT_TRUE(find_field(j, "perspective")->is_object());
  // A key that itself contains a dot (CSV headers) wins over the path reading.
  ASSERT_NE(find_field(j, "a.b"), nullptr);
  EXPECT_EQ(*find_field(j, "a.b"), "exact");
  EXPECT_EQ(find_field(j, "perspective.INSULT"), nullptr);
  EXPECT_EQ(find_field(j, "s.length"), nullptr);  // through a non-object
  EXPECT_EQ(find_field(j, "perspective."), nullptr);
  EXPECT_EQ(find_field(j, "missing"), nullptr);
  EXPECT_EQ(find_field(nlohmann::json::array({1, 2}), "0"), nullptr);
}

// ---- Training ----

TEST(TrainerDeterminism, SameRecipeSameBytesAnyThreadCount) {
  const std::string text = tiny::read_bytes(tiny::fixture_path("recipe.toml"));
  const Recipe recipe = parse_recipe(text, "recipe.toml");
  LinearModel::save(tiny::train_fixture(recipe).weights, tiny::scratch("det-a.cmodel"));
  LinearModel::save(tiny::train_fixture(recipe).weights, tiny::scratch("det-b.cmodel"));

  Recipe one_thread = parse_recipe(replace_once(text, "threads = 2", "threads = 1"), "recipe.toml");
  ASSERT_EQ(one_thread.training.threads, 1);
  // The recipe's hash is recorded in the model; keep it so the bytes differ only if
  // the thread count changed the training.
  one_thread.sha256 = recipe.sha256;
  LinearModel::save(tiny::train_fixture(one_thread).weights, tiny::scratch("det-c.cmodel"));

  const std::string a = tiny::read_bytes(tiny::scratch("det-a.cmodel"));
  ASSERT_GT(a.size(), 1000u);
  EXPECT_TRUE(a == tiny::read_bytes(tiny::scratch("det-b.cmodel")));
  EXPECT_TRUE(a == tiny::read_bytes(tiny::scratch("det-c.cmodel")));
  // And the model records the recipe that built it.
  EXPECT_EQ(LinearModel::load(tiny::scratch("det-a.cmodel"))->info().recipe_sha256,
            sha256_hex(text));
}

TEST(TrainerLearning, RanksToxicTrainingTextsAboveHarmlessOnes) {
  const auto& fixture = tiny::trained();
  const Scorer scorer(fixture.model);
  std::vector<float> raw_toxicity, raw_insult;
  std::vector<int> labels;
  TableOptions opt;
  read_table_file(tiny::fixture_path("comments.jsonl"), opt, [&](TableRow& row) {
    const std::string text = row.fields.at("text");
    if (split_of(SplitSpec{}, text) != Split::kTrain) return true;
    const ScoreResult r = scorer.score(text);
    raw_toxicity.push_back(r.raw[index_of(Attribute::kToxicity)]);
    raw_insult.push_back(r.raw[index_of(Attribute::kInsult)]);
    labels.push_back(row.fields["perspective"]["TOXICITY"].get<double>() >= 0.5 ? 1 : 0);
    return true;
  });
  ASSERT_GT(labels.size(), 80u);
  EXPECT_GT(roc_auc(raw_toxicity, labels), 0.9);
  EXPECT_GT(roc_auc(raw_insult, labels), 0.9);

  // Loss falls while training.
  const auto& loss = fixture.result.report["attributes"]["TOXICITY"]["epoch_loss"];
  ASSERT_EQ(loss.size(), 8u);
  EXPECT_LT(loss.back().get<double>(), loss.front().get<double>());
}

TEST(TrainerLearning, UnseenRudeTextScoresAboveUnseenKindText) {
  const Scorer scorer(tiny::trained().model);
  const auto t = index_of(Attribute::kToxicity);
  EXPECT_GT(scorer.score("what a moron you are").raw[t],
            scorer.score("what a lovely morning").raw[t] + 0.2f);
}

TEST(TrainerReport, CountsEveryRowAndWhyItWasSkipped) {
  const nlohmann::json& report = tiny::trained().result.report;
  EXPECT_EQ(report["recipe"]["name"], "comity-tiny");
  const auto& comments = report["datasets"]["comments"];
  EXPECT_EQ(comments["rows"], 122);
  EXPECT_EQ(comments["used"], 122);
  EXPECT_EQ(comments["train"].get<int>() + comments["dev"].get<int>() +
                comments["test_held_out"].get<int>(),
            122);

  // labels.tsv: 50 verdicts (4 of them "unsure", which maps to nothing), one row
  // with invalid UTF-8 bytes and one with an empty comment.
  const auto& verdicts = report["datasets"]["verdicts"];
  EXPECT_EQ(verdicts["rows"], 52);
  EXPECT_EQ(verdicts["skipped_invalid_utf8"], 1);
  EXPECT_EQ(verdicts["skipped_no_text"], 1);
  EXPECT_EQ(verdicts["skipped_unlabelled"], 4);
  EXPECT_EQ(verdicts["skipped_bad_rows"], 0);
  EXPECT_EQ(verdicts["used"], 46);

  // Only the train split trains; calibration uses the dev rows of "comments" only.
  const int train_rows = comments["train"].get<int>() + verdicts["train"].get<int>();
  EXPECT_EQ(report["examples"]["train"], train_rows);
  EXPECT_EQ(report["examples"]["calibration"], comments["dev"]);
  EXPECT_EQ(report["attributes"]["TOXICITY"]["calibration_examples"], comments["dev"]);

  EXPECT_EQ(report["spans"]["posts"], 34);
  EXPECT_EQ(report["spans"]["skipped_rows"], 0);
}

TEST(TrainerReport, CountsRowsWithoutTextAndUnparseableRows) {
  const auto dir = tiny::scratch_dir() / "skips";
  std::filesystem::create_directories(dir);
  tiny::write_bytes((dir / "c.jsonl").string(),
                    "{\"text\": \"you are a clown\", \"p\": 0.9}\n"
                    "{\"p\": 0.1}\n"                           // no text
                    "{\"text\": \"   \", \"p\": 0.1}\n"        // blank text
                    "{\"text\": \"fine\", \"p\": \"high\"}\n"  // label not a number
                    "{\"text\": \"ok\", \"p\": 1.5}\n"         // label out of range
                    "{not json\n"                              // unparseable
                    "{\"text\": \"thanks a lot\", \"p\": 0.05}\n");
  const Recipe recipe = parse_recipe(R"(
name = "skips"
version = "skips-1"
[features]
hash_bits = 10
[[datasets]]
name = "c"
path = "c.jsonl"
soft_labels = { TOXICITY = "p" }
)",
                                     "skips.toml");
  TrainOptions options;
  options.data_dir = dir.string();
  const TrainResult result = train(recipe, options);
  const auto& c = result.report["datasets"]["c"];
  EXPECT_EQ(c["rows"], 7);
  EXPECT_EQ(c["skipped_no_text"], 2);
  EXPECT_EQ(c["skipped_unlabelled"], 2);
  EXPECT_EQ(c["skipped_bad_rows"], 1);
  EXPECT_EQ(c["used"], 2);
}

TEST(TrainerReport, MissingDatasetFailsUnlessOptional) {
  std::string toml = std::string(kMinimal);
  toml = replace_once(toml, "path = \"d.jsonl\"", "path = \"absent.jsonl\"");
  TrainOptions options;
  options.data_dir = tiny::fixture_dir();
  try {
    train(parse_recipe(toml, "t.toml"), options);
    ADD_FAILURE() << "expected RecipeError";
  } catch (const RecipeError& e) {
    EXPECT_NE(std::string(e.what()).find("absent.jsonl"), std::string::npos) << e.what();
  }
  const std::string optional_toml =
      replace_once(toml, "path = \"absent.jsonl\"", "path = \"absent.jsonl\"\noptional = true") +
      "[[datasets]]\nname = \"comments\"\npath = \"comments.jsonl\"\n"
      "soft_labels = { TOXICITY = \"perspective.TOXICITY\" }\n";
  const TrainResult r = train(parse_recipe(optional_toml, "t.toml"), options);
  EXPECT_TRUE(r.report["datasets"]["d"].contains("skipped"));
  EXPECT_EQ(r.report["datasets"]["comments"]["used"], 122);
}

TEST(TrainerMasks, ADatasetLabellingOnlyToxicityLeavesOtherHeadsAlone) {
  const std::string base = R"(
name = "masks"
version = "masks-1"
[features]
hash_bits = 10
[training]
epochs = 2
[[datasets]]
name = "comments"
path = "comments.jsonl"
soft_labels = { TOXICITY = "perspective.TOXICITY", INSULT = "perspective.INSULT" }
)";
  const std::string with_verdicts = base + R"(
[[datasets]]
name = "verdicts"
path = "labels.tsv"
text = "comment"
[[datasets.labels]]
column = "verdict"
values = { rude = { TOXICITY = 1.0 }, fine = { TOXICITY = 0.0 } }
)";
  TrainOptions options;
  options.data_dir = tiny::fixture_dir();
  const auto a = train(parse_recipe(base, "a.toml"), options).report;
  const auto b = train(parse_recipe(with_verdicts, "b.toml"), options).report;
  auto examples = [](const nlohmann::json& report, const char* attr) {
    return report["attributes"][attr]["train_examples"].get<int>();
  };
  const int comments_train = a["datasets"]["comments"]["train"].get<int>();
  const int verdicts_train = b["datasets"]["verdicts"]["train"].get<int>();
  ASSERT_GT(verdicts_train, 20);
  EXPECT_EQ(examples(a, "TOXICITY"), comments_train);
  EXPECT_EQ(examples(b, "TOXICITY"), comments_train + verdicts_train);
  EXPECT_EQ(examples(a, "INSULT"), comments_train);
  EXPECT_EQ(examples(b, "INSULT"), comments_train);
  for (const char* other : {"SEVERE_TOXICITY", "IDENTITY_ATTACK", "PROFANITY", "THREAT",
                            "SEXUALLY_EXPLICIT", "FLIRTATION"}) {
    EXPECT_EQ(examples(a, other), 0) << other;
    EXPECT_EQ(examples(b, other), 0) << other;
  }
}

TEST(TrainerMasks, HeadsWithoutExamplesStayAtZeroWeights) {
  const auto& fixture = tiny::trained();
  const auto& w = fixture.result.weights.attribute_weights;
  const std::size_t threat = index_of(Attribute::kThreat);
  const std::size_t tox = index_of(Attribute::kToxicity);
  bool any_toxicity = false;
  for (std::size_t b = 0; b < w.size() / kNumAttributes; ++b) {
    ASSERT_EQ(w[b * kNumAttributes + threat], 0.f) << "bucket " << b;
    any_toxicity |= w[b * kNumAttributes + tox] != 0.f;
  }
  EXPECT_TRUE(any_toxicity);
}

TEST(TrainerReport, DedupRequireAndConstantLabels) {
  const auto dir = tiny::scratch_dir() / "dedup";
  std::filesystem::create_directories(dir);
  tiny::write_bytes((dir / "old.jsonl").string(),
                    "{\"text\": \"you are a clown\", \"t\": 0.4, \"lang\": \"en\"}\n"
                    "{\"text\": \"lovely garden\", \"t\": 0.1, \"lang\": \"en\"}\n"
                    "{\"text\": \"ein Garten\", \"t\": 0.1, \"lang\": \"de\"}\n");
  tiny::write_bytes((dir / "new.jsonl").string(),
                    "{\"text\": \"you are a clown\", \"t\": 0.9}\n"
                    "{\"text\": \"what an idiot\", \"t\": 0.95}\n");
  tiny::write_bytes((dir / "rude.tsv").string(), "text\nget lost\nyou are a clown\n");
  const Recipe recipe = parse_recipe(R"(
name = "dedup"
version = "dedup-1"
[features]
hash_bits = 10
[split]
train = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]
dev = []
test = []
[[datasets]]
name = "old"
path = "old.jsonl"
soft_labels = { TOXICITY = "t" }
dedup_group = "ref"
priority = 1
require = { lang = "en" }
[[datasets]]
name = "new"
path = "new.jsonl"
soft_labels = { TOXICITY = "t" }
dedup_group = "ref"
priority = 2
[[datasets]]
name = "rude"
path = "rude.tsv"
constant_labels = { TOXICITY = 1.0, INSULT = 1.0 }
)",
                                     "dedup.toml");
  TrainOptions options;
  options.data_dir = dir.string();
  const nlohmann::json report = train(recipe, options).report;
  const auto& old_counts = report["datasets"]["old"];
  EXPECT_EQ(old_counts["rows"], 3);
  EXPECT_EQ(old_counts["skipped_filtered"], 1);    // lang "de"
  EXPECT_EQ(old_counts["duplicates_removed"], 1);  // "new" has the higher priority
  EXPECT_EQ(old_counts["used"], 1);
  EXPECT_EQ(report["datasets"]["new"]["used"], 2);
  EXPECT_EQ(report["datasets"]["new"]["duplicates_removed"], 0);
  // Outside the dedup group the same text is kept.
  EXPECT_EQ(report["datasets"]["rude"]["used"], 2);
  EXPECT_EQ(report["examples"]["train"], 5);
  EXPECT_EQ(report["attributes"]["TOXICITY"]["train_examples"], 5);
  EXPECT_EQ(report["attributes"]["INSULT"]["train_examples"], 2);
}

}  // namespace
}  // namespace comity
