// Model file formats 1 and 2 through the classifier seam: a format 1 file written by
// hand still loads and scores like the same weights saved as format 2, and the named
// sections of format 2 are refused when missing, mis-sized, overlapping, damaged or of
// an architecture this build does not know.
#include "model_bytes.h"  // first: it defines XXH_INLINE_ALL before <xxhash.h>

#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "comity/classifier.h"
#include "comity/contextual_model.h"
#include "comity/linear_model.h"
#include "comity/model.h"
#include "contextual_fixture.h"

namespace comity {
namespace {

namespace fs = std::filesystem;
using model_bytes::Bytes;
using model_bytes::Json;

constexpr std::uint32_t kBits = 10;
constexpr std::size_t kBuckets = std::size_t{1} << kBits;

const std::vector<std::string>& texts() {
  static const std::vector<std::string> t = {"", "you are an idiot", "thanks for the lovely recipe",
                                             "What a clown. Thanks anyway! See you 😀 tomorrow?",
                                             "ＹＯＵ ＡＲＥ ＡＮ ＩＤＩＯＴ"};
  return t;
}

std::array<float, kNumAttributes> logits_of(const Classifier& c, const std::string& text) {
  std::array<float, kNumAttributes> out{};
  c.logits(normalize(text), 0, UINT32_MAX, out.data());
  return out;
}

void expect_same_logits(const Classifier& a, const Classifier& b, float tolerance) {
  for (const std::string& text : texts()) {
    const auto x = logits_of(a, text), y = logits_of(b, text);
    for (std::size_t k = 0; k < kNumAttributes; ++k) {
      EXPECT_NEAR(x[k], y[k], tolerance * std::max(1.f, std::fabs(y[k])))
          << "'" << text << "' attribute " << k;
    }
  }
}

// ---- format 1, written by hand from docs/model-format.md -------------------

struct V1Model {
  ModelInfo info;  // scale and span_scale set
  std::vector<std::int8_t> attr_q, span_q;
};

V1Model v1_model(std::uint32_t seed) {
  V1Model m;
  m.info = fixture::test_info("comity-v1-test");
  m.info.features.hash_bits = kBits;
  m.info.features.word_ngrams = 2;
  m.info.features.char_ngram_min = 3;
  m.info.features.char_ngram_max = 5;
  m.info.features.seed = 0xfedcba9876543210ULL;
  for (std::size_t a = 0; a < kNumAttributes; ++a) {
    m.info.bias[a] = -1.25f + 0.125f * static_cast<float>(a);
    m.info.scale[a] = 0.01f + 0.002f * static_cast<float>(a);
  }
  m.info.span_bias = -0.5f;
  m.info.span_scale = 0.02f;
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> q(-127, 127);
  m.attr_q.resize(kBuckets * kNumAttributes);
  for (auto& x : m.attr_q) x = static_cast<std::int8_t>(q(rng));
  m.span_q.resize(kBuckets);
  for (auto& x : m.span_q) x = static_cast<std::int8_t>(q(rng));
  // Every column reaches +-127, so format 2's max|w| / 127 gives back the same scale.
  for (std::size_t a = 0; a < kNumAttributes; ++a) m.attr_q[a] = a % 2 ? 127 : -127;
  m.span_q[0] = 127;
  return m;
}

Json v1_metadata(const ModelInfo& info) {
  Json j;
  j["name"] = info.name;
  j["version"] = info.version;
  j["languages"] = info.languages;
  j["features"] = {{"hash_bits", info.features.hash_bits},
                   {"word_ngrams", info.features.word_ngrams},
                   {"char_ngram_min", info.features.char_ngram_min},
                   {"char_ngram_max", info.features.char_ngram_max},
                   {"seed", info.features.seed}};
  j["recipe_sha256"] = info.recipe_sha256;
  j["created_by"] = info.created_by;
  Json attributes = Json::array(), calibration = Json::array();
  for (std::size_t a = 0; a < kNumAttributes; ++a) {
    attributes.push_back(std::string(attribute_name(attribute_at(a))));
    calibration.push_back({{"x", info.calibration[a].x}, {"y", info.calibration[a].y}});
  }
  j["attributes"] = attributes;
  j["calibration"] = calibration;
  j["bias"] = info.bias;
  j["scale"] = info.scale;
  j["span_bias"] = info.span_bias;
  j["span_scale"] = info.span_scale;
  j["span_threshold"] = info.span_threshold;
  j["quality"] = Json::parse(info.quality_json);
  return j;
}

Bytes v1_file(const V1Model& m, const Json& metadata) {
  const std::string meta = metadata.dump(2);
  const std::uint64_t weights_offset = model_bytes::align64(64 + meta.size());
  Bytes b(weights_offset, 0);
  std::copy(meta.begin(), meta.end(), b.begin() + 64);
  for (auto q : m.attr_q) b.push_back(static_cast<unsigned char>(q));
  for (auto q : m.span_q) b.push_back(static_cast<unsigned char>(q));
  b.resize(model_bytes::align64(b.size()), 0);
  const std::string magic = "COMITYMD";
  std::copy(magic.begin(), magic.end(), b.begin());
  model_bytes::put_le(b, model_bytes::kVersionAt, 1, 4);
  model_bytes::put_le(b, model_bytes::kHeaderSizeAt, 64, 4);
  model_bytes::put_le(b, model_bytes::kMetadataOffsetAt, 64);
  model_bytes::put_le(b, model_bytes::kMetadataSizeAt, meta.size());
  model_bytes::put_le(b, model_bytes::kWeightsOffsetAt, weights_offset);
  model_bytes::put_le(b, model_bytes::kFileSizeAt, b.size());
  model_bytes::reseal(b);
  return b;
}

// The same weights as floats, for LinearModel::save.
ModelWeights as_weights(const V1Model& m) {
  ModelWeights w;
  w.info = m.info;
  w.attribute_weights.resize(kBuckets * kNumAttributes);
  for (std::size_t i = 0; i < w.attribute_weights.size(); ++i) {
    w.attribute_weights[i] = static_cast<float>(m.attr_q[i]) * m.info.scale[i % kNumAttributes];
  }
  w.span_weights.resize(kBuckets);
  for (std::size_t b = 0; b < kBuckets; ++b) {
    w.span_weights[b] = static_cast<float>(m.span_q[b]) * m.info.span_scale;
  }
  return w;
}

class ModelFormatTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("comity_model_format_test_" + std::to_string(::getpid()));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string path(const std::string& name) const { return (dir_ / name).string(); }

