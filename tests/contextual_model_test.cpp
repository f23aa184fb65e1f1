// The comity-2 contextual network (contextual_net.h) and its serving model
// (contextual_model.h): file round trip, kernels, attributions, the empty text,
// determinism, the linear part of an ensemble, and the max pooling that keeps one toxic
// sentence of a long comment from being averaged away.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "comity/classifier.h"
#include "comity/contextual_model.h"
#include "comity/contextual_net.h"
#include "comity/language_profile.h"
#include "comity/linear_model.h"
#include "comity/scorer.h"
#include "contextual_fixture.h"
#include "tiny_fixture.h"

namespace comity {
namespace {

using Logits = std::array<float, kNumAttributes>;

const std::vector<std::string>& texts() {
  static const std::vector<std::string> t = {
      "you are an idiot",
      "thanks for the lovely recipe",
      "What a clown. Thanks anyway! See you 😀 tomorrow?",
      "not stupid at all, just different",
      "ＹＯＵ ＡＲＥ ＡＮ ＩＤＩＯＴ",
      std::string(500, 'a'),
      "a",
  };
  return t;
}

Logits logits_of(const Classifier& c, const std::string& text) {
  Logits out{};
  c.logits(normalize(text), 0, UINT32_MAX, out.data());
  return out;
}

Logits network_logits_of(const ContextualModel& c, const std::string& text) {
  Logits out{};
  c.network_logits(normalize(text), 0, UINT32_MAX, out.data());
  return out;
}

void expect_near(const Logits& got, const Logits& want, float tolerance, const std::string& what) {
  for (std::size_t a = 0; a < kNumAttributes; ++a) {
    EXPECT_NEAR(got[a], want[a], tolerance) << what << " attribute " << a;
  }
}

// The shapes: the generic loops (8, 16) and the two compiled-in ones (32, 64), (64, 128).
const std::vector<ContextualShape>& shapes() {
  static const std::vector<ContextualShape> s = {
      fixture::shape(10, 8, 16), fixture::shape(10, 32, 64), fixture::shape(10, 64, 128)};
  return s;
}

std::string shape_name(const ContextualShape& s) {
  return "dim " + std::to_string(s.dim) + " hidden " + std::to_string(s.hidden);
}

// Each token's bag holds its word and the bigram with the previous word; word_trigrams
// adds the trigram ending at it, from the third token on; the first token has no bigram.
TEST(ContextualNet, TokenBucketsHoldWordBigramAndOptionalTrigram) {
  ContextualShape shape;
  shape.hash_bits = 12;
  shape.char_ngram_min = 3;
  shape.char_ngram_max = 3;
  const NormalizedText text = normalize("ab cd ef gh");
  TokenBuckets plain, with_trigrams;
  token_buckets(text, shape, plain);
  shape.word_trigrams = true;
  token_buckets(text, shape, with_trigrams);
  ASSERT_EQ(plain.tokens(), 4u);
  ASSERT_EQ(with_trigrams.tokens(), 4u);
  // "<ab>" has two 3-grams; token 0: word + 2, later tokens: word + bigram + 2.
  const std::vector<std::uint32_t> sizes_plain = {3, 4, 4, 4}, sizes_tri = {3, 4, 5, 5};
  for (std::uint32_t t = 0; t < 4; ++t) {
    EXPECT_EQ(plain.offsets[t + 1] - plain.offsets[t], sizes_plain[t]) << t;
    EXPECT_EQ(with_trigrams.offsets[t + 1] - with_trigrams.offsets[t], sizes_tri[t]) << t;
  }
  // The trigram is an extra bucket: the rest of each bag is unchanged.
  EXPECT_EQ(plain.buckets[plain.offsets[2]], with_trigrams.buckets[with_trigrams.offsets[2]]);
  // max_tokens and the token range bound the output.
  token_buckets(text, shape, plain, 1, 3);
  EXPECT_EQ(plain.tokens(), 2u);
  token_buckets(text, shape, plain, 0, UINT32_MAX, 1);
  EXPECT_EQ(plain.tokens(), 1u);
}

TEST(ContextualModel, SaveAndLoadGiveTheSameLogits) {
  for (const ContextualShape& s : {shapes()[0], shapes()[1]}) {
    for (bool with_linear : {false, true}) {
      const auto w = fixture::contextual(s, 11, with_linear);
      const std::string path = tiny::scratch("ctx-roundtrip.cmodel");
      ContextualModel::save(w, path);
      const auto loaded = load_classifier(path);
      ASSERT_EQ(loaded->architecture(), "contextual");
      const auto* contextual = dynamic_cast<const ContextualModel*>(loaded.get());
      ASSERT_NE(contextual, nullptr);
      EXPECT_EQ(contextual->shape(), s);
      EXPECT_EQ(contextual->linear() != nullptr, with_linear);
      const auto memory = ContextualModel::from_weights(w);
      const std::string what = shape_name(s) + (with_linear ? " ensemble" : " network");
      for (const std::string& text : texts()) {
        expect_near(logits_of(*loaded, text), logits_of(*memory, text), 1e-5f,
                    what + " '" + text.substr(0, 40) + "'");
      }
      const ModelInfo& info = loaded->info();
      EXPECT_EQ(info.name, w.info.name);
      EXPECT_EQ(info.version, w.info.version);
      EXPECT_EQ(info.recipe_sha256, w.info.recipe_sha256);
      EXPECT_EQ(info.span_threshold, w.info.span_threshold);
      EXPECT_EQ(info.quality_json, w.info.quality_json);
      EXPECT_EQ(info.calibration[0].x, w.info.calibration[0].x);
      EXPECT_EQ(info.calibration[0].y, w.info.calibration[0].y);
      if (with_linear) {
        EXPECT_EQ(info.features, w.linear->info.features);
      }
    }
  }
}

TEST(ContextualModel, EnsembleAddsTheWeightedLinearLogits) {
  const auto w = fixture::contextual(shapes()[0], 12, true);
  const auto model = ContextualModel::from_weights(w);
  ASSERT_NE(model->linear(), nullptr);
  for (const std::string& text : {std::string("you are an idiot"), std::string("thanks")}) {
    const Logits all = logits_of(*model, text), net = network_logits_of(*model, text);
    const Logits lin = logits_of(*model->linear(), text);
    for (std::size_t a = 0; a < kNumAttributes; ++a) {
      EXPECT_NEAR(all[a], net[a] + w.linear_weight[a] * lin[a], 1e-5f) << text << " " << a;
    }
  }
  // The network part equals the network alone.
  const auto alone = ContextualModel::from_weights(fixture::contextual(shapes()[0], 12, false));
  expect_near(network_logits_of(*model, "you are an idiot"), logits_of(*alone, "you are an idiot"),
              0.f, "network part");
}

// A language with a mix of its own weighs the two parts as that mix says, in memory and
// after a save; every other language keeps the global mix.
TEST(ContextualModel, ALanguageMixWeighsThePartsForThatLanguageOnly) {
  auto w = fixture::contextual(shapes()[0], 13, true);
  w.info.languages = {"de", "en"};
  LanguageMix de;
  for (std::size_t a = 0; a < kNumAttributes; ++a) {
    de.network[a] = 0.5f + 0.1f * static_cast<float>(a);
    de.linear[a] = 2.f - 0.2f * static_cast<float>(a);
    de.bias[a] = -0.25f;
  }
  w.language_mix["de"] = de;
  const std::string path = tiny::scratch("ctx-language-mix.cmodel");
  ContextualModel::save(w, path);
  const auto loaded = load_classifier(path);
  const auto* contextual = dynamic_cast<const ContextualModel*>(loaded.get());
  ASSERT_NE(contextual, nullptr);
  ASSERT_EQ(contextual->language_mix().size(), 1u);
  EXPECT_EQ(contextual->language_mix().at("de"), de);
  const auto memory = ContextualModel::from_weights(w);
  for (const ContextualModel* m : {contextual, memory.get()}) {
    const std::string text = "du bist ein idiot";
    const NormalizedText german = normalize(text, language_profile("de"));
    const NormalizedText english = normalize(text, language_profile("en"));
    Logits net{}, lin{}, got_de{}, got_en{}, net_en{}, lin_en{};
    m->network_logits(german, 0, UINT32_MAX, net.data());
    m->linear_logits(german, 0, UINT32_MAX, lin.data());
    m->logits(german, 0, UINT32_MAX, got_de.data());
    m->network_logits(english, 0, UINT32_MAX, net_en.data());
    m->linear_logits(english, 0, UINT32_MAX, lin_en.data());
    m->logits(english, 0, UINT32_MAX, got_en.data());
    for (std::size_t a = 0; a < kNumAttributes; ++a) {
      EXPECT_NEAR(got_de[a], de.network[a] * net[a] + de.bias[a] + de.linear[a] * lin[a], 1e-4f);
      EXPECT_NEAR(got_en[a], net_en[a] + w.linear_weight[a] * lin_en[a], 1e-4f);
    }
  }
  // A mix for a language the model does not serve is refused on load.
  auto stray = w;
  stray.language_mix["fr"] = de;
  ContextualModel::save(stray, path);
  EXPECT_THROW(load_classifier(path), ModelError);
}

TEST(ContextualModel, TheOthersMixServesEveryLanguageWithoutOneOfItsOwn) {
  auto w = fixture::contextual(shapes()[0], 13, true);
  w.info.languages = {"de", "en", "fi"};
  LanguageMix de, others;
  for (std::size_t a = 0; a < kNumAttributes; ++a) {
    de.network[a] = 0.5f;
    de.linear[a] = 2.f;
    de.bias[a] = -0.25f;
    others.network[a] = 1.5f - 0.1f * static_cast<float>(a);
    others.linear[a] = 0.3f;
    others.bias[a] = 0.75f;
  }
  w.language_mix["de"] = de;
  w.language_mix[std::string(kOtherLanguages)] = others;
  const std::string path = tiny::scratch("ctx-others-mix.cmodel");
  ContextualModel::save(w, path);
  const auto loaded = load_classifier(path);
  const auto* m = dynamic_cast<const ContextualModel*>(loaded.get());
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(m->language_mix().at(std::string(kOtherLanguages)), others);
  const std::string text = "sina olet idiootti";
  // Finnish has no mix of its own, nor does a language the model does not list: both
  // take "*"; German keeps its own.
  for (const std::string_view code : {"fi", "und"}) {
    const NormalizedText nt = normalize(text, language_profile(code));
    Logits net{}, lin{}, got{};
    m->network_logits(nt, 0, UINT32_MAX, net.data());
    m->linear_logits(nt, 0, UINT32_MAX, lin.data());
    m->logits(nt, 0, UINT32_MAX, got.data());
    for (std::size_t a = 0; a < kNumAttributes; ++a) {
      EXPECT_NEAR(got[a], others.network[a] * net[a] + others.bias[a] + others.linear[a] * lin[a],
                  1e-4f)
          << code;
    }
  }
  const NormalizedText german = normalize(text, language_profile("de"));
  Logits net{}, lin{}, got{};
  m->network_logits(german, 0, UINT32_MAX, net.data());
  m->linear_logits(german, 0, UINT32_MAX, lin.data());
  m->logits(german, 0, UINT32_MAX, got.data());
  for (std::size_t a = 0; a < kNumAttributes; ++a) {
    EXPECT_NEAR(got[a], de.network[a] * net[a] + de.bias[a] + de.linear[a] * lin[a], 1e-4f);
  }
}

TEST(ContextualModel, LongTextsTakeTheWorstLinearWindow) {
  const auto model = ContextualModel::from_weights(fixture::contextual(shapes()[0], 13, true));
  const std::vector<std::string> words = {"alpha",   "bravo", "charlie", "delta", "echo",
                                          "foxtrot", "golf",  "hotel",   "india", "juliett",
                                          "kilo",    "lima",  "mike"};
  std::string text;
  for (std::size_t i = 0; i < 200; ++i) text += words[i * 7 % words.size()] + " ";
  const NormalizedText nt = normalize(text);
  ASSERT_EQ(nt.tokens.size(), 200u);
  Logits got{}, window{};
  model->linear_logits(nt, 0, UINT32_MAX, got.data());
  Logits want;
  want.fill(-INFINITY);
  // Windows of 64 tokens starting every 32: [0, 64), [32, 96), ..., [160, 200).
  for (std::uint32_t begin = 0; begin <= 160; begin += 32) {
    model->linear()->logits(nt, begin, std::min(200u, begin + 64), window.data());
    for (std::size_t a = 0; a < kNumAttributes; ++a) want[a] = std::max(want[a], window[a]);
  }
  expect_near(got, want, 0.f, "windowed linear logits");
  // Up to one window the linear part reads the whole range.
  model->linear_logits(nt, 10, 74, got.data());
  model->linear()->logits(nt, 10, 74, want.data());
  expect_near(got, want, 0.f, "one window");
}

TEST(ContextualModel, PortableAndNativeKernelsAgree) {
  for (const ContextualShape& s : shapes()) {
    for (bool with_linear : {false, true}) {
      const auto w = fixture::contextual(s, 14, with_linear);
      const auto portable = ContextualModel::from_weights(w, Kernel::kPortable);
      const auto native = ContextualModel::from_weights(w, Kernel::kNative);
      for (const std::string& text : texts()) {
        expect_near(logits_of(*portable, text), logits_of(*native, text), 1e-4f,
                    shape_name(s) + " '" + text.substr(0, 40) + "'");
      }
    }
  }
}

TEST(ContextualModel, NetworkContributionsSumToTheLogitsMinusTheBias) {
  for (const ContextualShape& s : shapes()) {
    const auto w = fixture::contextual(s, 15, false);
    const auto model = ContextualModel::from_weights(w);
    for (const std::string& text : texts()) {
      const NormalizedText nt = normalize(text);
      std::vector<TokenScore> tokens;
      model->token_evidence(nt, tokens);
      ASSERT_EQ(tokens.size(), nt.tokens.size());
      const Logits l = logits_of(*model, text);
      for (std::size_t a = 0; a < kNumAttributes; ++a) {
        double sum = 0;
        for (const TokenScore& t : tokens) sum += t.contribution[a];
        EXPECT_NEAR(sum, l[a] - w.network.dense.out_bias[a], 1e-4)
            << shape_name(s) << " '" << text.substr(0, 40) << "' attribute " << a;
      }
    }
  }
}

TEST(ContextualNet, PositionContributionsSumToTheLogitsMinusTheBias) {
  for (const ContextualShape& s : shapes()) {
    const ContextualWeights w = fixture::network(s, 16);
    std::mt19937 rng(3);
    std::normal_distribution<float> normal(0.f, 1.f);
    for (std::uint32_t tokens : {1u, 2u, 7u, 40u}) {
      ContextualActivations act;
      prepare_activations(s, tokens, act);
      ASSERT_EQ(act.embedded.size(), std::size_t{tokens + 2} * s.dim);
      // Rows 1..tokens are the tokens; rows 0 and tokens + 1 stay zero padding.
      for (std::size_t i = s.dim; i < std::size_t{tokens + 1} * s.dim; ++i) {
        act.embedded[i] = normal(rng);
      }
      convolve_and_pool(s, w.dense, act, Kernel::kPortable);
      std::vector<float> contributions;
      position_contributions(s, w.dense, act, contributions);
      ASSERT_EQ(contributions.size(), std::size_t{tokens} * kNumAttributes);
      for (std::size_t a = 0; a < kNumAttributes; ++a) {
        double sum = 0;
        for (std::uint32_t t = 0; t < tokens; ++t) sum += contributions[t * kNumAttributes + a];
        EXPECT_NEAR(sum, act.logits[a] - w.dense.out_bias[a], 1e-4)
            << shape_name(s) << " tokens " << tokens << " attribute " << a;
      }
      // Pooling: the max half is the largest hidden value, argmax the position holding it.
      for (std::uint32_t j = 0; j < s.hidden; ++j) {
        float best = 0.f, mean = 0.f;
        for (std::uint32_t t = 0; t < tokens; ++t) {
          best = std::max(best, act.hidden[std::size_t{t} * s.hidden + j]);
          mean += act.hidden[std::size_t{t} * s.hidden + j];
        }
        ASSERT_EQ(act.pooled[j], best) << j;
        ASSERT_NEAR(act.pooled[s.hidden + j], mean / static_cast<float>(tokens), 1e-5f) << j;
        if (best > 0.f) {
          ASSERT_EQ(act.hidden[std::size_t{act.argmax[j]} * s.hidden + j], best) << j;
        }
      }
    }
  }
}

TEST(ContextualModel, EnsembleContributionsAddTheWeightedLinearOnes) {
  const auto w = fixture::contextual(shapes()[1], 17, true);
  const auto model = ContextualModel::from_weights(w);
  for (const std::string& text : {std::string("you are an idiot"), std::string("thanks a lot")}) {
    std::vector<TokenScore> tokens;
    model->token_evidence(normalize(text), tokens);
    const Logits l = logits_of(*model, text);
    for (std::size_t a = 0; a < kNumAttributes; ++a) {
      double sum = 0;
      for (const TokenScore& t : tokens) sum += t.contribution[a];
      const float bias = w.network.dense.out_bias[a] + w.linear_weight[a] * w.linear->info.bias[a];
      EXPECT_NEAR(sum, l[a] - bias, 1e-4) << text << " attribute " << a;
    }
  }
}

TEST(ContextualModel, TextWithoutTokensGivesTheOutputBias) {
  for (const ContextualShape& s : shapes()) {
    const auto w = fixture::contextual(s, 18, false);
    const auto model = ContextualModel::from_weights(w);
    for (const std::string text : {"", "   ", "\n\t"}) {
      ASSERT_TRUE(normalize(text).tokens.empty());
      const Logits l = logits_of(*model, text);
      for (std::size_t a = 0; a < kNumAttributes; ++a) {
        EXPECT_EQ(l[a], w.network.dense.out_bias[a]) << shape_name(s) << " attribute " << a;
      }
      std::vector<TokenScore> tokens;
      model->token_evidence(normalize(text), tokens);
      EXPECT_TRUE(tokens.empty());
    }
    // An empty token range of a non-empty text is no text at all.
    Logits l{};
    model->logits(normalize("you are an idiot"), 2, 2, l.data());
    for (std::size_t a = 0; a < kNumAttributes; ++a) EXPECT_EQ(l[a], w.network.dense.out_bias[a]);
  }
  // An ensemble adds the weighted linear bias.
  const auto w = fixture::contextual(shapes()[0], 18, true);
  const Logits l = logits_of(*ContextualModel::from_weights(w), "");
  for (std::size_t a = 0; a < kNumAttributes; ++a) {
    EXPECT_NEAR(l[a], w.network.dense.out_bias[a] + w.linear_weight[a] * w.linear->info.bias[a],
                1e-6f);
  }
}

TEST(ContextualModel, SameWeightsGiveIdenticalFiles) {
  for (bool with_linear : {false, true}) {
    const auto w = fixture::contextual(shapes()[1], 19, with_linear);
    ContextualModel::save(w, tiny::scratch("ctx-det-a.cmodel"));
    ContextualModel::save(fixture::contextual(shapes()[1], 19, with_linear),
                          tiny::scratch("ctx-det-b.cmodel"));
    const std::string a = tiny::read_bytes(tiny::scratch("ctx-det-a.cmodel"));
    ASSERT_GT(a.size(), 1024u * 32u);
    EXPECT_TRUE(a == tiny::read_bytes(tiny::scratch("ctx-det-b.cmodel"))) << with_linear;
    EXPECT_EQ(a.size() % 64, 0u);
    // Different weights, different bytes.
    ContextualModel::save(fixture::contextual(shapes()[1], 20, with_linear),
                          tiny::scratch("ctx-det-c.cmodel"));
    EXPECT_FALSE(a == tiny::read_bytes(tiny::scratch("ctx-det-c.cmodel")));
  }
}

TEST(ContextualModel, TokenEvidenceHasOneFiniteEntryPerToken) {
  for (bool with_linear : {false, true}) {
    const auto model =
        ContextualModel::from_weights(fixture::contextual(shapes()[0], 21, with_linear));
    for (const std::string& text : texts()) {
      const NormalizedText nt = normalize(text);
      std::vector<TokenScore> tokens(3);  // stale entries must be replaced
      model->token_evidence(nt, tokens);
      ASSERT_EQ(tokens.size(), nt.tokens.size()) << text;
      for (std::size_t t = 0; t < tokens.size(); ++t) {
        EXPECT_EQ(tokens[t].where, nt.tokens[t].where);
        EXPECT_EQ(tokens[t].norm, nt.tokens[t].norm);
        EXPECT_TRUE(std::isfinite(tokens[t].toxic_span));
        EXPECT_GE(tokens[t].toxic_span, 0.f);
        EXPECT_LE(tokens[t].toxic_span, 1.f);
        EXPECT_FALSE(tokens[t].highlighted);  // the caller owns the threshold
        for (float c : tokens[t].contribution) EXPECT_TRUE(std::isfinite(c)) << text;
      }
    }
  }
}

TEST(ContextualModel, SpanProbabilitiesComeFromTheSpanHead) {
  auto w = fixture::contextual(shapes()[0], 22, false);
  // A span head that reads nothing gives sigmoid(span_bias) at every token.
  std::fill(w.network.dense.span.begin(), w.network.dense.span.end(), 0.f);
  w.network.dense.span_bias = 1.f;
  std::vector<TokenScore> tokens;
  ContextualModel::from_weights(w)->token_evidence(normalize("you are an idiot"), tokens);
  ASSERT_EQ(tokens.size(), 4u);
  for (const TokenScore& t : tokens) EXPECT_NEAR(t.toxic_span, 1.f / (1.f + std::exp(-1.f)), 1e-6f);
}

TEST(ContextualModel, ScorerServesAContextualModel) {
  const auto w = fixture::contextual(shapes()[0], 23, true);
  ContextualModel::save(w, tiny::scratch("ctx-scorer.cmodel"));
  const Scorer scorer(load_classifier(tiny::scratch("ctx-scorer.cmodel")));
  EXPECT_EQ(scorer.model().architecture(), "contextual");
  for (const std::string& text : texts()) {
    const ScoreResult r = scorer.score(text, {true, true});
    for (std::size_t a = 0; a < kNumAttributes; ++a) {
      EXPECT_GT(r.raw[a], 0.f);
      EXPECT_LT(r.raw[a], 1.f);
      EXPECT_EQ(r.scores[a], scorer.model().info().calibration[a].apply(r.raw[a]));
    }
    EXPECT_EQ(r.tokens.size(), normalize(text).tokens.size());
    for (const TokenScore& t : r.tokens) {
      EXPECT_EQ(t.highlighted, t.toxic_span >= w.info.span_threshold);
    }
  }
}

// Refused by from_weights and by save; save's message also names the file.
void expect_weights_refused(const ContextualModelWeights& w, const std::string& problem) {
  try {
    ContextualModel::from_weights(w);
    ADD_FAILURE() << "from_weights accepted: " << problem;
  } catch (const ModelError& e) {
    EXPECT_NE(std::string(e.what()).find(problem), std::string::npos) << e.what();
  }
  const std::string path = tiny::scratch("ctx-bad.cmodel");
  try {
    ContextualModel::save(w, path);
    ADD_FAILURE() << "save accepted: " << problem;
  } catch (const ModelError& e) {
    EXPECT_NE(std::string(e.what()).find(problem), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
  }
}

TEST(ContextualModel, RefusesMalformedWeights) {
  const auto good = fixture::contextual(shapes()[0], 24, false);
  auto w = good;
  w.network.shape.dim = 3;
  expect_weights_refused(w, "contextual shape out of range");
  w = good;
  w.network.shape.hash_bits = 25;
  expect_weights_refused(w, "contextual shape out of range");
  w = good;
  w.network.dense.conv.pop_back();
  expect_weights_refused(w, "dense layer sizes do not match the shape");
  w = good;
  w.network.dense.out[3] = NAN;
  expect_weights_refused(w, "a dense weight is not finite");
  // A non-finite or mis-sized embedding table is refused too (the message is checked in
  // the disabled test below).
  w = good;
  w.network.embeddings[5] = INFINITY;
  EXPECT_THROW(ContextualModel::from_weights(w), ModelError);
  EXPECT_THROW(ContextualModel::save(w, tiny::scratch("ctx-bad.cmodel")), ModelError);
  w = good;
  w.network.embeddings.pop_back();
  EXPECT_THROW(ContextualModel::from_weights(w), ModelError);
  EXPECT_THROW(ContextualModel::save(w, tiny::scratch("ctx-bad.cmodel")), ModelError);
  // The linear part of an ensemble is checked like LinearModel::save checks it.
  w = fixture::contextual(shapes()[0], 24, true);
  w.linear->attribute_weights.pop_back();
  expect_weights_refused(w, "attribute weights have");
}

// DISABLED: the embedding table is checked by quantise_rows(), whose ModelError does not
// name the file ("embedding weight is not finite", "embedding table size does not match
// shape"), unlike every other refusal of ContextualModel::save and LinearModel::save.
TEST(ContextualModel, SaveNamesTheFileWhenTheEmbeddingsAreBad) {
  auto w = fixture::contextual(shapes()[0], 25, false);
  w.network.embeddings[5] = INFINITY;
  expect_weights_refused(w, "embedding weight is not finite");
  w = fixture::contextual(shapes()[0], 25, false);
  w.network.embeddings.pop_back();
  expect_weights_refused(w, "embedding table size");
}

// ---- max pooling: one toxic sentence in a long comment ------------------------

// Sets the embedding of every bucket of the word `word` (alone, so without a bigram) to
// e_0, and a hidden unit that reads e_0 of the centre token; the output reads that unit
// through the max half (`through_max`) or the mean half, and nothing else.
ContextualModelWeights one_word_detector(bool through_max, const std::set<std::uint32_t>& buckets,
                                         const ContextualShape& s) {
  ContextualModelWeights m;
  m.info = fixture::test_info("max-pool-1");
  ContextualWeights& w = m.network;
  w.shape = s;
  w.embeddings.assign((std::size_t{1} << s.hash_bits) * s.dim, 0.f);
  for (std::uint32_t b : buckets) w.embeddings[std::size_t{b} * s.dim] = 1.f;
  w.dense.conv.assign(std::size_t{s.conv_inputs()} * s.hidden, 0.f);
  w.dense.conv[std::size_t{s.dim} * s.hidden + 0] = 1.f;  // centre token, component 0 -> unit 0
  w.dense.conv_bias.assign(s.hidden, 0.f);
  w.dense.out.assign(std::size_t{s.pooled()} * kNumAttributes, 0.f);
  const std::size_t unit = through_max ? 0 : s.hidden;
  w.dense.out[unit * kNumAttributes + index_of(Attribute::kToxicity)] = 6.f;
  w.dense.out_bias.assign(kNumAttributes, -3.f);
  w.dense.span.assign(s.hidden, 0.f);
  return m;
}

TEST(ContextualMaxPooling, OneToxicSentenceKeepsItsLogitInALongHarmlessText) {
  const ContextualShape s = fixture::shape(14, 8, 16);
  TokenBuckets tb;
  token_buckets(normalize("idiot"), s, tb);
  const std::set<std::uint32_t> idiot(tb.buckets.begin(), tb.buckets.end());
  ASSERT_GE(idiot.size(), 10u);

  const std::string insult = "you are an idiot.";
  std::string harmless, long_text;
  for (int i = 0; i < 30; ++i) {
    const std::string sentence = "the weather was lovely today and we walked by the river. ";
    harmless += sentence;
    long_text += sentence;
    if (i == 14) long_text += insult + " ";
  }
  // No other token of the texts shares a bucket with "idiot" (else the test proves less).
  const NormalizedText long_nt = normalize(long_text);
  token_buckets(long_nt, s, tb);
  std::size_t idiot_tokens = 0;
  for (std::uint32_t t = 0; t < tb.tokens(); ++t) {
    if (long_nt.tokens[t].norm == "idiot") {
      ++idiot_tokens;
      continue;
    }
    for (std::uint32_t i = tb.offsets[t]; i < tb.offsets[t + 1]; ++i) {
      ASSERT_EQ(idiot.count(tb.buckets[i]), 0u) << "token '" << long_nt.tokens[t].norm << "'";
    }
  }
  ASSERT_EQ(idiot_tokens, 1u);
  ASSERT_GT(long_nt.tokens.size(), 300u);

  const auto tox = index_of(Attribute::kToxicity);
  const auto max_model = ContextualModel::from_weights(one_word_detector(true, idiot, s));
  const auto mean_model = ContextualModel::from_weights(one_word_detector(false, idiot, s));
  const float max_short = logits_of(*max_model, insult)[tox];
  const float max_long = logits_of(*max_model, long_text)[tox];
  const float mean_short = logits_of(*mean_model, insult)[tox];
  const float mean_long = logits_of(*mean_model, long_text)[tox];

  // Without the word nothing fires: the bias.
  EXPECT_EQ(logits_of(*max_model, harmless)[tox], -3.f);
  EXPECT_EQ(logits_of(*mean_model, harmless)[tox], -3.f);
  // Through the max the insult is worth as much in 300 harmless words as alone...
  EXPECT_GT(max_short, 2.f);
  EXPECT_NEAR(max_long, max_short, 1e-5f);
  // ...through the mean it is averaged away.
  EXPECT_GT(mean_short, -2.f);
  EXPECT_LT(mean_long, -2.9f);
  EXPECT_LT(mean_long, mean_short - 1.f);
  // And the attribution puts all of it on the insult.
  std::vector<TokenScore> tokens;
  max_model->token_evidence(long_nt, tokens);
  for (const TokenScore& t : tokens) {
    if (t.norm == "idiot") {
      EXPECT_NEAR(t.contribution[tox], max_long + 3.f, 1e-5f);
    } else {
      EXPECT_EQ(t.contribution[tox], 0.f) << t.norm;
    }
  }
}

}  // namespace
}  // namespace comity
