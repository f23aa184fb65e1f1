// The model file: round trip, determinism, and refusal of damaged or foreign files.
#define XXH_INLINE_ALL
#include <gtest/gtest.h>
#include <unistd.h>
#include <xxhash.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>

#include "comity/linear_model.h"
#include "comity/model.h"

namespace comity {
namespace {

namespace fs = std::filesystem;
using Bytes = std::vector<unsigned char>;

constexpr std::uint32_t kBits = 10;
constexpr std::size_t kBuckets = std::size_t{1} << kBits;

ModelWeights make_weights(std::uint32_t seed) {
  ModelWeights w;
  ModelInfo& info = w.info;
  info.name = "comity-test";
  info.version = "comity-test-3";
  info.languages = {"en", "fr"};
  info.features.hash_bits = kBits;
  info.features.word_ngrams = 3;
  info.features.char_ngram_min = 2;
  info.features.char_ngram_max = 4;
  info.features.seed = 0xfedcba9876543210ULL;  // needs all 64 bits to round-trip
  info.recipe_sha256 = std::string(64, 'a');
  info.created_by = "comity 0.1.0 (test)";
  info.calibration[0] = {{0.1f, 0.35f, 0.9f}, {0.f, 0.4f, 1.f}};
  info.calibration[5] = {{0.2f}, {0.25f}};
  for (std::size_t a = 0; a < kNumAttributes; ++a) info.bias[a] = -1.5f + 0.1f * a;
  info.span_bias = -0.75f;
  info.span_threshold = 0.6f;
  info.quality_json = R"({"auc":{"TOXICITY":0.93},"examples":1200})";
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal(0.f, 0.5f);
  w.attribute_weights.resize(kBuckets * kNumAttributes);
  for (float& x : w.attribute_weights) x = normal(rng);
  // One attribute with no signal at all must quantise to zeros with scale 0.
  for (std::size_t b = 0; b < kBuckets; ++b) w.attribute_weights[b * kNumAttributes + 7] = 0.f;
  w.span_weights.resize(kBuckets);
  for (float& x : w.span_weights) x = normal(rng);
  return w;
}

Bytes read_bytes(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return Bytes(std::istreambuf_iterator<char>(in), {});
}

void write_bytes(const fs::path& p, const Bytes& b) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
}

std::uint64_t get_u64(const Bytes& b, std::size_t at) {
  std::uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v |= std::uint64_t{b[at + i]} << (8 * i);
  return v;
}

void put_u64(Bytes& b, std::size_t at, std::uint64_t v) {
  for (int i = 0; i < 8; ++i) b[at + i] = static_cast<unsigned char>(v >> (8 * i));
}

// Makes an edited file pass the checksum so that a later check is the one that fires.
void reseal(Bytes& b) { put_u64(b, 48, XXH64(b.data() + 64, b.size() - 64, 0)); }

// Replaces `from` with the same-length `to` inside the metadata block.
void patch_metadata(Bytes& b, const std::string& from, const std::string& to) {
  ASSERT_EQ(from.size(), to.size());
  const std::size_t meta = get_u64(b, 16), size = get_u64(b, 24);
  auto begin = b.begin() + static_cast<std::ptrdiff_t>(meta);
  auto it = std::search(begin, begin + static_cast<std::ptrdiff_t>(size), from.begin(), from.end());
  ASSERT_NE(it, begin + static_cast<std::ptrdiff_t>(size)) << "metadata lacks " << from;
  std::copy(to.begin(), to.end(), it);
}

class ModelFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("comity_model_file_test_" + std::to_string(::getpid()));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  fs::path saved(const ModelWeights& w, const std::string& name = "model.cmd") {
    const fs::path p = dir_ / name;
    LinearModel::save(w, p.string());
    return p;
  }

  // Loading must throw a ModelError whose message names the file and the problem.
  void expect_refused(const fs::path& p, const std::string& problem) {
    try {
      LinearModel::load(p.string());
      ADD_FAILURE() << "loaded " << p << " but expected: " << problem;
    } catch (const ModelError& e) {
      const std::string msg = e.what();
      EXPECT_NE(msg.find(p.string()), std::string::npos) << msg;
      EXPECT_NE(msg.find(problem), std::string::npos) << msg;
    }
  }

  fs::path dir_;
};

