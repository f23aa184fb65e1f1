// The tiny invented training fixture (tests/fixtures/tiny) and a model trained from
// it once per test process, shared by the trainer, scorer, eval and CLI tests.
#pragma once
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>

#include "comity/linear_model.h"
#include "comity/model.h"
#include "comity/recipe.h"
#include "comity/trainer.h"

namespace comity::tiny {

// The smallest recipe the parser accepts: one Perspective-scored dataset.
inline constexpr const char* kMinimalRecipe = R"(
name = "n"
version = "v"
[[datasets]]
name = "d"
path = "d.jsonl"
soft_labels = { TOXICITY = "perspective.TOXICITY" }
)";

inline std::string fixture_dir() { return std::string(COMITY_SOURCE_DIR) + "/tests/fixtures/tiny"; }
inline std::string fixture_path(const std::string& name) { return fixture_dir() + "/" + name; }

inline std::string read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline void write_bytes(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
}

// A directory private to this test process, removed at exit.
inline const std::filesystem::path& scratch_dir() {
  struct Dir {
    std::filesystem::path path;
    Dir() {
      path = std::filesystem::temp_directory_path() /
             std::string("comity-enginetests-").append(std::to_string(::getpid()));
      std::filesystem::create_directories(path);
    }
    ~Dir() {
      std::error_code ec;
      std::filesystem::remove_all(path, ec);
    }
  };
  static const Dir dir;
  return dir.path;
}

inline std::string scratch(const std::string& name) { return (scratch_dir() / name).string(); }

inline Recipe fixture_recipe() { return load_recipe(fixture_path("recipe.toml")); }

inline TrainResult train_fixture(const Recipe& recipe) {
  TrainOptions options;
  options.data_dir = fixture_dir();
  return train(recipe, options);
}

// Trained once per process; the model file lives in the scratch directory.
struct TrainedFixture {
  TrainResult result;
  std::string model_path;
  std::shared_ptr<const LinearModel> model;
};
inline const TrainedFixture& trained() {
  static const TrainedFixture fixture = [] {
    TrainedFixture f;
    f.result = train_fixture(fixture_recipe());
    f.model_path = scratch("tiny.cmodel");
    LinearModel::save(f.result.weights, f.model_path);
    f.model = LinearModel::load(f.model_path);
    return f;
  }();
  return fixture;
}

}  // namespace comity::tiny
