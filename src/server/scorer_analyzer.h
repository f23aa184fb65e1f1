// The production Analyzer: a comity::Scorer over a model file.
#pragma once
#include <memory>
#include <string>

#include "server/analyzer.h"

namespace comity::server {

// Loads and maps `path`; throws ModelError when the file is missing or bad.
std::shared_ptr<const Analyzer> load_model_analyzer(const std::string& path);

}  // namespace comity::server
