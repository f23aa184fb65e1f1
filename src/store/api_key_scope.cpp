// The names of API key scopes, as `comity keys` and the store spell them.
#include <array>

#include "comity/store.h"

namespace comity {
namespace {

constexpr std::array<std::string_view, 3> kScopeNames = {"score", "moderation", "admin"};

}  // namespace

std::string_view api_key_scope_name(ApiKeyScope scope) {
  return kScopeNames[static_cast<std::size_t>(scope)];
}

std::optional<ApiKeyScope> parse_api_key_scope(std::string_view name) {
  for (std::size_t i = 0; i < kScopeNames.size(); ++i) {
    if (kScopeNames[i] == name) return static_cast<ApiKeyScope>(i);
  }
  return std::nullopt;
}

}  // namespace comity
