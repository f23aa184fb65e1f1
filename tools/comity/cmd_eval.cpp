// `comity eval`: named suites from recipes/eval-suites.toml, JSON and Markdown out.
#include <fstream>
#include <iostream>
#include <thread>

#include "cli_common.h"
#include "comity/eval.h"

namespace comity::cli {

void register_eval_command(CLI::App& app) {
  struct Args {
    std::string model, suites, data_dir, json_out, markdown_out;
    std::vector<std::string> only;
    int threads = 0;
    std::size_t limit = 0;
    std::string split;
  };
  auto args = std::make_shared<Args>();
  CLI::App* cmd = app.add_subcommand(
      "eval",
      "Evaluate a model on the named suites (reference-score agreement, human labels, toxic "
      "spans,\n"
      "identity bias, obfuscation). Suites whose data is absent are skipped with a message.");
  cmd->add_option("-m,--model", args->model, "Model file (default: the bundled model)");
  cmd->add_option("-s,--suites", args->suites,
                  "Suite definitions (default: recipes/eval-suites.toml)");
  cmd->add_option("-d,--data-dir", args->data_dir, "Data directory (default: ../shared/data)");
  cmd->add_option("--suite", args->only, "Run only this suite (repeatable)")
      ->allow_extra_args(false);
  cmd->add_option("-o,--json", args->json_out, "Write results JSON here (default: stdout)");
  cmd->add_option("--markdown", args->markdown_out, "Write Markdown tables here");
  cmd->add_option("-j,--threads", args->threads, "Scoring threads (default: all cores)");
  cmd->add_option("--split", args->split,
                  "Evaluate the hash-split suites on this split instead (dev while tuning)")
      ->check(CLI::IsMember({"train", "dev", "test"}));
  cmd->add_option("--limit", args->limit, "At most this many examples per suite (smoke runs)");
  cmd->callback([args] {
    if (args->model.empty()) args->model = default_model_path();
    EvalOptions options;
    options.suites_file = args->suites.empty()
                              ? std::string(COMITY_SOURCE_DIR) + "/recipes/eval-suites.toml"
                              : args->suites;
    options.data_dir = args->data_dir.empty() ? std::string(COMITY_SOURCE_DIR) + "/../shared/data"
                                              : args->data_dir;
    options.only = args->only;
    options.threads = args->threads > 0
                          ? args->threads
                          : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    options.limit = args->limit;
    options.split = args->split;
    Scorer scorer(load_classifier(args->model));
    const nlohmann::json results = run_eval(scorer, options);
    for (const auto& [name, r] : results["suites"].items()) {
      if (r.contains("skipped"))
        std::cerr << "comity eval: skipped " << name << ": " << r["skipped"].get<std::string>()
                  << '\n';
    }
    if (args->json_out.empty()) {
      std::cout << results.dump(2) << '\n';
    } else {
      std::ofstream(args->json_out) << results.dump(2) << '\n';
    }
    if (!args->markdown_out.empty()) std::ofstream(args->markdown_out) << eval_markdown(results);
  });
}

}  // namespace comity::cli
