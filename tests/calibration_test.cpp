// Calibration maps and their isotonic fit.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <stdexcept>

#include "comity/calibration_fit.h"
#include "comity/model.h"

namespace comity {
namespace {

TEST(CalibrationApply, EmptyIsIdentity) {
  const Calibration c;
  EXPECT_EQ(c.apply(0.f), 0.f);
  EXPECT_EQ(c.apply(0.37f), 0.37f);
  EXPECT_EQ(c.apply(1.f), 1.f);
}

TEST(CalibrationApply, HitsKnotsExactly) {
  const Calibration c{{0.1f, 0.5f, 0.9f}, {0.05f, 0.3f, 0.95f}};
  EXPECT_EQ(c.apply(0.1f), 0.05f);
  EXPECT_EQ(c.apply(0.5f), 0.3f);
  EXPECT_EQ(c.apply(0.9f), 0.95f);
}

TEST(CalibrationApply, InterpolatesLinearlyBetweenKnots) {
  const Calibration c{{0.f, 0.5f, 1.f}, {0.f, 0.2f, 1.f}};
  EXPECT_FLOAT_EQ(c.apply(0.25f), 0.1f);         // halfway between (0, 0) and (0.5, 0.2)
  EXPECT_FLOAT_EQ(c.apply(0.75f), 0.6f);         // halfway between (0.5, 0.2) and (1, 1)
  EXPECT_FLOAT_EQ(c.apply(0.6f), 0.2f + 0.16f);  // a fifth of the way: 0.2 + 0.2 * 0.8
}

TEST(CalibrationApply, ClampsOutsideTheKnots) {
  const Calibration c{{0.2f, 0.8f}, {0.1f, 0.7f}};
  EXPECT_EQ(c.apply(0.f), 0.1f);
  EXPECT_EQ(c.apply(-5.f), 0.1f);
  EXPECT_EQ(c.apply(1.f), 0.7f);
  EXPECT_EQ(c.apply(100.f), 0.7f);
  const Calibration single{{0.4f}, {0.25f}};
  EXPECT_EQ(single.apply(0.f), 0.25f);
  EXPECT_EQ(single.apply(0.9f), 0.25f);
}

TEST(IsotonicFit, MatchesHandComputedPoolAdjacentViolators) {
  // Sorted by raw, the targets are 0 1 0 0 1 1.
  //   0.1 -> [0]
  //   0.2 -> [0] [1]
  //   0.3 -> 1 > 0 violates: pool {1, 0} -> mean 1/2 over raw 0.2..0.3
  //   0.4 -> 1/2 > 0 violates: pool {1, 0, 0} -> mean 1/3 over raw 0.2..0.4; 0 <= 1/3 holds
  //   0.5 -> [0] [1/3] [1]
  //   0.6 -> equal to 1: pooled (flat run) -> [1] over raw 0.5..0.6
  // Blocks (0.1, 0), (0.2..0.4, 1/3), (0.5..0.6, 1); each block's ends become knots.
  const std::vector<float> raw{0.4f, 0.1f, 0.6f, 0.3f, 0.2f, 0.5f};  // order must not matter
  const std::vector<float> target{0.f, 0.f, 1.f, 0.f, 1.f, 1.f};
  const Calibration c = fit_isotonic_calibration(raw, target);
  EXPECT_EQ(c.x, (std::vector<float>{0.1f, 0.2f, 0.4f, 0.5f, 0.6f}));
  EXPECT_EQ(c.y, (std::vector<float>{0.f, 1.f / 3.f, 1.f / 3.f, 1.f, 1.f}));
  // Between blocks the map is linear: at 0.45, halfway from 1/3 to 1 is 2/3.
  EXPECT_NEAR(c.apply(0.45f), 2.f / 3.f, 1e-5);
}

TEST(IsotonicFit, SoftTargetsArePooledByMean) {
  // Targets 0.2 0.6 0.4 0.9: 0.6 > 0.4 violates, pooled to (0.6 + 0.4) / 2 = 0.5.
  const Calibration c =
      fit_isotonic_calibration({0.1f, 0.2f, 0.3f, 0.4f}, {0.2f, 0.6f, 0.4f, 0.9f});
  EXPECT_EQ(c.x, (std::vector<float>{0.1f, 0.2f, 0.3f, 0.4f}));
  ASSERT_EQ(c.y.size(), 4u);
  EXPECT_FLOAT_EQ(c.y[0], 0.2f);
  EXPECT_FLOAT_EQ(c.y[1], 0.5f);
  EXPECT_FLOAT_EQ(c.y[2], 0.5f);
  EXPECT_FLOAT_EQ(c.y[3], 0.9f);
}

TEST(IsotonicFit, EqualRawScoresShareOneValue) {
  const Calibration c = fit_isotonic_calibration({0.5f, 0.5f, 0.5f}, {1.f, 0.f, 0.f});
  EXPECT_EQ(c.x, std::vector<float>{0.5f});
  ASSERT_EQ(c.y.size(), 1u);
  EXPECT_FLOAT_EQ(c.y[0], 1.f / 3.f);
}

TEST(IsotonicFit, EmptyInputIsIdentity) {
  const Calibration c = fit_isotonic_calibration({}, {});
  EXPECT_TRUE(c.x.empty());
  EXPECT_EQ(c.apply(0.3f), 0.3f);
}

TEST(IsotonicFit, RejectsBadInput) {
  EXPECT_THROW(fit_isotonic_calibration({0.1f}, {}), std::invalid_argument);
  EXPECT_THROW(fit_isotonic_calibration({0.1f}, {1.5f}), std::invalid_argument);
  EXPECT_THROW(fit_isotonic_calibration({NAN}, {0.5f}), std::invalid_argument);
  EXPECT_THROW(fit_isotonic_calibration({0.1f}, {0.5f}, 1), std::invalid_argument);
}

// Noisy binary labels drawn with probability raw^2: many blocks, compressed to few knots.
struct NoisyData {
  std::vector<float> raw, target;
  explicit NoisyData(std::size_t n, std::uint32_t seed) {
    std::mt19937 rng(seed);
    std::uniform_real_distribution<float> u(0.f, 1.f);
    for (std::size_t i = 0; i < n; ++i) {
      const float r = u(rng);
      raw.push_back(r);
      target.push_back(u(rng) < r * r ? 1.f : 0.f);
    }
  }
};

TEST(IsotonicFit, OutputIsMonotoneAndCompressed) {
  const NoisyData d(20000, 1);
  for (std::size_t max_knots : {2u, 7u, 16u, 64u}) {
    const Calibration c = fit_isotonic_calibration(d.raw, d.target, max_knots);
    ASSERT_EQ(c.x.size(), c.y.size());
    EXPECT_LE(c.x.size(), max_knots);
    EXPECT_GE(c.x.size(), 2u);
    for (std::size_t i = 0; i < c.x.size(); ++i) {
      EXPECT_GE(c.y[i], 0.f);
      EXPECT_LE(c.y[i], 1.f);
      if (i > 0) {
        EXPECT_GT(c.x[i], c.x[i - 1]);
        EXPECT_GE(c.y[i], c.y[i - 1]);
      }
    }
    float previous = -1.f;
    for (int k = 0; k <= 200; ++k) {
      const float v = c.apply(k / 200.f);
      EXPECT_GE(v, previous);
      previous = v;
    }
  }
}

TEST(IsotonicFit, RecoversTheTrueProbability) {
  const NoisyData d(20000, 2);
  const Calibration c = fit_isotonic_calibration(d.raw, d.target, 32);
  for (float r : {0.2f, 0.4f, 0.6f, 0.8f}) EXPECT_NEAR(c.apply(r), r * r, 0.08f) << r;
}

TEST(IsotonicFit, MonotoneSoftTargetsAreKeptNearlyExactly) {
  // Targets already monotone in raw: nothing pools; compressing 1000 knots of a
  // smooth curve to 64 must stay close to it.
  std::vector<float> raw, target;
  for (int i = 0; i < 1000; ++i) {
    raw.push_back(i / 999.f);
    target.push_back(raw.back() * raw.back());
  }
  const Calibration c = fit_isotonic_calibration(raw, target, 64);
  EXPECT_EQ(c.x.size(), 64u);
  EXPECT_EQ(c.x.front(), 0.f);
  EXPECT_EQ(c.x.back(), 1.f);
  for (float r : raw) ASSERT_NEAR(c.apply(r), r * r, 1e-3f) << r;
}

TEST(IsotonicFit, IsDeterministicAndOrderIndependent) {
  const NoisyData d(5000, 3);
  const Calibration a = fit_isotonic_calibration(d.raw, d.target, 16);
  std::vector<std::size_t> order(d.raw.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::shuffle(order.begin(), order.end(), std::mt19937(9));
  std::vector<float> raw, target;
  for (std::size_t i : order) {
    raw.push_back(d.raw[i]);
    target.push_back(d.target[i]);
  }
  const Calibration b = fit_isotonic_calibration(raw, target, 16);
  EXPECT_EQ(a.x, b.x);
  EXPECT_EQ(a.y, b.y);
}

}  // namespace
}  // namespace comity
