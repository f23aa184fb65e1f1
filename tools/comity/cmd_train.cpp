// `comity train --recipe FILE`: builds a model file and a training report.
#include <fmt/format.h>

#include <fstream>
#include <iostream>

#include "cli_common.h"
#include "comity/contextual_model.h"
#include "comity/linear_model.h"
#include "comity/trainer.h"

namespace comity::cli {

void register_train_command(CLI::App& app) {
  struct Args {
    std::string recipe, data_dir, output, report, dump_examples;
  };
  auto args = std::make_shared<Args>();
  CLI::App* cmd = app.add_subcommand(
      "train",
      "Train a model from a recipe (TOML: datasets, label mappings, splits, hyper-parameters).\n"
      "Deterministic: the same recipe and data give the same model bytes.");
  cmd->add_option("-r,--recipe", args->recipe, "Recipe file, e.g. recipes/comity-en-1.toml")
      ->required();
  cmd->add_option("-d,--data-dir", args->data_dir,
                  "Directory the recipe's dataset paths are relative to")
      ->required();
  cmd->add_option("-o,--output", args->output,
                  "Model file to write (default: models/<version>.cmodel)");
  cmd->add_option("--report", args->report, "Training report JSON (default: <output>.train.json)");
  cmd->add_option("--dump-examples", args->dump_examples,
                  "Also write every example (text, language, dataset, split, targets) as JSONL");
  cmd->callback([args] {
    const Recipe recipe = load_recipe(args->recipe);
    if (args->output.empty()) args->output = "models/" + recipe.version + ".cmodel";
    if (args->report.empty()) args->report = args->output + ".train.json";
    ProgressBar bar("reading");
    TrainOptions options;
    options.data_dir = args->data_dir;
    options.dump_examples = args->dump_examples;
    options.on_progress = [&bar](const TrainProgress& p) {
      bar.set_label(p.stage);
      bar.update(p.done, p.total);
    };
    TrainResult result = train(recipe, options);
    if (result.contextual) {
      ContextualModel::save(*result.contextual, args->output);
    } else {
      LinearModel::save(result.weights, args->output);
    }
    std::ofstream report(args->report);
    report << result.report.dump(2) << '\n';
    if (!report) throw std::runtime_error("cannot write the training report " + args->report);
    std::cerr << "comity train: wrote " << args->output << " and " << args->report << '\n';
  });
}

void register_model_command(CLI::App& app) {
  auto path = std::make_shared<std::string>();
  CLI::App* cmd =
      app.add_subcommand("model", "Show a model file's metadata (and verify its checksum)");
  cmd->add_option("model", *path, "Model file (default: the bundled model)");
  cmd->callback([path] {
    if (path->empty()) *path = default_model_path();
    auto model = load_classifier(*path);
    const ModelInfo& info = model->info();
    nlohmann::json out = {{"path", *path},
                          {"name", info.name},
                          {"version", info.version},
                          {"languages", info.languages},
                          {"architecture", model->architecture()},
                          {"recipe_sha256", info.recipe_sha256},
                          {"bytes", model->file_size()},
                          {"checksum_xxh64", fmt::format("{:016x}", model->checksum())},
                          {"hash_bits", info.features.hash_bits},
                          {"span_threshold", info.span_threshold}};
    nlohmann::json attrs = nlohmann::json::array();
    for (std::size_t a = 0; a < kNumAttributes; ++a)
      attrs.push_back(attribute_name(attribute_at(a)));
    out["attributes"] = attrs;
    std::cout << out.dump(2) << '\n';
  });
}

}  // namespace comity::cli
