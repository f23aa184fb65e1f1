// The scorer on a model trained from the tiny fixture and on hand-built models:
// probability ranges, calibration, sentence offsets, token attributions, threads.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <thread>
#include <vector>

#include "comity/linear_model.h"
#include "comity/scorer.h"
#include "tiny_fixture.h"

namespace comity {
namespace {

// UTF-16 code units before byte offset `byte` of valid UTF-8, computed independently
// of the library: lead bytes of 4-byte sequences count twice, continuations never.
std::uint32_t u16_units_before(const std::string& s, std::size_t byte) {
  std::uint32_t n = 0;
  for (std::size_t i = 0; i < byte; ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if ((c & 0xC0) == 0x80) continue;
    n += c >= 0xF0 ? 2 : 1;
  }
  return n;
}
std::uint32_t cps_before(const std::string& s, std::size_t byte) {
  std::uint32_t n = 0;
  for (std::size_t i = 0; i < byte; ++i) n += (static_cast<unsigned char>(s[i]) & 0xC0) != 0x80;
  return n;
}

const std::vector<std::string>& sample_texts() {
  static const std::vector<std::string> texts = {
      "",
      "   ",
      "you are an idiot",
      "thanks for the lovely recipe",
      "🙄🙄🙄",
      "ＹＯＵ ＡＲＥ ＡＮ ＩＤＩＯＴ",
      "i.d.i.o.t",
      "What a clown. Thanks anyway! See you 😀 tomorrow?",
      std::string(3000, 'a'),
      "Ein ganz normaler Satz über das Wetter.",
  };
  return texts;
}

TEST(ScorerTrained, ScoresAreProbabilities) {
  const Scorer scorer(tiny::trained().model);
  for (const std::string& text : sample_texts()) {
    const ScoreResult r = scorer.score(text, {true, true});
    for (std::size_t a = 0; a < kNumAttributes; ++a) {
      EXPECT_GE(r.scores[a], 0.f) << text;
      EXPECT_LE(r.scores[a], 1.f) << text;
      EXPECT_GT(r.raw[a], 0.f) << text;
      EXPECT_LT(r.raw[a], 1.f) << text;
    }
    for (const SentenceScore& s : r.sentences) {
      for (float v : s.scores) EXPECT_TRUE(v >= 0.f && v <= 1.f) << text;
    }
    for (const TokenScore& t : r.tokens) {
      EXPECT_TRUE(t.toxic_span >= 0.f && t.toxic_span <= 1.f) << text;
      EXPECT_EQ(t.highlighted, t.toxic_span >= scorer.model().info().span_threshold);
    }
  }
}

TEST(ScorerTrained, CalibratedScoreIsTheCalibrationOfTheRawScore) {
  const Scorer scorer(tiny::trained().model);
  const ModelInfo& info = scorer.model().info();
  // The fixture calibrates TOXICITY and INSULT on its dev rows.
  EXPECT_FALSE(info.calibration[index_of(Attribute::kToxicity)].x.empty());
  EXPECT_FALSE(info.calibration[index_of(Attribute::kInsult)].x.empty());
  for (const std::string& text : sample_texts()) {
    const ScoreResult r = scorer.score(text);
    for (std::size_t a = 0; a < kNumAttributes; ++a) {
      EXPECT_EQ(r.scores[a], info.calibration[a].apply(r.raw[a])) << text << " attr " << a;
    }
  }
}

TEST(ScorerTrained, TwoSentencesGiveTwoScoresWithUtf16Offsets) {
  const Scorer scorer(tiny::trained().model);
  // The emoji is one code point but two UTF-16 units, so the second sentence's
  // UTF-16 offsets differ from its code-point offsets.
  const std::string text = "You are an idiot! 😀 Thanks for the recipe.";
  const ScoreResult r = scorer.score(text, {.sentences = true});
  ASSERT_EQ(r.sentences.size(), 2u);
  const TextRange& first = r.sentences[0].where;
  const TextRange& second = r.sentences[1].where;

  const std::size_t first_end = text.find('!') + 1;
  EXPECT_EQ(first.byte_begin, 0u);
  EXPECT_EQ(first.u16_begin, 0u);
  EXPECT_EQ(first.u16_end, u16_units_before(text, first_end));
  EXPECT_EQ(first.cp_end, cps_before(text, first_end));

  // The second sentence ends with the text and starts at the emoji or at "Thanks".
  const std::size_t emoji = text.find("😀");
  const std::size_t thanks = text.find("Thanks");
  EXPECT_TRUE(second.byte_begin == emoji || second.byte_begin == thanks) << second.byte_begin;
  EXPECT_GE(second.u16_begin, first.u16_end);
  EXPECT_EQ(second.u16_begin, u16_units_before(text, second.byte_begin));
  EXPECT_EQ(second.cp_begin, cps_before(text, second.byte_begin));
  EXPECT_EQ(second.u16_end, u16_units_before(text, text.size()));
  EXPECT_EQ(second.cp_end, cps_before(text, text.size()));
  EXPECT_EQ(second.u16_end, second.cp_end + 1);  // the emoji's surrogate pair
  EXPECT_EQ(text.substr(second.byte_end - 7, 7), "recipe.");

  // The rude sentence scores above the polite one.
  const auto t = index_of(Attribute::kToxicity);
  EXPECT_GT(r.sentences[0].scores[t], r.sentences[1].scores[t]);
  // Without the option there are no sentence scores.
  EXPECT_TRUE(scorer.score(text).sentences.empty());
}

TEST(ScorerTrained, OneSentenceScoresLikeTheWholeText) {
  const Scorer scorer(tiny::trained().model);
  const ScoreResult r = scorer.score("what an idiot", {.sentences = true});
  ASSERT_EQ(r.sentences.size(), 1u);
  EXPECT_EQ(r.sentences[0].scores, r.scores);
}

TEST(ScorerTrained, TheInsultCarriesTheToxicityContribution) {
  const Scorer scorer(tiny::trained().model);
  const std::string text = "you are an idiot";
  const ScoreResult r = scorer.score(text, {.tokens = true});
  ASSERT_EQ(r.tokens.size(), 4u);
  const auto t = index_of(Attribute::kToxicity);
  std::size_t best = 0;
  for (std::size_t i = 1; i < r.tokens.size(); ++i) {
    if (r.tokens[i].contribution[t] > r.tokens[best].contribution[t]) best = i;
  }
  EXPECT_EQ(r.tokens[best].norm, "idiot");
  EXPECT_GT(r.tokens[best].contribution[t], 0.f);
  EXPECT_EQ(text.substr(r.tokens[best].where.byte_begin,
                        r.tokens[best].where.byte_end - r.tokens[best].where.byte_begin),
            "idiot");
  // The span head marks the insult, not the words around it.
  EXPECT_GT(r.tokens[3].toxic_span, r.tokens[0].toxic_span);
  EXPECT_GT(r.tokens[3].toxic_span, r.tokens[1].toxic_span);
  // Without the option there are no token scores.
  EXPECT_TRUE(scorer.score(text).tokens.empty());
}

TEST(ScorerTrained, ContributionsAddUpToTheLogit) {
  const Scorer scorer(tiny::trained().model);
  const ModelInfo& info = scorer.model().info();
  for (const char* text : {"you are an idiot", "thanks for the lovely recipe 😀"}) {
    const ScoreResult r = scorer.score(text, {.tokens = true});
    for (std::size_t a = 0; a < kNumAttributes; ++a) {
      double logit = info.bias[a];
      for (const TokenScore& tok : r.tokens) logit += tok.contribution[a];
      EXPECT_NEAR(1 / (1 + std::exp(-logit)), r.raw[a], 1e-4) << text << " attr " << a;
    }
  }
}

TEST(ScorerTrained, ThreadsSeeTheSameScores) {
  const Scorer scorer(tiny::trained().model);
  std::vector<std::string> texts;
  for (int i = 0; i < 50; ++i) {
    for (const std::string& s : sample_texts()) texts.push_back(s + " " + std::to_string(i));
  }
  const ScoreOptions opts{true, true};
  std::vector<ScoreResult> expected;
  for (const std::string& s : texts) expected.push_back(scorer.score(s, opts));

  std::vector<std::vector<ScoreResult>> got(4, std::vector<ScoreResult>(texts.size()));
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      // Each thread walks the texts from a different start so calls interleave.
      for (std::size_t k = 0; k < texts.size(); ++k) {
        const std::size_t i = (k + static_cast<std::size_t>(t) * 37) % texts.size();
        got[t][i] = scorer.score(texts[i], opts);
      }
    });
  }
  for (auto& th : threads) th.join();
  for (int t = 0; t < 4; ++t) {
    for (std::size_t i = 0; i < texts.size(); ++i) {
      const ScoreResult& a = expected[i];
      const ScoreResult& b = got[t][i];
      ASSERT_EQ(a.scores, b.scores) << "thread " << t << " text " << i;
      ASSERT_EQ(a.raw, b.raw);
      ASSERT_EQ(a.sentences.size(), b.sentences.size());
      for (std::size_t s = 0; s < a.sentences.size(); ++s) {
        ASSERT_EQ(a.sentences[s].scores, b.sentences[s].scores);
        ASSERT_EQ(a.sentences[s].where, b.sentences[s].where);
      }
      ASSERT_EQ(a.tokens.size(), b.tokens.size());
      for (std::size_t k = 0; k < a.tokens.size(); ++k) {
        ASSERT_EQ(a.tokens[k].contribution, b.tokens[k].contribution);
        ASSERT_EQ(a.tokens[k].toxic_span, b.tokens[k].toxic_span);
      }
    }
  }
}

