// Logistic regression with a handful of inputs (at most 4), fitted by damped Newton on
// soft targets: the stacking step that mixes already-trained parts on held-out rows.
#pragma once
#include <array>
#include <cstddef>
#include <vector>

namespace comity {

constexpr std::size_t kMaxSmallInputs = 4;

struct SmallLogistic {
  std::array<double, kMaxSmallInputs> weight{};  // per input
  double bias = 0;
  double loss = 0;  // mean cross-entropy at the fit
  std::size_t rows = 0;
};

// `x` holds rows of `inputs` values each (row-major); `start` is the first guess.
SmallLogistic fit_small_logistic(const std::vector<double>& x, const std::vector<double>& target,
                                 std::size_t inputs, const SmallLogistic& start);

}  // namespace comity
