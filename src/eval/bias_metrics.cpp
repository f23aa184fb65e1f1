// Jigsaw unintended-bias AUCs (Borkan et al. 2019): each restricts the ROC-AUC to a
// slice of the data that exposes a particular way identity mentions skew scores.
#include <stdexcept>
#include <string>

#include "comity/metrics.h"

namespace comity {
namespace {

struct Slice {
  std::vector<float> scores;
  std::vector<int> labels;
  void add(float score, int label) {
    scores.push_back(score);
    labels.push_back(label);
  }
};

}  // namespace

BiasAucs bias_aucs(const std::vector<float>& scores, const std::vector<int>& labels,
                   const std::vector<bool>& in_subgroup) {
  if (scores.size() != labels.size() || scores.size() != in_subgroup.size()) {
    throw std::invalid_argument("bias_aucs: scores, labels and subgroup flags differ in length (" +
                                std::to_string(scores.size()) + ", " +
                                std::to_string(labels.size()) + ", " +
                                std::to_string(in_subgroup.size()) + ")");
  }
  Slice subgroup;
  // BPSN: low scores on non-toxic identity mentions vs toxic background; a low value
  // means the model confuses mere mention of the identity with toxicity.
  Slice background_positive_subgroup_negative;
  // BNSP: the mirror image; a low value means toxic identity mentions score too low.
  Slice background_negative_subgroup_positive;
  for (std::size_t i = 0; i < scores.size(); ++i) {
    const bool positive = labels[i] != 0;
    if (in_subgroup[i]) {
      subgroup.add(scores[i], labels[i]);
      (positive ? background_negative_subgroup_positive : background_positive_subgroup_negative)
          .add(scores[i], labels[i]);
    } else {
      (positive ? background_positive_subgroup_negative : background_negative_subgroup_positive)
          .add(scores[i], labels[i]);
    }
  }
  return BiasAucs{
      roc_auc(subgroup.scores, subgroup.labels),
      roc_auc(background_positive_subgroup_negative.scores,
              background_positive_subgroup_negative.labels),
      roc_auc(background_negative_subgroup_positive.scores,
              background_negative_subgroup_positive.labels),
  };
}

}  // namespace comity