TEST_F(ModelFileTest, RoundTripKeepsMetadata) {
  const ModelWeights w = make_weights(1);
  const auto model = LinearModel::load(saved(w).string());
  const ModelInfo& got = model->info();
  const ModelInfo& want = w.info;
  EXPECT_EQ(got.name, want.name);
  EXPECT_EQ(got.version, want.version);
  EXPECT_EQ(got.languages, want.languages);
  EXPECT_EQ(got.features, want.features);
  EXPECT_EQ(got.recipe_sha256, want.recipe_sha256);
  EXPECT_EQ(got.created_by, want.created_by);
  for (std::size_t a = 0; a < kNumAttributes; ++a) {
    EXPECT_EQ(got.calibration[a].x, want.calibration[a].x) << a;
    EXPECT_EQ(got.calibration[a].y, want.calibration[a].y) << a;
  }
  EXPECT_EQ(got.bias, want.bias);
  EXPECT_EQ(got.span_bias, want.span_bias);
  EXPECT_EQ(got.span_threshold, want.span_threshold);
  EXPECT_EQ(got.quality_json, want.quality_json);
  EXPECT_EQ(model->file_size(), fs::file_size(saved(w, "again.cmd")));
}

TEST_F(ModelFileTest, ScalesAreMaxAbsOver127) {
  const ModelWeights w = make_weights(2);
  const auto model = LinearModel::load(saved(w).string());
  for (std::size_t a = 0; a < kNumAttributes; ++a) {
    float max_abs = 0.f;
    for (std::size_t b = 0; b < kBuckets; ++b) {
      max_abs = std::max(max_abs, std::fabs(w.attribute_weights[b * kNumAttributes + a]));
    }
    EXPECT_FLOAT_EQ(model->info().scale[a], max_abs / 127.f) << a;
  }
  EXPECT_EQ(model->info().scale[7], 0.f);
  for (std::size_t b = 0; b < kBuckets; ++b) EXPECT_EQ(model->weight(b, 7), 0.f);
}

TEST_F(ModelFileTest, WeightsWithinQuantisationError) {
  const ModelWeights w = make_weights(3);
  const auto model = LinearModel::load(saved(w).string());
  for (std::uint32_t b = 0; b < kBuckets; ++b) {
    for (std::size_t a = 0; a < kNumAttributes; ++a) {
      const float half_step = model->info().scale[a] / 2.f * 1.0001f;
      ASSERT_NEAR(model->weight(b, a), w.attribute_weights[b * kNumAttributes + a], half_step)
          << "bucket " << b << " attribute " << a;
    }
    ASSERT_NEAR(model->span_weight(b), w.span_weights[b], model->info().span_scale / 2.f * 1.0001f);
  }
}

TEST_F(ModelFileTest, AccumulateMatchesFloatDotProduct) {
  const ModelWeights w = make_weights(4);
  const auto model = LinearModel::load(saved(w).string());
  std::mt19937 rng(7);
  std::uniform_int_distribution<std::uint32_t> bucket(0, kBuckets - 1);
  std::uniform_real_distribution<float> value(-1.f, 1.f);
  std::vector<Feature> features(300);
  for (Feature& f : features) f = {bucket(rng), value(rng), 0, 1};

  float logits[kNumAttributes];
  std::fill(std::begin(logits), std::end(logits), 10.f);  // accumulate adds, never overwrites
  model->accumulate(features, logits);
  for (std::size_t a = 0; a < kNumAttributes; ++a) {
    double exact = 10.0, bound = 0.0;
    for (const Feature& f : features) {
      exact += double{f.value} * w.attribute_weights[f.bucket * kNumAttributes + a];
      bound += std::fabs(f.value) * model->info().scale[a] / 2.0;
    }
    EXPECT_NEAR(logits[a], exact, bound + 1e-4) << a;
  }
  // Against the dequantised weights the only difference is float rounding.
  float again[kNumAttributes] = {};
  model->accumulate(features, again);
  for (std::size_t a = 0; a < kNumAttributes; ++a) {
    double dequantised = 0.0;
    for (const Feature& f : features) dequantised += f.value * model->weight(f.bucket, a);
    EXPECT_NEAR(again[a], dequantised, 1e-3) << a;
  }
}

TEST_F(ModelFileTest, SameWeightsGiveIdenticalBytes) {
  const ModelWeights w = make_weights(5);
  const Bytes first = read_bytes(saved(w, "first.cmd"));
  const Bytes second = read_bytes(saved(w, "second.cmd"));
  ASSERT_FALSE(first.empty());
  EXPECT_EQ(first, second);
  EXPECT_EQ(first.size() % 64, 0u);
  EXPECT_EQ(std::string(first.begin(), first.begin() + 8), "COMITYMD");
  EXPECT_EQ(get_u64(first, 32) % 64, 0u) << "weights offset must be 64-byte aligned";
  EXPECT_EQ(LinearModel::load((dir_ / "first.cmd").string())->checksum(), get_u64(first, 48));
}

TEST_F(ModelFileTest, EmptySpanHeadIsZero) {
  ModelWeights w = make_weights(6);
  w.span_weights.clear();
  const auto model = LinearModel::load(saved(w).string());
  EXPECT_EQ(model->info().span_scale, 0.f);
  for (std::uint32_t b = 0; b < kBuckets; ++b) ASSERT_EQ(model->span_weight(b), 0.f);
}

