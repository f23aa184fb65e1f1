#include <fmt/format.h>

#include "comity/eval.h"

namespace comity {
namespace {

std::string cell(const nlohmann::json& v) {
  if (v.is_null()) return "n/a";
  if (v.is_number_float()) return fmt::format("{:.4f}", v.get<double>());
  if (v.is_string()) return v.get<std::string>();
  return v.dump();
}

// A member or null: operator[] on a const json with a missing key is undefined
// behaviour (it crashed on a per_term row without "n").
const nlohmann::json& field(const nlohmann::json& object, const char* key) {
  static const nlohmann::json kNull;
  if (!object.is_object()) return kNull;
  const auto it = object.find(key);
  return it == object.end() ? kNull : *it;
}

}  // namespace

std::string eval_markdown(const nlohmann::json& results) {
  std::string md = fmt::format("Model `{}` (recipe sha256 `{}`).\n\n",
                               field(results, "model").value("version", ""),
                               field(results, "model").value("recipe_sha256", "").substr(0, 12));
  for (const auto& [name, r] : field(results, "suites").items()) {
    md += fmt::format("### {}\n\n", name);
    if (!r.value("description", "").empty()) md += r["description"].get<std::string>() + "\n\n";
    if (r.contains("skipped")) {
      md += fmt::format("Skipped: {}\n\n", cell(r["skipped"]));
      continue;
    }
    if (r.contains("attributes")) {
      md +=
          "| attribute | n | positives | ROC-AUC | PR-AUC | Spearman | Pearson | ECE | F1@0.5 |\n"
          "|---|---|---|---|---|---|---|---|---|\n";
      for (const auto& [attr, m] : r["attributes"].items()) {
        md += fmt::format("| {} | {} | {} | {} | {} | {} | {} | {} | {} |\n", attr,
                          cell(field(m, "n")), cell(field(m, "positives")),
                          cell(field(m, "roc_auc")), cell(field(m, "pr_auc")),
                          cell(field(m, "spearman")), cell(field(m, "pearson")),
                          cell(field(m, "ece")), cell(field(m, "f1_at_0.5")));
      }
      md += "\n";
      continue;
    }
    md += "| metric | value |\n|---|---|\n";
    for (const auto& [key, v] : r.items()) {
      if (key == "kind" || key == "description" || key == "per_term" || key == "example_failures")
        continue;
      if (v.is_object()) {
        for (const auto& [k2, v2] : v.items())
          md += fmt::format("| {}.{} | {} |\n", key, k2, cell(v2));
      } else {
        md += fmt::format("| {} | {} |\n", key, cell(v));
      }
    }
    md += "\n";
    if (r.contains("per_term")) {
      md +=
          "| identity term | n | subgroup AUC | BPSN AUC | BNSP AUC | max harmless score |\n"
          "|---|---|---|---|---|---|\n";
      for (const auto& t : r["per_term"]) {
        md += fmt::format("| {} | {} | {} | {} | {} | {} |\n", cell(field(t, "term")),
                          cell(field(t, "n")), cell(field(t, "subgroup_auc")),
                          cell(field(t, "bpsn_auc")), cell(field(t, "bnsp_auc")),
                          cell(field(t, "max_harmless_score")));
      }
      md += "\n";
    }
  }
  return md;
}

}  // namespace comity