  std::string write(const std::string& name, const Bytes& b) const {
    model_bytes::write(dir_ / name, b);
    return path(name);
  }

  std::string contextual_file(const std::string& name, bool with_linear) const {
    const auto w = fixture::contextual(fixture::shape(10, 8, 16), 3, with_linear);
    ContextualModel::save(w, path(name));
    return path(name);
  }

  // Loading through the seam must throw a ModelError naming the file and the problem.
  static void expect_refused(const std::string& p, const std::string& problem) {
    try {
      load_classifier(p);
      ADD_FAILURE() << "loaded " << p << " but expected: " << problem;
    } catch (const ModelError& e) {
      const std::string msg = e.what();
      EXPECT_NE(msg.find(p), std::string::npos) << msg;
      EXPECT_NE(msg.find(problem), std::string::npos) << msg;
    }
  }

  // The contextual file `name`, its metadata edited by `edit`, written as `out`.
  std::string edited(const std::string& name, bool with_linear, const std::string& out,
                     const std::function<void(Json&)>& edit) const {
    Bytes b = model_bytes::read(contextual_file(name, with_linear));
    model_bytes::edit_metadata(b, edit);
    return write(out, b);
  }

  fs::path dir_;
};

Json& section_named(Json& metadata, const std::string& name) {
  for (Json& s : metadata["sections"]) {
    if (s["name"] == name) return s;
  }
  ADD_FAILURE() << "no section " << name;
  static Json none;
  return none;
}

void erase_section(Json& metadata, const std::string& name) {
  Json& list = metadata["sections"];
  for (std::size_t i = 0; i < list.size(); ++i) {
    if (list[i]["name"] == name) {
      list.erase(i);
      return;
    }
  }
  ADD_FAILURE() << "no section " << name;
}

TEST_F(ModelFormatTest, HandWrittenFormat1LoadsWithBothReaders) {
  const V1Model m = v1_model(1);
  const Bytes bytes = v1_file(m, v1_metadata(m.info));
  const std::string p = write("v1.cmodel", bytes);

  const auto linear = LinearModel::load(p);
  const auto any = load_classifier(p);
  EXPECT_EQ(linear->architecture(), "linear");
  EXPECT_EQ(any->architecture(), "linear");
  EXPECT_NE(dynamic_cast<const LinearModel*>(any.get()), nullptr);
  for (const Classifier* c : {static_cast<const Classifier*>(linear.get()), any.get()}) {
    EXPECT_EQ(c->checksum(), model_bytes::get_le(bytes, model_bytes::kChecksumAt));
    EXPECT_EQ(c->file_size(), bytes.size());
    const ModelInfo& info = c->info();
    EXPECT_EQ(info.name, m.info.name);
    EXPECT_EQ(info.version, m.info.version);
    EXPECT_EQ(info.features, m.info.features);
    EXPECT_EQ(info.bias, m.info.bias);
    EXPECT_EQ(info.scale, m.info.scale);
    EXPECT_EQ(info.span_bias, m.info.span_bias);
    EXPECT_EQ(info.span_scale, m.info.span_scale);
    EXPECT_EQ(info.span_threshold, m.info.span_threshold);
    EXPECT_EQ(info.calibration[0].x, m.info.calibration[0].x);
    EXPECT_EQ(info.calibration[0].y, m.info.calibration[0].y);
    EXPECT_EQ(info.quality_json, m.info.quality_json);
  }
  // The weights are read in place: bucket-major int8 rows, then the span column.
  for (std::uint32_t b = 0; b < kBuckets; b += 37) {
    for (std::size_t a = 0; a < kNumAttributes; ++a) {
      ASSERT_EQ(linear->weight(b, a),
                static_cast<float>(m.attr_q[b * kNumAttributes + a]) * m.info.scale[a]);
    }
    ASSERT_EQ(linear->span_weight(b), static_cast<float>(m.span_q[b]) * m.info.span_scale);
  }
}

TEST_F(ModelFormatTest, Format1ScoresLikeTheSameWeightsSavedAsFormat2) {
  const V1Model m = v1_model(2);
  const std::string v1 = write("v1.cmodel", v1_file(m, v1_metadata(m.info)));
  LinearModel::save(as_weights(m), path("v2.cmodel"));
  const Bytes v2_bytes = model_bytes::read(path("v2.cmodel"));
  EXPECT_EQ(model_bytes::get_le(v2_bytes, model_bytes::kVersionAt, 4), 2u);

  const auto old_model = load_classifier(v1);
  const auto new_model = load_classifier(path("v2.cmodel"));
  expect_same_logits(*old_model, *new_model, 1e-5f);
  // Token evidence too: contributions and span probabilities.
  const NormalizedText nt = normalize("you are an idiot, thanks");
  std::vector<TokenScore> a, b;
  old_model->token_evidence(nt, a);
  new_model->token_evidence(nt, b);
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t t = 0; t < a.size(); ++t) {
    EXPECT_EQ(a[t].norm, b[t].norm);
    EXPECT_NEAR(a[t].toxic_span, b[t].toxic_span, 1e-6f) << t;
    for (std::size_t k = 0; k < kNumAttributes; ++k) {
      EXPECT_NEAR(a[t].contribution[k], b[t].contribution[k], 1e-5f) << t;
    }
  }
}

