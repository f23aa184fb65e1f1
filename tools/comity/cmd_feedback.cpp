// `comity feedback export`: suggestscore feedback as JSONL, ready for training.
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>

#include "cli_common.h"
#include "comity/feedback_export.h"
#include "comity/store.h"
#include "server_commands.h"

void register_feedback_command(CLI::App& app) {
  struct Flags {
    std::string data_dir, out;
  };
  auto flags = std::make_shared<Flags>();
  CLI::App* feedback =
      app.add_subcommand("feedback",
                         "Export stored feedback: comments:suggestscore suggestions and moderator "
                         "decisions (docs/moderation.md), for training.");
  feedback->require_subcommand(1);
  CLI::App* exporter = feedback->add_subcommand(
      "export",
      "Write stored feedback as JSON Lines ({\"text\", \"labels\": {ATTRIBUTE: value}, \"source\", "
      "...}): suggestscore rows (source \"suggestscore\") and moderator decisions (source "
      "\"moderation\": TOXICITY 1.0 for reject, 0.0 for approve and edit_approve).\n"
      "Rows stored with doNotStore have no text and are skipped.");
  comity::cli::add_data_dir_option(exporter, flags->data_dir);
  exporter->add_option("--out", flags->out, "Output file, or - for stdout")->required();
  exporter->callback([flags] {
    auto store = comity::open_sqlite_store(comity::cli::data_dir_or_default(flags->data_dir));
    comity::FeedbackExportCounts counts;
    if (flags->out == "-") {
      counts = comity::export_feedback_jsonl(*store, std::cout);
    } else {
      std::ofstream out(flags->out, std::ios::binary);
      if (!out) {
        throw std::runtime_error("cannot write " + flags->out);
      }
      counts = comity::export_feedback_jsonl(*store, out);
    }
    std::fprintf(stderr, "exported %lld rows (%lld without text skipped)\n",
                 static_cast<long long>(counts.written),
                 static_cast<long long>(counts.skipped_without_text));
  });
}