// ---- Hand-built models ----

ModelWeights empty_weights(std::uint32_t hash_bits) {
  ModelWeights w;
  w.info.name = "hand";
  w.info.version = "hand-1";
  w.info.features.hash_bits = hash_bits;
  w.attribute_weights.assign((std::size_t{1} << hash_bits) * kNumAttributes, 0.f);
  return w;
}

TEST(ScorerHandBuilt, ZeroWeightsGiveTheBiasProbability) {
  ModelWeights w = empty_weights(10);
  const float p[kNumAttributes] = {0.1f, 0.2f, 0.3f, 0.4f, 0.5f, 0.6f, 0.7f, 0.9f};
  for (std::size_t a = 0; a < kNumAttributes; ++a) w.info.bias[a] = std::log(p[a] / (1 - p[a]));
  LinearModel::save(w, tiny::scratch("bias.cmodel"));
  const Scorer scorer(LinearModel::load(tiny::scratch("bias.cmodel")));
  for (const std::string& text : sample_texts()) {
    const ScoreResult r = scorer.score(text);
    for (std::size_t a = 0; a < kNumAttributes; ++a) {
      EXPECT_NEAR(r.raw[a], p[a], 1e-6) << text;
      EXPECT_EQ(r.scores[a], r.raw[a]);  // no calibration: identity
    }
  }
}

