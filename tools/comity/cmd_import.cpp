// `comity import`: load sites' comment exports (WordPress WXR, Disqus XML, Comity
// JSON Lines, plain-text page dumps) into the store. Every comment is scored and
// decided by its community's active policy exactly as if posted live, and all
// files of one run are stored in a single transaction: a malformed file is
// reported with its place and nothing is stored.
#include <cstdio>
#include <deque>
#include <filesystem>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli_common.h"
#include "comity/model_set.h"
#include "comity/moderation_store.h"
#include "comity/thread.h"
#include "moderation/comment_intake.h"
#include "server/scorer_analyzer.h"
#include "server/server_config.h"
#include "server_commands.h"

namespace {

struct ImportFlags {
  std::vector<std::string> files;
  std::string community, thread, format, data_dir, model;
  std::size_t max_comment_bytes = comity::server::ServerConfig{}.max_comment_bytes;
  bool dry_run = false, json = false;
};

std::string actions_text(const std::map<std::string, std::int64_t>& actions) {
  std::string out;
  for (const auto& [action, count] : actions) {
    out += fmt::format("{}{} {}", out.empty() ? "" : ", ", action, count);
  }
  return out.empty() ? "none" : out;
}

void run_import(const ImportFlags& flags) {
  if (!flags.thread.empty() && flags.files.size() != 1) {
    throw std::runtime_error("--thread names one thread; import one file with it");
  }
  std::optional<comity::ThreadFormat> format;
  if (!flags.format.empty()) {
    format = comity::parse_thread_format(flags.format);
  }

  // Parse everything before storing anything. A deque keeps each thread where
  // ThreadToImport::source points.
  std::deque<comity::Thread> sources;
  std::vector<comity::ThreadToImport> threads;
  std::vector<std::string> file_of;  // per thread, for messages
  for (const std::string& path : flags.files) {
    std::vector<comity::Thread> site;
    try {
      site = comity::import_site_file(path, format);
    } catch (const comity::ThreadImportError& e) {
      // The importers name the place ("file:line", an XML path) in the message.
      throw std::runtime_error(fmt::format("cannot import: {}; nothing was stored", e.what()));
    }
    if (!flags.thread.empty() && site.size() != 1) {
      throw std::runtime_error(
          fmt::format("--thread names one thread, but {} holds {}; leave it out to import them all",
                      path, site.size()));
    }
    for (comity::Thread& source : site) {
      const std::string id =
          flags.thread.empty()
              ? comity::import_thread_id(std::filesystem::path(path).stem().string(), source)
              : flags.thread;
      if (!comity::valid_thread_id(id)) {
        throw std::runtime_error("thread id '" + id +
                                 "' must be 1 to 256 bytes without '/' or ':'");
      }
      threads.push_back(
          comity::thread_to_import(id, flags.community, sources.emplace_back(std::move(source))));
      file_of.push_back(path);
    }
  }

  const auto analyzer = comity::server::load_model_analyzer(comity::split_model_paths(
      flags.model.empty() ? comity::cli::default_model_paths() : flags.model));
  auto store =
      comity::open_sqlite_moderation_store(comity::cli::data_dir_or_default(flags.data_dir));
  comity::CommentIntake intake(*store, *analyzer);
  std::vector<comity::ImportSummary> summaries;
  try {
    summaries = intake.import_threads(threads, flags.max_comment_bytes, flags.dry_run);
  } catch (const comity::IntakeError& e) {
    throw std::runtime_error(std::string(e.what()) + " Nothing was stored.");
  }

  if (flags.json) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& s : summaries) {
      out.push_back({{"thread", s.thread_id},
                     {"file", file_of[&s - summaries.data()]},
                     {"imported", s.imported},
                     {"skipped", s.skipped},
                     {"actions", s.actions},
                     {"warnings", s.warnings}});
    }
    std::cout << nlohmann::json{{"community", flags.community},
                                {"dry_run", flags.dry_run},
                                {"model", analyzer->model().version},
                                {"threads", out}}
                     .dump(2)
              << "\n";
    return;
  }
  for (std::size_t i = 0; i < summaries.size(); ++i) {
    const auto& s = summaries[i];
    for (const std::string& warning : s.warnings) {
      std::fprintf(stderr, "%s: warning: %s\n", file_of[i].c_str(), warning.c_str());
    }
    std::printf("%s -> %s/%s: %lld %s (%s), %lld skipped\n", file_of[i].c_str(),
                flags.community.c_str(), s.thread_id.c_str(), static_cast<long long>(s.imported),
                flags.dry_run ? "would be imported" : "imported", actions_text(s.actions).c_str(),
                static_cast<long long>(s.skipped));
  }
}

}  // namespace

void register_import_command(CLI::App& app) {
  auto flags = std::make_shared<ImportFlags>();
  CLI::App* command = app.add_subcommand(
      "import",
      "Import sites' comment exports (WordPress WXR, Disqus XML, Comity JSON Lines, text page\n"
      "dumps) into the store: every post or thread with comments of a site export, one thread\n"
      "per JSONL or text file. Each comment is scored and decided by the\n"
      "community's active policy as if posted live; all files are stored in one transaction,\n"
      "so a malformed file stores nothing. Comments already imported are skipped.");
  command->add_option("files", flags->files, "Export files")->required()->check(CLI::ExistingFile);
  command->add_option("--community", flags->community, "Community (site) id")->required();
  command->add_option("--thread", flags->thread,
                      "Thread id, for a file holding one thread (default: the file name without\n"
                      "extension, followed by -<post id> for a site export's threads)");
  command->add_option("--format", flags->format, "jsonl, wxr, disqus or text (default: detected)")
      ->check(CLI::IsMember({"jsonl", "wxr", "disqus", "text"}));
  command->add_option("--data-dir", flags->data_dir,
                      "Store directory (default: $COMITY_DATA_DIR or comity-data)");
  command->add_option("--model", flags->model, "Model file (default: the bundled model)");
  command
      ->add_option("--max-comment-bytes", flags->max_comment_bytes,
                   "Longer comments are skipped with a warning, as the API refuses them")
      ->check(CLI::PositiveNumber);
  command->add_flag("--dry-run", flags->dry_run,
                    "Score and decide, print the counts, store nothing");
  command->add_flag("--json", flags->json, "Print the summary as JSON");
  command->callback([flags] { run_import(*flags); });
}
