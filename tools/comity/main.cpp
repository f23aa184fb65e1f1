// `comity`: score comments, train and evaluate models, serve the API.
#include <cstdio>
#include <exception>

#include "cli_common.h"
#include "thread_command.h"
#ifdef COMITY_HAVE_SERVER
#include "server_commands.h"
#endif

int main(int argc, char** argv) {
  CLI::App app{
      "Comity: self-hosted comment moderation.\n"
      "Scores comments on Perspective's attributes with a bundled model, trains and\n"
      "evaluates models, and serves a Perspective-compatible API."};
  app.require_subcommand(1);
  app.set_version_flag("--version", "comity 0.1.0");
  comity::cli::register_score_command(app);
  comity::cli::register_train_command(app);
  comity::cli::register_eval_command(app);
  comity::cli::register_model_command(app);
  comity::cli::register_thread_command(app);
#ifdef COMITY_HAVE_SERVER
  register_serve_command(app);
  register_keys_command(app);
  register_feedback_command(app);
  register_users_command(app);
  register_webhooks_command(app);
  register_policy_command(app);
  register_import_command(app);
#endif
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "comity: error: %s\n", e.what());
    return 1;
  }
  return 0;
}