TEST(ScorerHandBuilt, AppliesTheStoredCalibration) {
  ModelWeights w = empty_weights(10);
  w.info.bias[0] = 0.f;  // raw 0.5
  w.info.calibration[0] = {{0.f, 0.4f, 0.6f, 1.f}, {0.f, 0.1f, 0.3f, 1.f}};
  LinearModel::save(w, tiny::scratch("calibrated.cmodel"));
  const Scorer scorer(LinearModel::load(tiny::scratch("calibrated.cmodel")));
  const ScoreResult r = scorer.score("anything at all");
  EXPECT_FLOAT_EQ(r.raw[0], 0.5f);
  EXPECT_NEAR(r.scores[0], 0.2f, 1e-6);  // halfway between knots (0.4, 0.1) and (0.6, 0.3)
  EXPECT_EQ(r.scores[1], r.raw[1]);
}

TEST(ScorerHandBuilt, OneWeightedWordRaisesOnlyTextsWithIt) {
  ModelWeights w = empty_weights(12);
  // Put weight on every bucket the word "idiot" alone produces.
  const NormalizedText word = normalize("idiot");
  std::vector<Feature> features;
  extract_features(word, w.info.features, nullptr, features);
  ASSERT_FALSE(features.empty());
  for (const Feature& f : features) {
    w.attribute_weights[std::size_t{f.bucket} * kNumAttributes + index_of(Attribute::kInsult)] =
        4.f;
  }
  LinearModel::save(w, tiny::scratch("word.cmodel"));
  const Scorer scorer(LinearModel::load(tiny::scratch("word.cmodel")));
  const auto insult = index_of(Attribute::kInsult);
  const float alone = scorer.score("idiot").raw[insult];
  EXPECT_GT(alone, 0.9f);
  EXPECT_GT(scorer.score("you are an idiot").raw[insult], 0.6f);
  EXPECT_LT(scorer.score("you are kind").raw[insult], alone);
  EXPECT_FLOAT_EQ(scorer.score("idiot").raw[index_of(Attribute::kThreat)], 0.5f);
}

}  // namespace
}  // namespace comity
