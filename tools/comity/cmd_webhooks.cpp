// `comity webhooks`: URLs that get a signed POST for every moderation decision,
// their delivery log, and replays (docs/moderation.md#webhooks).

#include <cstdio>
#include <memory>
#include <stdexcept>
#include <string>

#include "cli_common.h"
#include "comity/webhooks.h"
#include "server_commands.h"

namespace {

struct WebhooksFlags {
  std::string data_dir;
  std::string url, community, secret_file;
  bool from_start = false;
  std::int64_t id = 0, from = 1, limit = 50;
};

std::unique_ptr<comity::WebhookStore> open_webhooks(const WebhooksFlags& flags) {
  return std::make_unique<comity::WebhookStore>(comity::cli::data_dir_or_default(flags.data_dir));
}

// The first line of --secret-file, or 32 random bytes in hex (printed once).
std::string secret_for(const WebhooksFlags& flags, bool& generated) {
  generated = flags.secret_file.empty();
  if (!generated) return comity::cli::read_secret_line(flags.secret_file);
  return comity::generate_webhook_secret();
}

}  // namespace

void register_webhooks_command(CLI::App& app) {
  auto flags = std::make_shared<WebhooksFlags>();
  CLI::App* webhooks = app.add_subcommand(
      "webhooks",
      "Webhooks: URLs that `comity serve` POSTs every moderation decision to, signed and "
      "retried: add, list, remove, deliveries (the log), replay.");
  webhooks->require_subcommand(1);

  CLI::App* add = webhooks->add_subcommand(
      "add", "Add a webhook; prints its signing secret when it generated one.");
  comity::cli::add_data_dir_option(add, flags->data_dir);
  add->add_option("--url", flags->url, "http:// or https:// URL to POST to")->required();
  add->add_option("--community", flags->community,
                  "Only this community's decisions (default: all)");
  add->add_option("--secret-file", flags->secret_file,
                  "File whose first line is the signing secret (default: generate one)")
      ->check(CLI::ExistingFile);
  add->add_flag("--from-start", flags->from_start,
                "Also deliver every decision already stored (default: only new ones)");
  add->callback([flags] {
    bool generated = false;
    const std::string secret = secret_for(*flags, generated);
    const comity::Webhook w =
        open_webhooks(*flags)->add(flags->url, secret, flags->community, flags->from_start);
    if (generated) std::printf("%s\n", secret.c_str());
    std::fprintf(stderr, "webhook %lld: %s%s%s, from decision %lld on%s\n",
                 static_cast<long long>(w.id), w.url.c_str(),
                 w.community.empty() ? "" : " for community ", w.community.c_str(),
                 static_cast<long long>(w.cursor + 1),
                 generated ? "; the signing secret above is not shown again" : "");
  });

  CLI::App* list = webhooks->add_subcommand(
      "list", "List webhooks (id, url, community, last decision done, failures, created).");
  comity::cli::add_data_dir_option(list, flags->data_dir);
  list->callback([flags] {
    std::printf("%-5s %-40s %-12s %-9s %-8s %s\n", "ID", "URL", "COMMUNITY", "CURSOR", "FAILURES",
                "CREATED");
    for (const comity::Webhook& w : open_webhooks(*flags)->list()) {
      std::printf("%-5lld %-40s %-12s %-9lld %-8lld %s\n", static_cast<long long>(w.id),
                  w.url.c_str(), w.community.empty() ? "*" : w.community.c_str(),
                  static_cast<long long>(w.cursor), static_cast<long long>(w.failures),
                  w.created_at.c_str());
    }
  });

  CLI::App* remove = webhooks->add_subcommand("remove", "Remove a webhook and its delivery log.");
  comity::cli::add_data_dir_option(remove, flags->data_dir);
  remove->add_option("id", flags->id, "Webhook id")->required();
  remove->callback([flags] {
    if (!open_webhooks(*flags)->remove(flags->id)) {
      throw std::runtime_error("no webhook " + std::to_string(flags->id));
    }
    std::fprintf(stderr, "removed webhook %lld\n", static_cast<long long>(flags->id));
  });

  CLI::App* deliveries = webhooks->add_subcommand(
      "deliveries", "The delivery log, newest first: every attempt with its HTTP status or error.");
  comity::cli::add_data_dir_option(deliveries, flags->data_dir);
  deliveries->add_option("--webhook", flags->id, "Only this webhook");
  deliveries->add_option("--limit", flags->limit, "Attempts shown (default 50)")
      ->check(CLI::Range(1, 100000));
  deliveries->callback([flags] {
    std::printf("%-8s %-7s %-9s %-7s %-6s %-10s %-22s %s\n", "ID", "WEBHOOK", "DECISION", "ATTEMPT",
                "HTTP", "RESULT", "AT", "ERROR");
    for (const comity::WebhookDelivery& d :
         open_webhooks(*flags)->deliveries(flags->id, static_cast<std::size_t>(flags->limit))) {
      std::printf("%-8lld %-7lld %-9lld %-7lld %-6s %-10s %-22s %s\n", static_cast<long long>(d.id),
                  static_cast<long long>(d.webhook_id), static_cast<long long>(d.decision_id),
                  static_cast<long long>(d.attempt),
                  d.http_status ? std::to_string(*d.http_status).c_str() : "-",
                  d.delivered ? "delivered" : "failed", d.created_at.c_str(), d.error.c_str());
    }
  });

  CLI::App* replay = webhooks->add_subcommand(
      "replay",
      "Deliver again, in order, every decision from --from on (a running server "
      "picks it up on its next poll).");
  comity::cli::add_data_dir_option(replay, flags->data_dir);
  replay->add_option("id", flags->id, "Webhook id")->required();
  replay->add_option("--from", flags->from, "First decision id to deliver again")
      ->required()
      ->check(CLI::PositiveNumber);
  replay->callback([flags] {
    if (!open_webhooks(*flags)->replay(flags->id, flags->from)) {
      throw std::runtime_error("no webhook " + std::to_string(flags->id));
    }
    std::fprintf(stderr, "webhook %lld: delivering again from decision %lld\n",
                 static_cast<long long>(flags->id), static_cast<long long>(flags->from));
  });
}
