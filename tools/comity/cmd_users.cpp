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
};

// The first line of the file (or of stdin): never a command-line argument,
// which other local users could read from the process list.
std::string read_password(const UsersFlags& flags) {
  std::string line;
  if (flags.password_file.empty()) {
    std::getline(std::cin, line);
  } else {
    std::ifstream file(flags.password_file);
    if (!file) {
      throw std::runtime_error("cannot read " + flags.password_file);
    }
    std::getline(file, line);
  }
  if (!line.empty() && line.back() == '\r') {
    line.pop_back();
  }
  return line;
}

}  // namespace

void register_users_command(CLI::App& app) {
  auto flags = std::make_shared<UsersFlags>();
  CLI::App* users =
      app.add_subcommand("users", "Create and list accounts of the moderator console (/console).");
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
      users->add_subcommand("list", "List console accounts (id, name, role, created).");
  comity::cli::add_data_dir_option(list, flags->data_dir);
  list->callback([flags] {
    comity::console::Accounts accounts(comity::cli::data_dir_or_default(flags->data_dir));
    std::printf("%-6s %-24s %-10s %s\n", "ID", "NAME", "ROLE", "CREATED");
    for (const auto& user : accounts.list_users()) {
      std::printf("%-6lld %-24s %-10s %s\n", static_cast<long long>(user.id), user.name.c_str(),
                  comity::console::role_name(user.role), user.created_at.c_str());
    }
  });
}

#endif  // COMITY_HAVE_SERVER
