#include "server/scorer_analyzer.h"

#include "comity/model.h"
#include "comity/scorer.h"

namespace comity::server {
namespace {

class ScorerAnalyzer final : public Analyzer {
 public:
  ScorerAnalyzer(std::shared_ptr<const Classifier> model, std::string path) : scorer_(model) {
    const ModelInfo& info = model->info();
    description_.name = info.name;
    description_.version = info.version;
    description_.languages = info.languages;
    description_.checksum = model->checksum();
    description_.recipe_sha256 = info.recipe_sha256;
    description_.created_by = info.created_by;
    description_.quality_json = info.quality_json;
    description_.path = std::move(path);
  }

  ScoreResult score(std::string_view text, const ScoreOptions& options) const override {
    return scorer_.score(text, options);
  }
  const ModelDescription& model() const override { return description_; }

 private:
  Scorer scorer_;
  ModelDescription description_;
};

}  // namespace

std::shared_ptr<const Analyzer> load_model_analyzer(const std::string& path) {
  return std::make_shared<ScorerAnalyzer>(load_classifier(path), path);
}

}  // namespace comity::server
