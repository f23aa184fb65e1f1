// Feature weighting: the uniform 1/sqrt(n) of comity-en-1 and comity-2, and TF-IDF
// (sublinear term frequency times a quantised idf, unit norm per group), through the
// extractor, the trainer and the model file.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "comity/features.h"
#include "comity/linear_model.h"
#include "comity/recipe.h"
#include "comity/text.h"
#include "tiny_fixture.h"

namespace comity {
namespace {

constexpr std::uint32_t kBits = 12;

FeatureConfig tfidf_config() {
  FeatureConfig c;
  c.hash_bits = kBits;
  c.weighting = FeatureWeighting::kTfIdf;
  return c;
}

// An idf table where every bucket has the same document frequency.
IdfTable flat_idf(std::uint32_t df, std::size_t docs) {
  return fit_idf(std::vector<std::uint32_t>(std::size_t{1} << kBits, df), docs, 1);
}

// Sum of values per bucket within [from, to): what a linear model multiplies.
std::map<std::uint32_t, double> per_bucket(const std::vector<Feature>& f, std::size_t from,
                                           std::size_t to) {
  std::map<std::uint32_t, double> m;
  for (std::size_t i = from; i < to; ++i) m[f[i].bucket] += f[i].value;
  return m;
}

double norm(const std::map<std::uint32_t, double>& m) {
  double s = 0;
  for (const auto& [b, v] : m) s += v * v;
  return std::sqrt(s);
}

TEST(FitIdf, FollowsTheSmoothedFormulaAndDropsRareAndUnseenBuckets) {
  std::vector<std::uint32_t> df = {0, 1, 2, 10, 100};
  const IdfTable t = fit_idf(df, 100, 2);
  ASSERT_EQ(t.q.size(), df.size());
  EXPECT_GT(t.step, 0.f);
  EXPECT_EQ(t.q[0], 0) << "a bucket no training text has is dropped";
  EXPECT_EQ(t.q[1], 0) << "below min_df";
  for (std::size_t b = 2; b < df.size(); ++b) {
    const double want = std::log(101.0 / (1.0 + df[b])) + 1.0;
    EXPECT_NEAR(t.at(static_cast<std::uint32_t>(b)), want, t.step / 2 + 1e-6) << "df " << df[b];
  }
  EXPECT_GT(t.q[2], t.q[3]);
  EXPECT_GT(t.q[3], t.q[4]);
  EXPECT_GE(t.q[4], 1) << "a bucket in every text keeps idf 1, never 0";
}

TEST(TfIdfFeatures, RepeatsCountSublinearlyAndEachGroupHasUnitNorm) {
  const IdfTable idf = flat_idf(5, 1000);
  std::vector<Feature> once, thrice;
  extract_features(normalize("idiot"), tfidf_config(), &idf, once);
  extract_features(normalize("idiot idiot idiot"), tfidf_config(), &idf, thrice);
  ASSERT_FALSE(once.empty());
  // "idiot": one word unigram, then its character n-grams.
  const auto word_once = per_bucket(once, 0, 1);
  EXPECT_NEAR(norm(word_once), 1.0, 1e-5);
  // Three times the word: features in order unigram(0), unigram(1), bigram(0-1),
  // unigram(2), bigram(1-2). The unigram bucket has tf 3 and the bigram tf 2, at the
  // same idf, so their weights are 1 + ln 3 and 1 + ln 2 before norming.
  ASSERT_GE(thrice.size(), 5u);
  const auto word_thrice = per_bucket(thrice, 0, 5);
  ASSERT_EQ(word_thrice.size(), 2u);
  EXPECT_NEAR(norm(word_thrice), 1.0, 1e-5);
  const double unigram = word_thrice.at(thrice[0].bucket),
               bigram = word_thrice.at(thrice[2].bucket);
  EXPECT_NEAR(unigram / bigram, (1 + std::log(3.0)) / (1 + std::log(2.0)), 1e-4);
  // Occurrences of one bucket share its weight equally, and each keeps its own token.
  for (std::size_t i : {1u, 3u}) {
    EXPECT_EQ(thrice[i].bucket, thrice[0].bucket);
    EXPECT_FLOAT_EQ(thrice[i].value, thrice[0].value);
  }
  EXPECT_EQ(thrice[0].token_begin, 0u);
  EXPECT_EQ(thrice[1].token_begin, 1u);
  EXPECT_EQ(thrice[3].token_begin, 2u);
  EXPECT_NEAR(norm(per_bucket(thrice, 5, thrice.size())), 1.0, 1e-5) << "character group";
}

TEST(TfIdfFeatures, RareBucketsWeighMoreThanCommonOnes) {
  // Two one-word texts; make every bucket common except those of "clown".
  FeatureConfig c = tfidf_config();
  std::vector<Feature> clown;
  extract_features(normalize("clown"), FeatureConfig{.hash_bits = kBits}, nullptr, clown);
  std::vector<std::uint32_t> df(std::size_t{1} << kBits, 500);
  for (const Feature& f : clown) df[f.bucket] = 2;
  const IdfTable idf = fit_idf(df, 1000, 1);
  std::vector<Feature> mixed;
  extract_features(normalize("the clown"), c, &idf, mixed);
  // Word group: "the" (common), "clown" (rare), "the clown" (common).
  const Feature& the = mixed[0];
  const Feature& word_clown = mixed[1];
  EXPECT_EQ(word_clown.token_begin, 1u);
  EXPECT_GT(word_clown.value, 2 * the.value);
}

TEST(TfIdfFeatures, BucketsWithIdfZeroAreDropped) {
  const IdfTable none = fit_idf(std::vector<std::uint32_t>(std::size_t{1} << kBits, 0), 10, 1);
  std::vector<Feature> f;
  extract_features(normalize("nobody has seen these words"), tfidf_config(), &none, f);
  EXPECT_TRUE(f.empty()) << "unknown n-grams neither score nor dilute the known ones";
}

TEST(TfIdfFeatures, RefusesToRunWithoutItsTable) {
  std::vector<Feature> f;
  EXPECT_THROW(extract_features(normalize("idiot"), tfidf_config(), nullptr, f), std::logic_error);
  const IdfTable wrong = fit_idf(std::vector<std::uint32_t>(16, 1), 10, 1);
  EXPECT_THROW(extract_features(normalize("idiot"), tfidf_config(), &wrong, f), std::logic_error);
}

TEST(UniformFeatures, AreUnchangedByTheTfIdfOption) {
  std::vector<Feature> f;
  extract_features(normalize("idiot idiot"), FeatureConfig{.hash_bits = kBits}, nullptr, f);
  // 2 unigrams + 1 bigram: each 1/sqrt(3), repeats kept as they are.
  ASSERT_GE(f.size(), 3u);
  for (std::size_t i = 0; i < 3; ++i) EXPECT_FLOAT_EQ(f[i].value, 1.f / std::sqrt(3.f));
}

// The tiny fixture trained with TF-IDF: the idf table reaches the file, and the loaded
// model scores exactly as the in-memory one.
Recipe tfidf_recipe() {
  Recipe r = tiny::fixture_recipe();
  r.features.weighting = FeatureWeighting::kTfIdf;
  r.features.min_df = 2;
  return r;
}

TEST(TfIdfModel, TrainsSavesAndLoadsWithItsIdfTable) {
  const TrainResult result = tiny::train_fixture(tfidf_recipe());
  ASSERT_EQ(result.weights.idf.q.size(), std::size_t{1} << result.weights.info.features.hash_bits);
  const std::string path = tiny::scratch("tfidf.cmodel");
  LinearModel::save(result.weights, path);
  const auto loaded = LinearModel::load(path);
  const auto in_memory = LinearModel::from_weights(result.weights);
  ASSERT_NE(loaded->idf(), nullptr);
  EXPECT_EQ(*loaded->idf(), result.weights.idf);
  EXPECT_EQ(loaded->info().features, result.weights.info.features);
  for (const char* text : {"you are an idiot", "thanks for the lovely recipe", "", "idiot idiot"}) {
    float a[kNumAttributes], b[kNumAttributes];
    loaded->logits(normalize(text), 0, UINT32_MAX, a);
    in_memory->logits(normalize(text), 0, UINT32_MAX, b);
    for (std::size_t k = 0; k < kNumAttributes; ++k) EXPECT_FLOAT_EQ(a[k], b[k]) << text;
  }
  // It learned something: the rude comment ranks above the kind one.
  float rude[kNumAttributes], kind[kNumAttributes];
  loaded->logits(normalize("you are an idiot"), 0, UINT32_MAX, rude);
  loaded->logits(normalize("thanks for the lovely recipe"), 0, UINT32_MAX, kind);
  EXPECT_GT(rude[0], kind[0]);
  // Same recipe, same bytes.
  const std::string again = tiny::scratch("tfidf-again.cmodel");
  LinearModel::save(tiny::train_fixture(tfidf_recipe()).weights, again);
  EXPECT_EQ(tiny::read_bytes(path), tiny::read_bytes(again));
}

TEST(TfIdfModel, WeightsWithoutTheirTableAreRefused) {
  TrainResult result = tiny::train_fixture(tfidf_recipe());
  result.weights.idf = {};
  EXPECT_THROW(LinearModel::from_weights(result.weights), ModelError);
  TrainResult uniform = tiny::train_fixture(tiny::fixture_recipe());
  uniform.weights.idf = fit_idf(
      std::vector<std::uint32_t>(std::size_t{1} << uniform.weights.info.features.hash_bits, 1), 4,
      1);
  EXPECT_THROW(LinearModel::from_weights(uniform.weights), ModelError)
      << "an idf table the features do not use";
}

TEST(TfIdfRecipe, ParsesWeightingAndMinDf) {
  const std::string dir = tiny::scratch("recipe-tfidf");
  std::filesystem::create_directories(dir);
  auto parse = [&](const std::string& features) {
    tiny::write_bytes(dir + "/r.toml",
                      std::string(tiny::kMinimalRecipe) + "[features]\n" + features);
    return load_recipe(dir + "/r.toml");
  };
  const Recipe r = parse("weighting = \"tfidf\"\nmin_df = 3\n");
  EXPECT_EQ(r.features.weighting, FeatureWeighting::kTfIdf);
  EXPECT_EQ(r.features.min_df, 3u);
  EXPECT_EQ(parse("").features.weighting, FeatureWeighting::kUniform);
  EXPECT_THROW(parse("weighting = \"bm25\"\n"), RecipeError);
  EXPECT_THROW(parse("weighting = \"tfidf\"\nmin_df = 0\n"), RecipeError);
  EXPECT_THROW(parse("min_df = 2\n"), RecipeError) << "min_df without TF-IDF means nothing";
}

}  // namespace
}  // namespace comity
