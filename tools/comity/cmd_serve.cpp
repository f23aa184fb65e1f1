// `comity serve`: loads the model, opens the store and serves the HTTP API until
// SIGTERM/SIGINT (graceful: requests in flight finish). SIGHUP reloads the model.
#include <malloc.h>
#include <pthread.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>
#include <sys/resource.h>

#include <csignal>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "cli_common.h"
#include "comity/console.h"
#include "comity/model_set.h"
#include "comity/moderation_store.h"
#include "moderation/moderation_routes.h"
#include "moderation/policy_files.h"
#include "moderation/webhook_dispatcher.h"
#include "server/http_server.h"
#include "server/scorer_analyzer.h"
#include "server/server_config.h"
#include "server_commands.h"

namespace {

struct ServeFlags {
  std::string config_path, model, data_dir, host, log_level, console_dir, policy_dir,
      unknown_attributes, coral_signing_secret;
  std::vector<std::string> cors_allowed_origins;
  int port = 0, threads = 0;
  bool no_auth = false;
  CLI::Option *model_opt = nullptr, *data_dir_opt = nullptr, *host_opt = nullptr,
              *port_opt = nullptr, *threads_opt = nullptr, *no_auth_opt = nullptr,
              *log_level_opt = nullptr, *policy_dir_opt = nullptr, *cors_opt = nullptr,
              *unknown_attributes_opt = nullptr, *coral_signing_secret_opt = nullptr;
};

comity::server::ServerConfig resolve_config(const ServeFlags& flags) {
  comity::server::ServerConfig config;
  if (!flags.config_path.empty()) {
    comity::server::apply_config_file(flags.config_path, config);
  }
  comity::server::apply_environment(config);
  if (flags.model_opt->count() > 0) {
    config.model_path = flags.model;
  }
  if (flags.data_dir_opt->count() > 0) {
    config.data_dir = flags.data_dir;
  }
  if (flags.host_opt->count() > 0) {
    config.host = flags.host;
  }
  if (flags.port_opt->count() > 0) {
    config.port = flags.port;
  }
  if (flags.threads_opt->count() > 0) {
    config.threads = flags.threads;
  }
  if (flags.no_auth_opt->count() > 0) {
    config.no_auth = flags.no_auth;
  }
  if (flags.log_level_opt->count() > 0) {
    config.log_level = flags.log_level;
  }
  if (flags.policy_dir_opt->count() > 0) {
    config.policy_dir = flags.policy_dir;
  }
  if (flags.cors_opt->count() > 0) {
    config.cors_allowed_origins = flags.cors_allowed_origins;
  }
  if (flags.unknown_attributes_opt->count() > 0) {
    config.unknown_attributes = flags.unknown_attributes;
  }
  if (flags.coral_signing_secret_opt->count() > 0) {
    config.coral_signing_secret = flags.coral_signing_secret;
  }
  if (config.model_path.empty()) {
    config.model_path = comity::cli::default_model_paths();
  }
  comity::server::validate_config(config);
  return config;
}

std::string console_directory(const ServeFlags& flags) {
  if (!flags.console_dir.empty()) {
    return flags.console_dir;
  }
  if (const char* env = std::getenv("COMITY_CONSOLE_DIR"); env != nullptr && *env != '\0') {
    return env;
  }
  return std::string(COMITY_SOURCE_DIR) + "/web/dist";
}

void apply_policies(comity::ModerationStore& store, const std::string& dir) {
  for (const comity::PolicyApplied& applied : comity::apply_policy_dir(store, dir, "policy-dir")) {
    spdlog::info("policy for community {}: {} version {}", applied.community,
                 applied.changed ? "now" : "still", applied.version);
  }
}

// Each connection is a descriptor: take the hard limit, and keep max_connections
// below it so that accept() never fails for want of one (the store and the model
// need a few too).
void fit_connections_to_descriptors(comity::server::ServerConfig& config) {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return;
  if (limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    setrlimit(RLIMIT_NOFILE, &limit);
    getrlimit(RLIMIT_NOFILE, &limit);
  }
  constexpr rlim_t kReserved = 64;
  const rlim_t usable = limit.rlim_cur > kReserved ? limit.rlim_cur - kReserved : 1;
  if (config.max_connections > usable) {
    spdlog::warn("max_connections {} lowered to {}: the open-file limit is {}",
                 config.max_connections, usable, limit.rlim_cur);
    config.max_connections = static_cast<std::size_t>(usable);
  }
}

void run_serve(const ServeFlags& flags) {
  comity::server::ServerConfig config = resolve_config(flags);
  spdlog::set_default_logger(spdlog::stderr_color_mt("comity"));
  spdlog::set_level(spdlog::level::from_str(config.log_level));
  fit_connections_to_descriptors(config);
  // Request bodies of up to max_body_bytes come and go. A fixed mmap threshold keeps
  // glibc from raising it after the first large free, which would move every later
  // body into the heap and keep the peak of a burst resident for good (measured: 32
  // concurrent 8 MB bodies left 259 MB resident with the dynamic threshold).
  mallopt(M_MMAP_THRESHOLD, 256 * 1024);
  // Access lines go to stdout as bare JSON; diagnostics stay on stderr.
  auto access_log = spdlog::stdout_logger_mt("comity.access");
  access_log->set_pattern(R"({"time":"%Y-%m-%dT%H:%M:%S.%eZ","access":%v})",
                          spdlog::pattern_time_type::utc);

  const std::string model_path = config.model_path;
  auto loader = [model_path] {
    return comity::server::load_model_analyzer(comity::split_model_paths(model_path));
  };
  auto analyzer = loader();
  spdlog::info("model {} loaded from {}", analyzer->model().version, model_path);

  std::unique_ptr<comity::Store> store;
  if (!config.data_dir.empty()) {
    store = comity::open_sqlite_store(config.data_dir);
    if (!config.no_auth && store->list_api_keys().empty()) {
      spdlog::warn(
          "no API keys yet: every request will be refused; create one with "
          "`comity keys create --name NAME --data-dir {}`",
          config.data_dir);
    }
  }

  // Signals are taken synchronously by this thread; server threads inherit the mask.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  comity::server::HttpServer server(config, analyzer, store.get(), loader, access_log);
  std::shared_ptr<comity::ModerationStore> moderation;
  if (store) {
    // The moderator console needs the store for its accounts and sessions.
    comity::console::ConsoleOptions console;
    console.data_dir = config.data_dir;
    console.static_dir = console_directory(flags);
    comity::console::install_console(server, console);
    // Comment intake, the review queue, policies and the audit log (docs/moderation.md).
    moderation = comity::open_sqlite_moderation_store(config.data_dir);
    comity::server::register_moderation_routes(server, moderation);
    // The same webhooks over HTTP, for admin keys.
    comity::server::register_webhook_routes(
        server, std::make_shared<comity::WebhookStore>(config.data_dir));
    // A broken policy file stops the start-up: serving with an unintended policy is worse.
    if (!config.policy_dir.empty()) {
      apply_policies(*moderation, config.policy_dir);
    }
  } else if (!config.policy_dir.empty()) {
    throw std::runtime_error("policy_dir needs a data directory to store the policies in");
  }
  // Signed POSTs of every decision to the store's webhooks (comity webhooks add).
  std::unique_ptr<comity::WebhookDispatcher> webhooks;
  if (store) {
    webhooks = std::make_unique<comity::WebhookDispatcher>(config.data_dir);
    webhooks->start();
  }
  server.start();
  spdlog::info("comity serving on http://{}:{} with {} threads{}", config.host, server.port(),
               config.effective_threads(), config.no_auth ? " (no auth)" : "");
  if (store) {
    spdlog::info("moderator console: http://{}:{}/console/ (accounts: comity users create)",
                 config.host, server.port());
  }
  for (;;) {
    int signal = 0;
    if (sigwait(&signals, &signal) != 0) {
      continue;
    }
    if (signal == SIGHUP) {
      if (moderation && !config.policy_dir.empty()) {
        try {
          apply_policies(*moderation, config.policy_dir);
        } catch (const std::exception& e) {
          spdlog::error("policies not reloaded, the active versions stay: {}", e.what());
        }
      }
      std::string error;
      if (server.reload_model(error)) {
        spdlog::info("model reloaded from {}", model_path);
      } else {
        spdlog::error("model reload failed, still serving the previous model: {}", error);
      }
      continue;
    }
    spdlog::info("signal {}: finishing requests in flight, then exiting", signal);
    server.stop();
    break;
  }
}

}  // namespace

