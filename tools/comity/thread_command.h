// `comity thread`: import a comment thread and report on it.
#pragma once
#include <CLI/CLI.hpp>

namespace comity::cli {

void register_thread_command(CLI::App& app);

}  // namespace comity::cli
