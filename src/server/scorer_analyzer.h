// The production Analyzer: a comity::ModelSet over one or more model files.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "server/analyzer.h"

namespace comity::server {

// Loads `path`; throws ModelError when the file is missing or bad.
std::shared_ptr<const Analyzer> load_model_analyzer(const std::string& path);
// Loads every file, in routing order: a language is scored by the first that lists it.
std::shared_ptr<const Analyzer> load_model_analyzer(const std::vector<std::string>& paths);

}  // namespace comity::server