TEST_F(ModelFormatTest, Format1WithWrongWeightsSizeIsRefused) {
  const V1Model m = v1_model(3);
  Bytes b = v1_file(m, v1_metadata(m.info));
  b.resize(b.size() - 64);
  model_bytes::put_le(b, model_bytes::kFileSizeAt, b.size());
  model_bytes::reseal(b);
  const std::string p = write("short.cmodel", b);
  expect_refused(p, "does not match hash_bits 10");
}

TEST_F(ModelFormatTest, Format1WithoutALinearFieldIsRefused) {
  const V1Model m = v1_model(4);
  Json meta = v1_metadata(m.info);
  meta.erase("scale");
  const std::string p = write("noscale.cmodel", v1_file(m, meta));
  expect_refused(p, "invalid metadata");
  expect_refused(p, "scale");
}

TEST_F(ModelFormatTest, FutureFormatVersionIsRefusedThroughTheSeam) {
  LinearModel::save(fixture::linear_weights(5), path("model.cmodel"));
  Bytes b = model_bytes::read(path("model.cmodel"));
  model_bytes::put_le(b, model_bytes::kVersionAt, 3, 4);
  model_bytes::reseal(b);
  expect_refused(write("future.cmodel", b),
                 "model format version 3 is not supported by this build (supports 1 and 2)");
}

