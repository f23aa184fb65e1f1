#include "comity/feedback_export.h"

#include <nlohmann/json.hpp>

namespace comity {

FeedbackExportCounts export_feedback_jsonl(Store& store, std::ostream& out) {
  FeedbackExportCounts counts;
  store.for_each_feedback([&](const FeedbackRecord& record) {
    if (!record.text) {
      ++counts.skipped_without_text;
      return;
    }
    // ordered_json keeps the documented field order, which makes files diffable.
    nlohmann::ordered_json labels = nlohmann::ordered_json::object();
    for (const auto& [name, value] : record.attribute_values) labels[name] = value;
    nlohmann::ordered_json line = {
        {"text", *record.text},
        {"labels", std::move(labels)},
        {"community_id", record.community_id},
        {"client_token", record.client_token},
        {"source", record.source},
        {"created_at", record.created_at},
        {"language", record.language},
    };
    // Client text should already be valid UTF-8; if not, one bad byte must not
    // abort a whole export, so it becomes U+FFFD.
    out << line.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace) << '\n';
    if (!out) throw StoreError("feedback export: write failed");
    ++counts.written;
  });
  return counts;
}

}  // namespace comity
