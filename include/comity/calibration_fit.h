// Fitting a Calibration from held-out raw scores and their (possibly soft) labels.
#pragma once
#include <cstddef>
#include <vector>

#include "comity/model.h"

namespace comity {

// Isotonic (monotone non-decreasing) least-squares regression of `target` on `raw`
// by pool-adjacent-violators, returned as at most `max_knots` knots of a
// piecewise-linear map. Targets may be soft labels in [0, 1]; equal raw scores
// share one fitted value. Each pooled block contributes knots at its lowest and
// highest raw score, so flat runs stay flat; when there are more than
// `max_knots` knots, the interior knot whose removal changes the curve least
// (smallest triangle area) is dropped repeatedly. The end knots are always kept,
// and apply() clamps beyond them. Deterministic. Empty input gives the identity.
// Throws std::invalid_argument for mismatched sizes, non-finite raw scores,
// targets outside [0, 1] or max_knots < 2.
Calibration fit_isotonic_calibration(const std::vector<float>& raw,
                                     const std::vector<float>& target, std::size_t max_knots = 64);

}  // namespace comity