// ---- format 2 ---------------------------------------------------------------

TEST_F(ModelFormatTest, Format2NamesItsArchitectureAndSections) {
  LinearModel::save(fixture::linear_weights(6), path("linear.cmodel"));
  const Json linear_meta = model_bytes::metadata(model_bytes::read(path("linear.cmodel")));
  EXPECT_EQ(linear_meta["format"], 2);
  EXPECT_EQ(linear_meta["architecture"], "linear");
  EXPECT_EQ(load_classifier(path("linear.cmodel"))->architecture(), "linear");
  const Bytes lb = model_bytes::read(path("linear.cmodel"));
  EXPECT_EQ(model_bytes::section(lb, "linear.attributes").second, kBuckets * kNumAttributes);
  EXPECT_EQ(model_bytes::section(lb, "linear.spans").second, kBuckets);

  for (bool with_linear : {false, true}) {
    const std::string p = contextual_file("ctx.cmodel", with_linear);
    const Bytes b = model_bytes::read(p);
    const Json meta = model_bytes::metadata(b);
    EXPECT_EQ(meta["architecture"], "contextual");
    std::vector<std::string> names;
    std::uint64_t previous_end = model_bytes::get_le(b, model_bytes::kWeightsOffsetAt);
    for (const Json& s : meta["sections"]) {
      names.push_back(s["name"]);
      const auto offset = s["offset"].get<std::uint64_t>();
      EXPECT_EQ(offset % 64, 0u) << s.dump();
      EXPECT_GE(offset, previous_end) << s.dump();
      previous_end = offset + s["size"].get<std::uint64_t>();
    }
    EXPECT_LE(previous_end, b.size());
    std::vector<std::string> want = {
        "contextual.embeddings", "contextual.row_scales", "contextual.conv", "contextual.conv_bias",
        "contextual.out",        "contextual.out_bias",   "contextual.span"};
    if (with_linear) want.insert(want.end(), {"linear.attributes", "linear.spans"});
    EXPECT_EQ(names, want);
    EXPECT_EQ(meta.contains("linear"), with_linear);
    const auto model = load_classifier(p);
    EXPECT_EQ(model->architecture(), "contextual");
    const auto* contextual = dynamic_cast<const ContextualModel*>(model.get());
    ASSERT_NE(contextual, nullptr);
    EXPECT_EQ(contextual->linear() != nullptr, with_linear);
    EXPECT_EQ(model->checksum(), model_bytes::get_le(b, model_bytes::kChecksumAt));
    EXPECT_EQ(model->file_size(), b.size());
  }
}

