#include "cli_common.h"

#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <stdexcept>

namespace comity::cli {

std::string default_model_path() {
  if (const char* env = std::getenv("COMITY_MODEL"); env && *env) {
    return env;
  }
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  // The bundled default: comity-2 (models/comity-2.md); comity-en-1 stays loadable.
  const char* kName = "models/comity-2.cmodel";
  for (const fs::path& root : {exe.parent_path().parent_path() / "share/comity",
                               exe.parent_path().parent_path(), fs::path(COMITY_SOURCE_DIR)}) {
    if (fs::exists(root / kName, ec)) {
      return (root / kName).string();
    }
  }
  return (fs::path(COMITY_SOURCE_DIR) / kName).string();
}

std::string default_model_paths() {
  // comity-multi-3 is still behind the TF-IDF baseline trained on its own data in 14 of 26
  // languages on TOXICITY (models/comity-multi-3.md), so it is not loaded by default: without it
  // another language gets LANGUAGE_NOT_SUPPORTED_BY_ATTRIBUTE instead of English
  // scores. `--model models/comity-2.cmodel,models/comity-multi-3.cmodel` opts in.
  return default_model_path();
}

std::string read_secret_line(const std::string& path) {
  std::string line;
  if (path.empty()) {
    std::getline(std::cin, line);
  } else {
    std::ifstream file(path);
    if (!file) throw std::runtime_error("cannot read " + path);
    std::getline(file, line);
  }
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return line;
}

std::string default_actor() {
  const char* user = std::getenv("USER");
  return std::string("cli:") + (user != nullptr && *user != '\0' ? user : "unknown");
}

std::string data_dir_or_default(const std::string& flag) {
  if (!flag.empty()) {
    return flag;
  }
  const char* env = std::getenv("COMITY_DATA_DIR");
  return env != nullptr && *env != '\0' ? env : "comity-data";
}

CLI::Option* add_data_dir_option(CLI::App* command, std::string& target) {
  return command->add_option("--data-dir", target,
                             "Store directory (default: $COMITY_DATA_DIR or comity-data)");
}

ProgressBar::ProgressBar(std::string label) : label_(std::move(label)), enabled_(isatty(2) != 0) {}

ProgressBar::~ProgressBar() {
  if (enabled_ && last_percent_ >= 0) {
    std::fputc('\n', stderr);
  }
}

void ProgressBar::set_label(std::string label) {
  label_ = std::move(label);
  last_percent_ = -1;
}

void ProgressBar::update(std::size_t done, std::size_t total) {
  if (!enabled_ || total == 0) {
    return;
  }
  const int percent =
      static_cast<int>(100.0 * static_cast<double>(done) / static_cast<double>(total));
  if (percent == last_percent_) {
    return;
  }
  last_percent_ = percent;
  const int width = 30, filled = percent * width / 100;
  std::fprintf(stderr, "\r%-28.28s [%.*s%*s] %3d%% (%zu/%zu)", label_.c_str(), filled,
               "##############################", width - filled, "", percent, done, total);
  std::fflush(stderr);
}

}  // namespace comity::cli
