// Pieces every `comity` subcommand shares: where the bundled model lives,
// terminal progress, and the JSON shape of scores.
#pragma once
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>
#include <string>

#include "comity/scorer.h"

namespace comity::cli {

// $COMITY_MODEL, else the bundled model next to the install or in the source tree.
std::string default_model_path();
// The bundled models in routing order, comma-separated (model_set.h); $COMITY_MODEL
// when set. Today comity-2 alone (see the .cpp for why comity-multi-3 is opt-in).
std::string default_model_paths();

// The store directory: `flag` when given, else $COMITY_DATA_DIR, else comity-data.
std::string data_dir_or_default(const std::string& flag);

// Who the audit log names for a change made on the command line: cli:$USER.
std::string default_actor();

// A secret's first line from `path`, or from stdin when `path` is empty: never a
// command-line argument, which other local users could read from the process list.
std::string read_secret_line(const std::string& path);
// Adds the --data-dir option every store command shares.
CLI::Option* add_data_dir_option(CLI::App* command, std::string& target);

// A one-line progress bar on stderr, drawn only when stderr is a terminal.
class ProgressBar {
 public:
  explicit ProgressBar(std::string label);
  ~ProgressBar();
  void update(std::size_t done, std::size_t total);
  void set_label(std::string label);

 private:
  std::string label_;
  bool enabled_;
  int last_percent_ = -1;
};

// Why `comity score` refuses `text` ("invalid UTF-8 at byte ...", "empty text"), or
// empty when it can be scored; with `lenient`, invalid UTF-8 is repaired in place
// instead. The Python module raises the same messages.
std::string text_error(std::string& text, bool lenient);

void register_score_command(CLI::App& app);
void register_train_command(CLI::App& app);
void register_eval_command(CLI::App& app);
void register_model_command(CLI::App& app);

}  // namespace comity::cli