TEST_F(ModelFormatTest, ContextualFileIsNotALinearModel) {
  const std::string p = contextual_file("ctx.cmodel", true);
  try {
    LinearModel::load(p);
    ADD_FAILURE() << "LinearModel::load accepted a contextual model";
  } catch (const ModelError& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find(p), std::string::npos) << msg;
    EXPECT_NE(msg.find("architecture 'contextual' is not a linear model"), std::string::npos)
        << msg;
  }
}

TEST_F(ModelFormatTest, UnknownOrMissingArchitectureIsRefused) {
  const std::string p = edited("ctx.cmodel", false, "transformer.cmodel",
                               [](Json& m) { m["architecture"] = "transformer"; });
  expect_refused(p,
                 "architecture 'transformer' is not supported by this build "
                 "(supports linear and contextual)");
  EXPECT_THROW(LinearModel::load(p), ModelError);
  expect_refused(
      edited("ctx.cmodel", false, "none.cmodel", [](Json& m) { m.erase("architecture"); }),
      "invalid metadata");
}

TEST_F(ModelFormatTest, TruncatedOrCorruptSectionIsRefused) {
  Bytes b = model_bytes::read(contextual_file("ctx.cmodel", true));
  const auto [conv_at, conv_size] = model_bytes::section(b, "contextual.conv");
  ASSERT_GT(conv_size, 0u);

  Bytes cut = b;
  cut.resize(cut.size() - 64);
  expect_refused(write("cut.cmodel", cut), "truncated");

  Bytes flipped = b;
  flipped[conv_at + 5] ^= 0x20;
  expect_refused(write("flipped.cmodel", flipped), "corrupt: checksum mismatch");

  // Resealed, the damage reaches the section reader.
  Bytes nan = b;
  for (int i = 0; i < 4; ++i) nan[conv_at + 4 + i] = i == 3 ? 0x7f : 0xff;
  model_bytes::reseal(nan);
  expect_refused(write("nan.cmodel", nan), "section 'contextual.conv' holds a non-finite value");

  Bytes negative = b;
  const auto scales_at = model_bytes::section(b, "contextual.row_scales").first;
  negative[scales_at + 3] |= 0x80;  // sign bit of the first row's scale
  model_bytes::reseal(negative);
  expect_refused(write("negative.cmodel", negative), "negative scale");
}

TEST_F(ModelFormatTest, MissingSectionIsRefused) {
  for (const char* name :
       {"contextual.embeddings", "contextual.conv", "contextual.out_bias", "contextual.span"}) {
    expect_refused(
        edited("ctx.cmodel", false, "missing.cmodel", [&](Json& m) { erase_section(m, name); }),
        std::string("section '") + name + "' is missing");
  }
  expect_refused(edited("ens.cmodel", true, "missing-spans.cmodel",
                        [](Json& m) { erase_section(m, "linear.spans"); }),
                 "section 'linear.spans' is missing");
}

// The metadata of an ensemble describes its linear part ("linear", a non-zero
// linear_weight); a file that lost the linear weights is damaged, not a network alone.
// DISABLED: ContextualModelReader only looks for the section "linear.attributes" and
// silently serves the network without its linear part when it is absent.
TEST_F(ModelFormatTest, EnsembleWithoutLinearWeightsIsRefused) {
  const std::string p = edited("ens.cmodel", true, "no-linear.cmodel", [](Json& m) {
    erase_section(m, "linear.attributes");
    erase_section(m, "linear.spans");
  });
  expect_refused(p, "linear.attributes");
}