void register_serve_command(CLI::App& app) {
  auto flags = std::make_shared<ServeFlags>();
  CLI::App* cmd = app.add_subcommand(
      "serve",
      "Serve a Perspective-compatible HTTP API (POST /v1alpha1/comments:analyze and\n"
      "comments:suggestscore, the discovery document, /batch) plus Comity's /v1/score,\n"
      "/v1/models, /healthz, /readyz and /metrics. Settings come from --config (TOML),\n"
      "then COMITY_* environment variables, then flags; see docs/configuration.md.\n"
      "SIGTERM stops gracefully; SIGHUP reloads the model and the --policy-dir policies\n"
      "(POST /v1/admin/reload the model only).");
  cmd->add_option("--config", flags->config_path, "TOML configuration file")
      ->check(CLI::ExistingFile);
  flags->model_opt =
      cmd->add_option("--model", flags->model,
                      "Model file (default: $COMITY_MODEL or the bundled models/comity-2.cmodel)");
  flags->data_dir_opt =
      cmd->add_option("--data-dir", flags->data_dir,
                      "Directory of the store (API keys, feedback); default comity-data");
  flags->host_opt = cmd->add_option("--host", flags->host, "Address to bind (default 127.0.0.1)");
  flags->port_opt =
      cmd->add_option("--port", flags->port, "Port (default 8080; 0 picks a free one)")
          ->check(CLI::Range(0, 65535));
  flags->threads_opt =
      cmd->add_option("--threads", flags->threads, "Worker threads (default: one per core)")
          ->check(CLI::NonNegativeNumber);
  flags->no_auth_opt = cmd->add_flag(
      "--no-auth", flags->no_auth, "Accept requests without an API key (loopback addresses only)");
  flags->log_level_opt = cmd->add_option("--log-level", flags->log_level,
                                         "trace|debug|info|warn|error (default info)");
  flags->policy_dir_opt = cmd->add_option(
      "--policy-dir", flags->policy_dir,
      "Directory of <community>.toml moderation policies, applied at start and on SIGHUP");
  flags->cors_opt =
      cmd->add_option("--cors-allowed-origin", flags->cors_allowed_origins,
                      "A browser origin (https://host[:port]) allowed to call the API; repeatable");
  flags->unknown_attributes_opt =
      cmd->add_option("--unknown-attributes", flags->unknown_attributes,
                      "Requested attributes Comity lacks: error (Google's 400) or omit")
          ->check(CLI::IsMember({"error", "omit"}));
  flags->coral_signing_secret_opt = cmd->add_option(
      "--coral-signing-secret", flags->coral_signing_secret,
      "Signing secret of Coral's external moderation phase (POST /v1/coral/external-moderation; "
      "prefer COMITY_CORAL_SIGNING_SECRET, which ps does not show)");
  cmd->add_option("--console-dir", flags->console_dir,
                  "Built moderator console served at /console (default: $COMITY_CONSOLE_DIR or "
                  "web/dist in the source tree; build it with web/build.sh)");
  cmd->callback([flags] { run_serve(*flags); });
}
