#include "server/scorer_analyzer.h"

#include "comity/model.h"
#include "comity/model_set.h"

namespace comity::server {
namespace {

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
  d.quality_json = info.quality_json;
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