TEST_F(ModelFormatTest, SectionSizeMismatchIsRefused) {
  expect_refused(edited("ctx.cmodel", false, "size.cmodel",
                        [](Json& m) {
                          Json& s = section_named(m, "contextual.conv");
                          s["size"] = s["size"].get<std::uint64_t>() - 4;
                        }),
                 "section 'contextual.conv' has 1532 bytes, the metadata needs 1536");
  // A shape that does not match the sections it comes with.
  expect_refused(edited("ctx.cmodel", false, "shape.cmodel",
                        [](Json& m) { m["contextual"]["shape"]["hidden"] = 32; }),
                 "the metadata needs");
  expect_refused(edited("ens.cmodel", true, "linear-size.cmodel",
                        [](Json& m) { m["linear"]["features"]["hash_bits"] = 11; }),
                 "does not match hash_bits 11");
}

TEST_F(ModelFormatTest, OverlappingOutOfBoundsOrRepeatedSectionsAreRefused) {
  const std::string problem = "is out of bounds, overlapping or repeated";
  expect_refused(edited("ctx.cmodel", false, "overlap.cmodel",
                        [](Json& m) { m["sections"][2]["offset"] = m["sections"][1]["offset"]; }),
                 problem);
  expect_refused(edited("ctx.cmodel", false, "repeated.cmodel",
                        [](Json& m) { m["sections"][6]["name"] = m["sections"][5]["name"]; }),
                 problem);
  // The last section runs past the end of the file (by one alignment block, or by far).
  const std::uint64_t file_size = model_bytes::read(contextual_file("ctx.cmodel", false)).size();
  expect_refused(edited("ctx.cmodel", false, "beyond.cmodel",
                        [&](Json& m) {
                          Json& last = m["sections"][6];
                          last["size"] = file_size - last["offset"].get<std::uint64_t>() + 64;
                        }),
                 problem);
  expect_refused(edited("ctx.cmodel", false, "far.cmodel",
                        [](Json& m) { m["sections"][6]["size"] = 1u << 30; }),
                 "invalid metadata");
  expect_refused(edited("ctx.cmodel", false, "misaligned.cmodel",
                        [](Json& m) {
                          m["sections"][6]["offset"] =
                              m["sections"][6]["offset"].get<std::uint64_t>() + 4;
                        }),
                 problem);
  // Before the first section offset the header declares (inside the metadata block).
  expect_refused(
      edited("ctx.cmodel", false, "early.cmodel", [](Json& m) { m["sections"][0]["offset"] = 64; }),
      problem);
}

TEST_F(ModelFormatTest, BadContextualMetadataIsRefused) {
  expect_refused(edited("ctx.cmodel", false, "window.cmodel",
                        [](Json& m) { m["contextual"]["shape"]["window"] = 5; }),
                 "window must be 3");
  expect_refused(edited("ctx.cmodel", false, "bits.cmodel",
                        [](Json& m) { m["contextual"]["shape"]["hash_bits"] = 25; }),
                 "contextual shape out of range");
  expect_refused(edited("ctx.cmodel", false, "lw.cmodel",
                        [](Json& m) { m["contextual"]["linear_weight"].erase(0); }),
                 "linear_weight");
  expect_refused(
      edited("ctx.cmodel", false, "nocontext.cmodel", [](Json& m) { m.erase("contextual"); }),
      "invalid metadata");
  expect_refused(
      edited("ctx.cmodel", false, "attrs.cmodel", [](Json& m) { m["attributes"][5] = "THREAD"; }),
      "do not match this build's attributes");
}

// A linear_weight beyond the float range must not load as infinity.
// DISABLED: ContextualModelReader checks std::isfinite on the double and then narrows
// with get<float>(), so 1e39 becomes +inf and every logit of the model inf or NaN.
TEST_F(ModelFormatTest, LinearWeightBeyondFloatRangeIsRefused) {
  const std::string p = edited("ens.cmodel", true, "huge.cmodel",
                               [](Json& m) { m["contextual"]["linear_weight"][0] = 1e39; });
  expect_refused(p, "linear_weight");
}

}  // namespace
}  // namespace comity
