// `comity keys`: API keys for `comity serve`, each with its own per-minute quota.
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>

#include "cli_common.h"
#include "comity/store.h"
#include "server_commands.h"

namespace {

struct KeysFlags {
  std::string data_dir;
  std::string name;
  int requests_per_minute = 60;
  std::string scope = "score";
  std::string target;
};

std::unique_ptr<comity::Store> open_store(const KeysFlags& flags) {
  return comity::open_sqlite_store(comity::cli::data_dir_or_default(flags.data_dir));
}

void add_data_dir(CLI::App* cmd, KeysFlags& flags) {
  comity::cli::add_data_dir_option(cmd, flags.data_dir);
}

}  // namespace

void register_keys_command(CLI::App& app) {
  auto flags = std::make_shared<KeysFlags>();
  CLI::App* keys =
      app.add_subcommand("keys", "Create, list and revoke API keys for `comity serve`.");
  keys->require_subcommand(1);

  CLI::App* create = keys->add_subcommand(
      "create", "Create an API key and print it once (only its hash is stored).");
  add_data_dir(create, *flags);
  create->add_option("--name", flags->name, "Who the key is for")->required();
  create
      ->add_option("--rpm", flags->requests_per_minute,
                   "Requests per minute allowed for this key; 0 = unlimited (default 60)")
      ->check(CLI::NonNegativeNumber);
  create
      ->add_option("--scope", flags->scope,
                   "What the key may call: score (analyze, scores, posting comments; the "
                   "default, for a site's comment form), moderation (+ queue, decisions, "
                   "threads, dashboards, policy dry runs) or admin (+ saving policies, imports, "
                   "the audit log, model reloads)")
      ->check(CLI::IsMember({"score", "moderation", "admin"}));
  create->callback([flags] {
    auto store = open_store(*flags);
    const comity::CreatedApiKey key = store->create_api_key(
        flags->name, flags->requests_per_minute, *comity::parse_api_key_scope(flags->scope));
    std::printf("%s\n", key.secret.c_str());
    std::fprintf(stderr,
                 "created %s key %lld (%s) for '%s', %d requests/minute; store it now, it is not "
                 "shown again\n",
                 flags->scope.c_str(), static_cast<long long>(key.record.id),
                 key.record.prefix.c_str(), key.record.name.c_str(),
                 key.record.requests_per_minute);
  });

  CLI::App* list = keys->add_subcommand(
      "list", "List API keys (id, prefix, name, quota, created, status, scope).");
  add_data_dir(list, *flags);
  list->callback([flags] {
    auto store = open_store(*flags);
    std::printf("%-6s %-12s %-24s %-8s %-22s %-8s %s\n", "ID", "PREFIX", "NAME", "RPM", "CREATED",
                "STATUS", "SCOPE");
    for (const auto& key : store->list_api_keys()) {
      std::printf("%-6lld %-12s %-24s %-8d %-22s %-8s %s\n", static_cast<long long>(key.id),
                  key.prefix.c_str(), key.name.c_str(), key.requests_per_minute,
                  key.created_at.c_str(), key.revoked ? "revoked" : "active",
                  std::string(comity::api_key_scope_name(key.scope)).c_str());
    }
  });

  CLI::App* revoke = keys->add_subcommand("revoke", "Revoke an API key by id or prefix.");
  add_data_dir(revoke, *flags);
  revoke->add_option("key", flags->target, "Key id or prefix")->required();
  revoke->callback([flags] {
    auto store = open_store(*flags);
    if (!store->revoke_api_key(flags->target)) {
      throw std::runtime_error("no key matches '" + flags->target + "'");
    }
    std::fprintf(stderr, "revoked %s\n", flags->target.c_str());
  });
}