TEST_F(ModelFileTest, EmptyQualityRoundTripsAsEmpty) {
  ModelWeights w = make_weights(6);
  w.info.quality_json.clear();
  EXPECT_EQ(LinearModel::load(saved(w).string())->info().quality_json, "");
}

TEST_F(ModelFileTest, SaveRejectsMalformedWeights) {
  ModelWeights w = make_weights(7);
  w.attribute_weights.pop_back();
  EXPECT_THROW(saved(w), ModelError);
  w = make_weights(7);
  w.span_weights.resize(kBuckets / 2);
  EXPECT_THROW(saved(w), ModelError);
  w = make_weights(7);
  w.info.features.hash_bits = 9;
  EXPECT_THROW(saved(w), ModelError);
  w = make_weights(7);
  w.attribute_weights[3] = NAN;
  EXPECT_THROW(saved(w), ModelError);
  w = make_weights(7);
  w.info.calibration[2] = {{0.5f, 0.4f}, {0.1f, 0.2f}};
  EXPECT_THROW(saved(w), ModelError);
  w = make_weights(7);
  w.info.quality_json = "{not json";
  EXPECT_THROW(saved(w), ModelError);
}

TEST_F(ModelFileTest, RefusesNonexistentPath) {
  expect_refused(dir_ / "does-not-exist.cmd", "cannot open");
}

TEST_F(ModelFileTest, RefusesEmptyFile) {
  write_bytes(dir_ / "empty.cmd", {});
  expect_refused(dir_ / "empty.cmd", "too short");
}

TEST_F(ModelFileTest, RefusesTruncatedFile) {
  Bytes b = read_bytes(saved(make_weights(8)));
  b.resize(b.size() - 100);
  write_bytes(dir_ / "truncated.cmd", b);
  expect_refused(dir_ / "truncated.cmd", "truncated");
}

TEST_F(ModelFileTest, RefusesFlippedWeightByte) {
  Bytes b = read_bytes(saved(make_weights(9)));
  b[get_u64(b, 32) + 77] ^= 0x10;
  write_bytes(dir_ / "flipped.cmd", b);
  expect_refused(dir_ / "flipped.cmd", "corrupt: checksum mismatch");
}

TEST_F(ModelFileTest, RefusesWrongMagic) {
  Bytes b = read_bytes(saved(make_weights(10)));
  b[0] = 'X';
  write_bytes(dir_ / "magic.cmd", b);
  expect_refused(dir_ / "magic.cmd", "not a Comity model file");
}

TEST_F(ModelFileTest, RefusesFutureFormatVersion) {
  Bytes b = read_bytes(saved(make_weights(11)));
  b[8] = 3;  // u32 format_version, little-endian
  reseal(b);
  write_bytes(dir_ / "future.cmd", b);
  expect_refused(dir_ / "future.cmd",
                 "model format version 3 is not supported by this build (supports 1 and 2)");
}

TEST_F(ModelFileTest, RefusesForeignAttributeList) {
  Bytes b = read_bytes(saved(make_weights(12)));
  patch_metadata(b, "\"THREAT\"", "\"THREAD\"");
  reseal(b);
  write_bytes(dir_ / "attrs.cmd", b);
  expect_refused(dir_ / "attrs.cmd", "do not match this build's attributes");
}

TEST_F(ModelFileTest, RefusesHashBitsOutOfRange) {
  Bytes b = read_bytes(saved(make_weights(13)));
  patch_metadata(b, "\"hash_bits\": 10", "\"hash_bits\": 27");
  reseal(b);
  write_bytes(dir_ / "bits.cmd", b);
  expect_refused(dir_ / "bits.cmd", "outside the supported range [10, 26]");
}

TEST_F(ModelFileTest, RefusesWeightsNotMatchingHashBits) {
  Bytes b = read_bytes(saved(make_weights(14)));
  patch_metadata(b, "\"hash_bits\": 10", "\"hash_bits\": 11");
  reseal(b);
  write_bytes(dir_ / "size.cmd", b);
  expect_refused(dir_ / "size.cmd", "does not match hash_bits 11");
}

TEST_F(ModelFileTest, RefusesInvalidMetadata) {
  Bytes b = read_bytes(saved(make_weights(15)));
  patch_metadata(b, "\"name\":", "\"name\"!");
  reseal(b);
  write_bytes(dir_ / "json.cmd", b);
  expect_refused(dir_ / "json.cmd", "invalid metadata");

  b = read_bytes(saved(make_weights(15)));
  patch_metadata(b, "\"span_bias\"", "\"span_bixs\"");  // a required field goes missing
  reseal(b);
  write_bytes(dir_ / "missing.cmd", b);
  expect_refused(dir_ / "missing.cmd", "span_bias");
}

}  // namespace
}  // namespace comity
