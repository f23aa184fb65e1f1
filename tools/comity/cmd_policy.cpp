// `comity policy check|apply|history|dry-run`: validate a moderation policy file,
// make it live, list versions, and replay a community's stored history through a
// draft before it goes live.
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <memory>
#include <string>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli_common.h"
#include "comity/moderation.h"
#include "comity/moderation_dry_run.h"
#include "comity/moderation_store.h"
#include "moderation/policy_files.h"
#include "server_commands.h"

namespace {

comity::Policy parse_file(const std::string& path, const std::string& text) {
  comity::check_policy_file(path, text);
  return comity::parse_policy(text);
}

std::unique_ptr<comity::ModerationStore> existing_store(const std::string& flag) {
  const std::string dir = comity::cli::data_dir_or_default(flag);
  if (!std::filesystem::exists(std::filesystem::path(dir) / "comity.db")) {
    throw std::runtime_error("no store in " + dir + " (pass --data-dir)");
  }
  return comity::open_sqlite_moderation_store(dir);
}

void print_summary(const std::string& path, const comity::Policy& policy) {
  std::printf("%s: ok%s\n", path.c_str(),
              policy.name.empty() ? "" : fmt::format(" (policy \"{}\")", policy.name).c_str());
  std::printf("  default action: %s\n", std::string(action_name(policy.default_action)).c_str());
  for (const comity::ThresholdRule& rule : policy.thresholds) {
    std::printf("  %-7s %s >= %.3f  [%s]\n", std::string(action_name(rule.action)).c_str(),
                std::string(attribute_name(rule.attribute)).c_str(), rule.threshold,
                rule.name.c_str());
  }
  if (policy.deny) {
    std::printf("  %-7s %zu deny-list terms (%zu allow-list exemptions)\n",
                std::string(action_name(policy.deny->action)).c_str(), policy.deny->terms.size(),
                policy.allow.size());
  }
  if (policy.rate_limit) {
    std::printf("  %-7s more than %d comments per author in %d s\n",
                std::string(action_name(policy.rate_limit->action)).c_str(),
                policy.rate_limit->max_comments, policy.rate_limit->window_seconds);
  }
}

}  // namespace

