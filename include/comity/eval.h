// Named evaluation suites, defined in a TOML file in the repo (recipes/eval-suites.toml)
// over data in ../shared/data. A suite whose data is absent is skipped with a reason.
#pragma once
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "comity/scorer.h"

namespace comity {

struct EvalOptions {
  std::string suites_file;        // TOML with [[suite]] tables
  std::string data_dir;           // ../shared/data
  std::vector<std::string> only;  // suite names; empty = all
  int threads = 2;
  std::size_t limit = 0;  // at most this many examples per suite (0 = all), for smoke runs
  std::string split;      // overrides the suites' split ("dev" while tuning, so test stays unseen)
};

// Runs the suites and returns {"model": ..., "suites": {name: {...}}}.
nlohmann::json run_eval(const Scorer& scorer, const EvalOptions& options);

// Renders run_eval's output as Markdown tables (the model card's quality section).
std::string eval_markdown(const nlohmann::json& results);

// Obfuscated variants of `word` as a person would type them to dodge a filter:
// {transform name, variant}. Used by the obfuscation suite.
std::vector<std::pair<std::string, std::string>> obfuscated_variants(const std::string& word);

}  // namespace comity
