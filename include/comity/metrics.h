// Evaluation metrics. All take parallel vectors; NaN is returned where a metric is
// undefined (e.g. ROC-AUC with a single class), never a made-up value.
#pragma once
#include <cstdint>
#include <set>
#include <vector>

namespace comity {

// Area under the ROC curve, ties counted half (Mann-Whitney U).
double roc_auc(const std::vector<float>& scores, const std::vector<int>& labels);
// Average precision (area under the precision-recall curve, step-wise, as sklearn).
double pr_auc(const std::vector<float>& scores, const std::vector<int>& labels);
double pearson(const std::vector<float>& a, const std::vector<float>& b);
// Pearson of average ranks (ties share the mean rank).
double spearman(const std::vector<float>& a, const std::vector<float>& b);
// Expected calibration error with `bins` equal-width bins against 0/1 labels or
// soft targets in [0,1]: sum over bins of |mean(pred) - mean(target)| * n_bin / n.
double expected_calibration_error(const std::vector<float>& predicted,
                                  const std::vector<float>& target, int bins = 10);

struct BinaryCounts {
  std::int64_t tp = 0, fp = 0, tn = 0, fn = 0;
  double precision() const;
  double recall() const;
  double f1() const;
};
BinaryCounts confusion_at(const std::vector<float>& scores, const std::vector<int>& labels,
                          float threshold);
// Mean of the F1 of the positive class and the F1 of the negative class.
double macro_f1(const BinaryCounts& c);

// SemEval-2021 Task 5: per-post F1 between predicted and gold sets of character
// offsets (1 if both empty, 0 if exactly one is empty), averaged over posts.
double span_f1(const std::set<std::uint32_t>& predicted, const std::set<std::uint32_t>& gold);
double mean_span_f1(const std::vector<std::set<std::uint32_t>>& predicted,
                    const std::vector<std::set<std::uint32_t>>& gold);

// Jigsaw unintended-bias metrics (Borkan et al. 2019) for one identity subgroup.
// `in_subgroup[i]` says whether example i mentions the subgroup.
struct BiasAucs {
  double subgroup_auc;  // within the subgroup
  double bpsn_auc;      // background positives, subgroup negatives
  double bnsp_auc;      // background negatives, subgroup positives
};
BiasAucs bias_aucs(const std::vector<float>& scores, const std::vector<int>& labels,
                   const std::vector<bool>& in_subgroup);

}  // namespace comity
