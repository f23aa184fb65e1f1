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

}  // namespace

std::string eval_markdown(const nlohmann::json& results) {
  std::string md =
      fmt::format("Model `{}` (recipe sha256 `{}`).\n\n", results["model"].value("version", ""),
                  results["model"].value("recipe_sha256", "").substr(0, 12));
  for (const auto& [name, r] : results["suites"].items()) {
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
        md += fmt::format("| {} | {} | {} | {} | {} | {} | {} | {} | {} |\n", attr, cell(m["n"]),
                          cell(m["positives"]), cell(m["roc_auc"]), cell(m["pr_auc"]),
                          cell(m["spearman"]), cell(m["pearson"]), cell(m["ece"]),
                          cell(m["f1_at_0.5"]));
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
      md += "| identity term | n | subgroup AUC | BPSN AUC | BNSP AUC | max harmless score |\n"
            "|---|---|---|---|---|---|\n";
      for (const auto& t : r["per_term"]) {
        md += fmt::format("| {} | {} | {} | {} | {} | {} |\n", cell(t["term"]), cell(t["n"]),
                          cell(t["subgroup_auc"]), cell(t["bpsn_auc"]), cell(t["bnsp_auc"]),
                          cell(t["max_harmless_score"]));
      }
      md += "\n";
    }
  }
  return md;
}

}  // namespace comity