void register_policy_command(CLI::App& app) {
  struct Flags {
    std::string file, data_dir, community, actor;
    bool json = false;
  };
  auto flags = std::make_shared<Flags>();
  CLI::App* policy = app.add_subcommand(
      "policy", "Check, apply and dry-run moderation policies, and list their history.");
  policy->require_subcommand(1);

  CLI::App* check = policy->add_subcommand(
      "check", "Validate a policy file; errors are reported as FILE:LINE: message.");
  check->add_option("file", flags->file, "Policy TOML file")->required();
  check->callback([flags] {
    print_summary(flags->file, parse_file(flags->file, comity::read_policy_file(flags->file)));
  });

  CLI::App* apply = policy->add_subcommand(
      "apply",
      "Make a policy file the community's active policy (the next version, audited), unless\n"
      "that text is already active. For policies kept in version control; `comity serve\n"
      "--policy-dir` does the same for a directory of <community>.toml files.");
  apply->add_option("file", flags->file, "Policy TOML file")->required();
  comity::cli::add_data_dir_option(apply, flags->data_dir);
  apply->add_option("--community", flags->community, "Community id")->required();
  apply->add_option("--actor", flags->actor, "Name in the audit log (default: cli:$USER)");
  apply->callback([flags] {
    const std::string toml = comity::read_policy_file(flags->file);
    comity::check_policy_file(flags->file, toml);
    auto store =
        comity::open_sqlite_moderation_store(comity::cli::data_dir_or_default(flags->data_dir));
    const comity::PolicyApplied applied = comity::apply_policy(
        *store, flags->community, toml,
        flags->actor.empty() ? comity::cli::default_actor() : flags->actor, flags->file);
    std::printf("community %s: %s version %lld\n", flags->community.c_str(),
                applied.changed ? "now on" : "unchanged, already on",
                static_cast<long long>(applied.version));
  });

  CLI::App* history = policy->add_subcommand(
      "history", "List a community's policy versions, newest first (* marks the active one).");
  comity::cli::add_data_dir_option(history, flags->data_dir);
  history->add_option("--community", flags->community, "Community id")->required();
  history->add_flag("--json", flags->json, "Print the versions with their TOML as JSON");
  history->callback([flags] {
    auto store = existing_store(flags->data_dir);
    const auto versions = store->policy_history(flags->community);
    if (flags->json) {
      nlohmann::json out = nlohmann::json::array();
      for (const auto& v : versions) {
        out.push_back({{"version", v.version},
                       {"created_at", v.created_at},
                       {"active", v.active},
                       {"toml", v.toml}});
      }
      std::cout << out.dump(2) << "\n";
      return;
    }
    if (versions.empty()) {
      std::printf("community %s: no stored policy (the built-in default applies)\n",
                  flags->community.c_str());
    }
    for (const auto& v : versions) {
      std::printf("%s %4lld  %s\n", v.active ? "*" : " ", static_cast<long long>(v.version),
                  v.created_at.c_str());
    }
  });

  CLI::App* dry_run = policy->add_subcommand(
      "dry-run",
      "Replay a community's stored comments through a draft policy and compare with the\n"
      "active one (or the built-in default): counts per action and comments that change.");
  dry_run->add_option("file", flags->file, "Draft policy TOML file")->required();
  comity::cli::add_data_dir_option(dry_run, flags->data_dir);
  dry_run->add_option("--community", flags->community, "Community id")->required();
  dry_run->add_flag("--json", flags->json, "Print the report as JSON");
  dry_run->callback([flags] {
    const comity::Policy draft = parse_file(flags->file, comity::read_policy_file(flags->file));
    auto store = existing_store(flags->data_dir);
    const auto active = store->active_policy(flags->community);
    const comity::Policy current =
        comity::parse_policy(active ? active->toml : comity::builtin_default_policy_toml());
    const comity::DryRunReport report =
        comity::dry_run_policy(*store, flags->community, current, draft);
    const std::string current_name =
        active ? fmt::format("version {}", active->version) : "built-in default";
    if (flags->json) {
      nlohmann::json examples = nlohmann::json::array();
      for (const auto& example : report.examples) {
        examples.push_back({{"comment_id", example.comment_id},
                            {"before", action_name(example.before)},
                            {"after", action_name(example.after)}});
      }
      std::cout << nlohmann::json{{"community", flags->community}, {"current", current_name},
                                  {"comments", report.comments},   {"skipped", report.skipped},
                                  {"changed", report.changed},     {"before", report.before},
                                  {"after", report.after},         {"examples", examples}}
                       .dump(2)
                << "\n";
      return;
    }
    std::printf("community %s: %lld comments replayed (%lld without scores skipped)\n",
                flags->community.c_str(), static_cast<long long>(report.comments),
                static_cast<long long>(report.skipped));
    std::printf("%-8s %12s %8s\n", "action", current_name.c_str(), "draft");
    for (const auto& [action, before] : report.before) {
      std::printf("%-8s %12lld %8lld\n", action.c_str(), static_cast<long long>(before),
                  static_cast<long long>(report.after.at(action)));
    }
    std::printf("%lld comments change action", static_cast<long long>(report.changed));
    std::printf(report.examples.empty() ? "\n" : "; for example:\n");
    for (const auto& example : report.examples) {
      std::printf("  %s: %s -> %s%s\n", example.comment_id.c_str(),
                  std::string(action_name(example.before)).c_str(),
                  std::string(action_name(example.after)).c_str(),
                  example.reasons_after.empty()
                      ? ""
                      : (" (" + example.reasons_after.front().rule + ")").c_str());
    }
  });
}
