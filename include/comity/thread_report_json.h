// The JSON form of a ThreadReport (docs/thread-report.md), one implementation for
// every producer: `comity thread report --format json` and the moderation API's
// GET /v1/threads/{id}/analysis emit the same contract from here.
#pragma once
#include <string_view>

#include <nlohmann/json.hpp>

#include "comity/thread.h"

namespace comity {

// `report` must come from analysing `thread` (its indices point into
// thread.comments); `model` names the model whose scores it holds, and
// `options` are the ones the analysis used (hold_threshold is reported).
nlohmann::json thread_report_json(const Thread& thread, const ThreadReport& report,
                                  std::string_view model, const ThreadAnalysisOptions& options);

}  // namespace comity
