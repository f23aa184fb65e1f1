// `comity users`: moderator console accounts (admin or moderator), whose
// passwords are stored only as PBKDF2 hashes.
// Compiled only with the server: the accounts live in the store.
#ifdef COMITY_HAVE_SERVER
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <memory>
#include <stdexcept>
#include <string>

#include "cli_common.h"
#include "comity/console.h"
#include "server_commands.h"

namespace {

struct UsersFlags {
  std::string data_dir;
  std::string name;
  std::string role = "moderator";
  std::string password_file;
  std::string actor;
};

std::string read_password(const UsersFlags& flags) {
  return comity::cli::read_secret_line(flags.password_file);
}

}  // namespace

void register_users_command(CLI::App& app) {
  auto flags = std::make_shared<UsersFlags>();
  CLI::App* users = app.add_subcommand(
      "users",
      "Accounts of the moderator console (/console): create, list, disable, enable, "
      "reset-password, end-sessions.");
  users->require_subcommand(1);

  CLI::App* create = users->add_subcommand(
      "create", "Create a console account; the password is read from stdin or --password-file.");
  comity::cli::add_data_dir_option(create, flags->data_dir);
  create->add_option("--name", flags->name, "Sign-in name")->required();
  create->add_option("--role", flags->role, "admin (may edit policies) or moderator (default)")
      ->check(CLI::IsMember({"admin", "moderator"}));
  create
      ->add_option("--password-file", flags->password_file,
                   "File whose first line is the password (default: stdin)")
      ->check(CLI::ExistingFile);
  create->callback([flags] {
    comity::console::Accounts accounts(comity::cli::data_dir_or_default(flags->data_dir));
    const auto user = accounts.create_user(flags->name, comity::console::parse_role(flags->role),
                                           read_password(*flags));
    std::fprintf(stderr, "created %s '%s' (id %lld)\n", comity::console::role_name(user.role),
                 user.name.c_str(), static_cast<long long>(user.id));
  });

  CLI::App* list =
      users->add_subcommand("list", "List console accounts (id, name, role, created, status).");
  comity::cli::add_data_dir_option(list, flags->data_dir);
  list->callback([flags] {
    comity::console::Accounts accounts(comity::cli::data_dir_or_default(flags->data_dir));
    std::printf("%-6s %-24s %-10s %-22s %s\n", "ID", "NAME", "ROLE", "CREATED", "STATUS");
    for (const auto& user : accounts.list_users()) {
      std::printf("%-6lld %-24s %-10s %-22s %s\n", static_cast<long long>(user.id),
                  user.name.c_str(), comity::console::role_name(user.role), user.created_at.c_str(),
                  user.disabled ? "disabled" : "active");
    }
  });

  // Account administration: each change ends the sessions it should and is audited.
  const auto account_command = [&](const char* name, const char* help) {
    CLI::App* command = users->add_subcommand(name, help);
    comity::cli::add_data_dir_option(command, flags->data_dir);
    command->add_option("--name", flags->name, "Sign-in name")->required();
    command->add_option("--actor", flags->actor, "Who the audit log names (default: cli:$USER)");
    return command;
  };
  const auto open_accounts = [flags] {
    return std::make_unique<comity::console::Accounts>(
        comity::cli::data_dir_or_default(flags->data_dir));
  };
  const auto actor = [flags] {
    return flags->actor.empty() ? comity::cli::default_actor() : flags->actor;
  };
  account_command("disable", "Disable an account: it cannot sign in and its sessions end.")
      ->callback([=] {
        open_accounts()->set_disabled(flags->name, true, actor());
        std::fprintf(stderr, "disabled '%s'; its sessions ended\n", flags->name.c_str());
      });
  account_command("enable", "Re-enable a disabled account.")->callback([=] {
    open_accounts()->set_disabled(flags->name, false, actor());
    std::fprintf(stderr, "enabled '%s'\n", flags->name.c_str());
  });
  CLI::App* reset = account_command(
      "reset-password",
      "Set a new password (stdin or --password-file, at least 8 characters); the account's "
      "sessions end.");
  reset
      ->add_option("--password-file", flags->password_file,
                   "File whose first line is the password (default: stdin)")
      ->check(CLI::ExistingFile);
  reset->callback([=] {
    open_accounts()->reset_password(flags->name, read_password(*flags), actor());
    std::fprintf(stderr, "new password for '%s'; its sessions ended\n", flags->name.c_str());
  });
  account_command("end-sessions", "Sign an account out everywhere (its browser sessions end).")
      ->callback([=] {
        const auto ended = open_accounts()->end_sessions(flags->name, actor());
        std::fprintf(stderr, "'%s': %lld session(s) ended\n", flags->name.c_str(),
                     static_cast<long long>(ended));
      });
}

#endif  // COMITY_HAVE_SERVER
