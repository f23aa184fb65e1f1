#include "moderation/policy_files.h"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "comity/moderation.h"

namespace comity {

std::string read_policy_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw std::runtime_error("cannot read " + path);
  }
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

void check_policy_file(const std::string& path, const std::string& toml) {
  try {
    parse_policy(toml);
  } catch (const PolicyError& e) {
    if (e.line() <= 0) {
      throw std::runtime_error(path + ": " + e.what());
    }
    const std::string message = e.what();
    const std::string prefix = "line " + std::to_string(e.line()) + ": ";
    throw std::runtime_error(
        fmt::format("{}:{}: {}", path, e.line(),
                    message.rfind(prefix, 0) == 0 ? message.substr(prefix.size()) : message));
  }
}

PolicyApplied apply_policy(ModerationStore& store, const std::string& community,
                           const std::string& toml, const std::string& actor,
                           const std::string& source) {
  parse_policy(toml);
  if (const auto active = store.active_policy(community); active && active->toml == toml) {
    return {community, active->version, false};
  }
  AuditEntry audit;
  audit.community = community;
  audit.actor = actor;
  audit.action = "policy.update";
  audit.subject = community;
  audit.detail_json = nlohmann::json{{"source", source}}.dump();
  return {community, store.save_policy(community, toml, audit).version, true};
}

std::vector<PolicyApplied> apply_policy_dir(ModerationStore& store, const std::string& dir,
                                            const std::string& actor) {
  namespace fs = std::filesystem;
  std::vector<fs::path> files;
  for (const fs::directory_entry& entry : fs::directory_iterator(dir)) {
    if (entry.is_regular_file() && entry.path().extension() == ".toml") {
      files.push_back(entry.path());
    }
  }
  std::sort(files.begin(), files.end());
  // All files are checked before any is applied: a typo in one leaves every
  // community on its current version.
  std::vector<std::pair<std::string, std::string>> policies;
  for (const fs::path& file : files) {
    std::string toml = read_policy_file(file.string());
    check_policy_file(file.string(), toml);
    policies.emplace_back(file.stem().string(), std::move(toml));
  }
  std::vector<PolicyApplied> out;
  for (std::size_t i = 0; i < files.size(); ++i) {
    out.push_back(
        apply_policy(store, policies[i].first, policies[i].second, actor, files[i].string()));
  }
  return out;
}

}  // namespace comity
