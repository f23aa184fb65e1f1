// Each metric is pinned twice: against arithmetic done by hand on a tiny input (shown
// in comments), and against scikit-learn / scipy on a slightly larger fixed input.
// The reference numbers were computed offline with Debian's python3-sklearn 1.2.1 and
// python3-scipy 1.10.1; the snippet is quoted next to each so it can be re-run.
#include <gtest/gtest.h>

#include <cmath>
#include <stdexcept>

#include "comity/metrics.h"

namespace comity {
namespace {

// The shared fixed input for the sklearn cross-checks of the ranking metrics:
//   s = np.array([0.9,0.8,0.8,0.7,0.6,0.6,0.6,0.4,0.3,0.2,0.2,0.1], dtype=np.float32)
//   y = np.array([1,1,0,1,0,1,0,0,1,0,0,0])
const std::vector<float> kScores = {0.9f, 0.8f, 0.8f, 0.7f, 0.6f, 0.6f,
                                    0.6f, 0.4f, 0.3f, 0.2f, 0.2f, 0.1f};
const std::vector<int> kLabels = {1, 1, 0, 1, 0, 1, 0, 0, 1, 0, 0, 0};

TEST(RocAuc, CountsCorrectlyOrderedPairsByHand) {
  // Positives {0.8, 0.4}, negatives {0.1, 0.4, 0.35}.
  // Pairs (pos, neg): 0.8 beats all 3 -> 3; 0.4 beats 0.1 and 0.35 -> 2, ties 0.4 -> 0.5.
  // AUC = (3 + 2.5) / (2 * 3) = 5.5 / 6.
  EXPECT_DOUBLE_EQ(roc_auc({0.8f, 0.1f, 0.4f, 0.4f, 0.35f}, {1, 0, 1, 0, 0}), 5.5 / 6.0);
}

TEST(RocAuc, PerfectReversedAndAllTied) {
  EXPECT_DOUBLE_EQ(roc_auc({0.9f, 0.8f, 0.2f, 0.1f}, {1, 1, 0, 0}), 1.0);
  EXPECT_DOUBLE_EQ(roc_auc({0.9f, 0.8f, 0.2f, 0.1f}, {0, 0, 1, 1}), 0.0);
  // Every pair tied: each of the 2*2 pairs counts half.
  EXPECT_DOUBLE_EQ(roc_auc({0.5f, 0.5f, 0.5f, 0.5f}, {1, 0, 1, 0}), 0.5);
}

TEST(RocAuc, MatchesSklearnWithTies) {
  // roc_auc_score(y, s) -> 0.7857142857142858
  EXPECT_NEAR(roc_auc(kScores, kLabels), 0.7857142857142858, 1e-12);
}

TEST(RocAuc, UndefinedWithOneClassOrNaNScore) {
  EXPECT_TRUE(std::isnan(roc_auc({0.1f, 0.9f}, {1, 1})));
  EXPECT_TRUE(std::isnan(roc_auc({0.1f, 0.9f}, {0, 0})));
  EXPECT_TRUE(std::isnan(roc_auc({}, {})));
  EXPECT_TRUE(std::isnan(roc_auc({0.1f, NAN}, {0, 1})));
}

TEST(RocAuc, RejectsMismatchedLengths) {
  EXPECT_THROW(roc_auc({0.1f, 0.2f}, {1}), std::invalid_argument);
}

TEST(PrAuc, StepwiseAveragePrecisionByHand) {
  // Descending scores 0.9(+) 0.8(-) 0.7(+) 0.6(-); 2 positives.
  // Threshold 0.9: P = 1/1, recall 1/2 -> contributes 1/2 * 1
  // Threshold 0.8: recall unchanged -> 0
  // Threshold 0.7: P = 2/3, recall 2/2 -> contributes 1/2 * 2/3
  // AP = 1/2 + 1/3 = 5/6.
  EXPECT_DOUBLE_EQ(pr_auc({0.9f, 0.8f, 0.7f, 0.6f}, {1, 0, 1, 0}), 5.0 / 6.0);
}

TEST(PrAuc, TiedScoresEnterTogetherLikeSklearn) {
  // Scores 0.9(+), then 0.5 shared by (+, -, -); 2 positives.
  // Threshold 0.9: P = 1, recall 1/2 -> 1/2
  // Threshold 0.5: all four predicted, P = 2/4, recall 1 -> 1/2 * 1/2 = 1/4
  // AP = 3/4. (Ranking the tied positive before the negatives would give 1.)
  EXPECT_DOUBLE_EQ(pr_auc({0.9f, 0.5f, 0.5f, 0.5f}, {1, 0, 1, 0}), 0.75);
  // All scores tied: a single operating point, AP = prevalence = 2/5.
  EXPECT_DOUBLE_EQ(pr_auc({0.3f, 0.3f, 0.3f, 0.3f, 0.3f}, {1, 0, 0, 1, 0}), 0.4);
}

TEST(PrAuc, MatchesSklearnWithTies) {
  // average_precision_score(y, s) -> 0.7087301587301588
  EXPECT_NEAR(pr_auc(kScores, kLabels), 0.7087301587301588, 1e-12);
}

TEST(PrAuc, UndefinedWithoutPositives) {
  EXPECT_TRUE(std::isnan(pr_auc({0.2f, 0.4f}, {0, 0})));
  EXPECT_DOUBLE_EQ(pr_auc({0.2f, 0.4f}, {1, 1}), 1.0);
}

TEST(Pearson, ByHand) {
  // a = {1,2,3}, b = {2,4,7}: means 2 and 13/3.
  // deviations a: -1,0,1; b: -7/3,-1/3,8/3. cov = 7/3 + 8/3 = 5.
  // var_a = 2; var_b = (49+1+64)/9 = 114/9. r = 5 / sqrt(2 * 114/9) = 15 / sqrt(228).
  EXPECT_NEAR(pearson({1, 2, 3}, {2, 4, 7}), 15.0 / std::sqrt(228.0), 1e-12);
  EXPECT_NEAR(pearson({1, 2, 3}, {3, 2, 1}), -1.0, 1e-12);
}

TEST(Pearson, UndefinedForConstantOrTooShortInput) {
  EXPECT_TRUE(std::isnan(pearson({1, 1, 1}, {1, 2, 3})));
  EXPECT_TRUE(std::isnan(pearson({1}, {2})));
}

// scipy cross-check input:
//   a = np.array([1.5,2.0,2.0,3.5,0.5,4.0,4.0,4.0,-1.0,2.5], dtype=np.float32)
//   b = np.array([0.2,0.1,0.4,0.9,0.3,0.8,0.8,0.5,0.0,0.7], dtype=np.float32)
const std::vector<float> kA = {1.5f, 2.0f, 2.0f, 3.5f, 0.5f, 4.0f, 4.0f, 4.0f, -1.0f, 2.5f};
const std::vector<float> kB = {0.2f, 0.1f, 0.4f, 0.9f, 0.3f, 0.8f, 0.8f, 0.5f, 0.0f, 0.7f};

TEST(Pearson, MatchesScipy) {
  // pearsonr(a.astype(np.float64), b.astype(np.float64))[0] -> 0.8194633756392004
  EXPECT_NEAR(pearson(kA, kB), 0.8194633756392004, 1e-9);
}

TEST(Spearman, AverageRanksForTiesByHand) {
  // a = {10, 20, 20, 30} -> ranks {1, 2.5, 2.5, 4}; b = {1, 2, 3, 4} -> ranks {1,2,3,4}.
  // Rank means 2.5 and 2.5. Deviations a: -1.5, 0, 0, 1.5; b: -1.5, -0.5, 0.5, 1.5.
  // cov = 2.25 + 2.25 = 4.5; var_a = 4.5; var_b = 5. rho = 4.5 / sqrt(22.5) = sqrt(0.9).
  EXPECT_NEAR(spearman({10, 20, 20, 30}, {1, 2, 3, 4}), std::sqrt(0.9), 1e-12);
  // Monotone but non-linear: ranks agree exactly.
  EXPECT_NEAR(spearman({1, 2, 3, 4}, {1, 8, 27, 64}), 1.0, 1e-12);
}

TEST(Spearman, MatchesScipy) {
  // spearmanr(a, b).correlation -> 0.8148769172359114
  EXPECT_NEAR(spearman(kA, kB), 0.8148769172359114, 1e-12);
}

TEST(Spearman, UndefinedForConstantInput) {
  EXPECT_TRUE(std::isnan(spearman({2, 2, 2}, {1, 2, 3})));
}

TEST(ExpectedCalibrationError, EqualWidthBinsByHand) {
  // 4 bins of width 0.25.
  // 0.1, 0.2 -> bin 0: mean pred 0.15, mean target 0.5 -> |0.35| * 2/5 = 0.14
  // 0.6      -> bin 2: |0.6 - 1| * 1/5 = 0.08
  // 0.9, 1.0 -> bin 3 (1.0 clamps into the last bin): mean 0.95 vs 1 -> 0.05 * 2/5 = 0.02
  // ECE = 0.24.
  EXPECT_NEAR(expected_calibration_error({0.1f, 0.2f, 0.6f, 0.9f, 1.0f}, {0, 1, 1, 1, 1}, 4), 0.24,
              1e-6);
}

TEST(ExpectedCalibrationError, BinBoundaryBelongsToUpperBin) {
  // 10 bins: 0.7 is int(0.7 * 10) = bin 7, 0.65 is bin 6. If they shared a bin the
  // errors (+0.7 and -0.35) would partly cancel; apart they add: (0.7 + 0.35) / 2.
  EXPECT_NEAR(expected_calibration_error({0.7f, 0.65f}, {0, 1}, 10), 0.525, 1e-6);
}

TEST(ExpectedCalibrationError, PerfectCalibrationAndSoftTargets) {
  EXPECT_NEAR(expected_calibration_error({0.0f, 1.0f}, {0, 1}), 0.0, 1e-12);
  // Soft targets: one bin, mean pred 0.3 vs mean target 0.3.
  EXPECT_NEAR(expected_calibration_error({0.3f, 0.31f}, {0.2f, 0.41f}), 0.0, 1e-6);
}

TEST(ExpectedCalibrationError, UndefinedOnEmptyInputAndRejectsBadBins) {
  EXPECT_TRUE(std::isnan(expected_calibration_error({}, {})));
  EXPECT_THROW(expected_calibration_error({0.5f}, {1}, 0), std::invalid_argument);
}

TEST(Confusion, ThresholdIsInclusive) {
  // Scores >= 0.5 are positive: 0.5(+)->tp, 0.7(-)->fp, 0.49(+)->fn, 0.1(-)->tn, 0.9(+)->tp.
  const BinaryCounts c = confusion_at({0.5f, 0.7f, 0.49f, 0.1f, 0.9f}, {1, 0, 1, 0, 1}, 0.5f);
  EXPECT_EQ(c.tp, 2);
  EXPECT_EQ(c.fp, 1);
  EXPECT_EQ(c.fn, 1);
  EXPECT_EQ(c.tn, 1);
  EXPECT_DOUBLE_EQ(c.precision(), 2.0 / 3.0);
  EXPECT_DOUBLE_EQ(c.recall(), 2.0 / 3.0);
  EXPECT_DOUBLE_EQ(c.f1(), 2.0 / 3.0);
}

TEST(Confusion, PrecisionRecallF1ByHand) {
  // tp=3 fp=1 fn=2: P = 3/4, R = 3/5, F1 = 2*3 / (6+1+2) = 6/9.
  const BinaryCounts c{3, 1, 10, 2};
  EXPECT_DOUBLE_EQ(c.precision(), 0.75);
  EXPECT_DOUBLE_EQ(c.recall(), 0.6);
  EXPECT_DOUBLE_EQ(c.f1(), 6.0 / 9.0);
  // Negative-class F1 with tn=10: 2*10 / (20 + fn 2 + fp 1) = 20/23.
  EXPECT_DOUBLE_EQ(macro_f1(c), (6.0 / 9.0 + 20.0 / 23.0) / 2.0);
}

TEST(Confusion, UndefinedRatiosAreNaN) {
  const BinaryCounts nothing_predicted{0, 0, 5, 0};
  EXPECT_TRUE(std::isnan(nothing_predicted.precision()));
  EXPECT_TRUE(std::isnan(nothing_predicted.recall()));
  EXPECT_TRUE(std::isnan(nothing_predicted.f1()));
  EXPECT_TRUE(std::isnan(macro_f1(nothing_predicted)));
  const BinaryCounts missed{0, 0, 5, 3};  // recall 0/3 is defined, F1 is 0
  EXPECT_DOUBLE_EQ(missed.recall(), 0.0);
  EXPECT_DOUBLE_EQ(missed.f1(), 0.0);
}

TEST(MacroF1, MatchesSklearn) {
  // y_pred = (s >= 0.6); f1_score(y, y_pred, average='macro') -> 0.6666666666666666
  EXPECT_NEAR(macro_f1(confusion_at(kScores, kLabels, 0.6f)), 0.6666666666666666, 1e-12);
}

TEST(SpanF1, PerPostRulesByHand) {
  EXPECT_DOUBLE_EQ(span_f1({}, {}), 1.0);
  EXPECT_DOUBLE_EQ(span_f1({1, 2}, {}), 0.0);
  EXPECT_DOUBLE_EQ(span_f1({}, {1, 2}), 0.0);
  EXPECT_DOUBLE_EQ(span_f1({1, 2}, {5, 6}), 0.0);
  // Predicted {1,2,3,4}, gold {3,4,5}: overlap 2, P = 2/4, R = 2/3,
  // F1 = 2 * (1/2)(2/3) / (1/2 + 2/3) = (2/3) / (7/6) = 4/7.
  EXPECT_DOUBLE_EQ(span_f1({1, 2, 3, 4}, {3, 4, 5}), 4.0 / 7.0);
}

TEST(SpanF1, MeanOverPosts) {
  // Posts score 1 (both empty), 0 (one empty), 4/7: mean = (11/7) / 3 = 11/21.
  EXPECT_DOUBLE_EQ(mean_span_f1({{}, {7}, {1, 2, 3, 4}}, {{}, {}, {3, 4, 5}}), 11.0 / 21.0);
  EXPECT_TRUE(std::isnan(mean_span_f1({}, {})));
  EXPECT_THROW(mean_span_f1({{}}, {}), std::invalid_argument);
}

TEST(BiasAucs, SlicesByHand) {
  // idx: score label subgroup
  //  0:  0.9   1     no   (background positive)
  //  1:  0.2   0     no   (background negative)
  //  2:  0.7   0     yes  (subgroup negative)
  //  3:  0.6   1     yes  (subgroup positive)
  //  4:  0.1   0     yes  (subgroup negative)
  // subgroup: pos {0.6} vs neg {0.7, 0.1}: wins 1 of 2 -> 0.5
  // BPSN: background pos {0.9} vs subgroup neg {0.7, 0.1}: 2/2 -> 1.0
  // BNSP: subgroup pos {0.6} vs background neg {0.2}: 1/1 -> 1.0
  const BiasAucs aucs =
      bias_aucs({0.9f, 0.2f, 0.7f, 0.6f, 0.1f}, {1, 0, 0, 1, 0}, {false, false, true, true, true});
  EXPECT_DOUBLE_EQ(aucs.subgroup_auc, 0.5);
  EXPECT_DOUBLE_EQ(aucs.bpsn_auc, 1.0);
  EXPECT_DOUBLE_EQ(aucs.bnsp_auc, 1.0);
}

TEST(BiasAucs, MatchesSklearnOnSlices) {
  // g = np.array([0,1,1,0,1,0,1,1,0,0,1,0], dtype=bool)
  // roc_auc_score(y[g], s[g])                                   -> 0.9
  // m = (~g & (y==1)) | (g & (y==0)); roc_auc_score(y[m], s[m]) -> 0.65
  // m = (~g & (y==0)) | (g & (y==1)); roc_auc_score(y[m], s[m]) -> 1.0
  const std::vector<bool> g = {false, true, true,  false, true, false,
                               true,  true, false, false, true, false};
  const BiasAucs aucs = bias_aucs(kScores, kLabels, g);
  EXPECT_NEAR(aucs.subgroup_auc, 0.9, 1e-12);
  EXPECT_NEAR(aucs.bpsn_auc, 0.65, 1e-12);
  EXPECT_NEAR(aucs.bnsp_auc, 1.0, 1e-12);
}

TEST(BiasAucs, SubgroupWithOneClassIsNaN) {
  const BiasAucs aucs = bias_aucs({0.9f, 0.1f, 0.5f}, {1, 0, 0}, {false, false, true});
  EXPECT_TRUE(std::isnan(aucs.subgroup_auc));
  EXPECT_DOUBLE_EQ(aucs.bpsn_auc, 1.0);    // bg pos 0.9 vs sub neg 0.5
  EXPECT_TRUE(std::isnan(aucs.bnsp_auc));  // no subgroup positives
  EXPECT_THROW(bias_aucs({0.1f}, {0}, {}), std::invalid_argument);
}

}  // namespace
}  // namespace comity
