#include "server/scorer_analyzer.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "comity/json_input.h"
#include "comity/model.h"
#include "comity/model_set.h"

namespace comity::server {
namespace {

// Models measured after training keep their figures beside the file
// (models/<name>.eval.json, written by `comity eval`): the model card's numbers.
// Only the per-suite scalar figures are kept, and only when the evaluation names
// this model version, so a stale file is never shown as this model's quality.
std::string evaluation_beside(const std::string& model_path, const std::string& version) {
  namespace fs = std::filesystem;
  constexpr std::uintmax_t kMaxBytes = 4u << 20;
  fs::path path(model_path);
  path.replace_extension(".eval.json");
  std::error_code ec;
  const auto size = fs::file_size(path, ec);
  if (ec || size > kMaxBytes) return "";
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  try {
    const nlohmann::json eval = parse_json_input(text.str(), {.lenient = false});
    const auto* model = eval.contains("model") ? &eval["model"] : nullptr;
    if (model == nullptr || !model->is_object() || model->value("version", "") != version ||
        !eval.contains("suites") || !eval["suites"].is_object()) {
      return "";
    }
    nlohmann::json suites = nlohmann::json::object();
    for (const auto& [name, suite] : eval["suites"].items()) {
      if (!suite.is_object()) continue;
      nlohmann::json figures = nlohmann::json::object();
      for (const auto& [field, value] : suite.items()) {
        if (value.is_primitive()) figures[field] = value;
      }
      suites[name] = std::move(figures);
    }
    return nlohmann::json{{"source", path.filename().string()}, {"suites", std::move(suites)}}
        .dump();
  } catch (const JsonInputError&) {
    return "";
  }
}

ModelDescription describe(const ModelSetMember& member) {
  const ModelInfo& info = member.model->info();
  ModelDescription d;
  d.name = info.name;
  d.version = info.version;
  d.languages = info.languages;
  d.attribute_languages = info.attribute_languages;
  d.checksum = member.model->checksum();
  d.recipe_sha256 = info.recipe_sha256;
  d.created_by = info.created_by;
  d.quality_json =
      info.quality_json.empty() ? evaluation_beside(member.path, info.version) : info.quality_json;
  d.path = member.path;
  return d;
}

class ScorerAnalyzer final : public Analyzer {
 public:
  explicit ScorerAnalyzer(ModelSet models) : models_(std::move(models)) {
    for (const ModelSetMember& m : models_.members()) descriptions_.push_back(describe(m));
  }

  ScoreResult score(std::string_view text, const ScoreOptions& options) const override {
    return models_.primary().scorer.score(text, options);
  }
  const ModelDescription& model() const override { return descriptions_.front(); }
  std::vector<const ModelDescription*> models() const override {
    std::vector<const ModelDescription*> out;
    for (const ModelDescription& d : descriptions_) out.push_back(&d);
    return out;
  }
  ScoreResult score_in(std::string_view text, std::string_view language,
                       const ScoreOptions& options) const override {
    LanguageRoute route;
    route.language = std::string(language);
    route.member = models_.for_language(language);
    return models_.score(text, route, options);
  }

 private:
  ModelSet models_;
  std::vector<ModelDescription> descriptions_;
};

}  // namespace

std::shared_ptr<const Analyzer> load_model_analyzer(const std::string& path) {
  return load_model_analyzer(std::vector<std::string>{path});
}

std::shared_ptr<const Analyzer> load_model_analyzer(const std::vector<std::string>& paths) {
  return std::make_shared<ScorerAnalyzer>(load_model_set(paths));
}

}  // namespace comity::server
