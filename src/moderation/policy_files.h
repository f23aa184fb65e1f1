// Policies kept as files (one TOML per community, in the site's own version
// control) and applied to the store: by `comity policy apply`, and by `comity
// serve --policy-dir` at start-up and on SIGHUP. Applying the text that is
// already active changes nothing, so re-applying a directory is safe.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "comity/moderation_store.h"

namespace comity {

struct PolicyApplied {
  std::string community;
  std::int64_t version = 0;
  bool changed = false;  // false: the active version already had this text
};

// Validates `toml` (throws PolicyError) and makes it the community's active
// policy unless it already is, with a policy.update audit row naming `source`.
PolicyApplied apply_policy(ModerationStore& store, const std::string& community,
                           const std::string& toml, const std::string& actor,
                           const std::string& source);

// Every `<community>.toml` in `dir`, in name order. A file that fails to parse
// throws std::runtime_error "FILE:LINE: message" before anything is applied.
std::vector<PolicyApplied> apply_policy_dir(ModerationStore& store, const std::string& dir,
                                            const std::string& actor);

// Reads a policy file; errors read "FILE:LINE: message", which editors and CI annotate.
std::string read_policy_file(const std::string& path);
// Throws std::runtime_error "FILE:LINE: message" when `toml` does not parse.
void check_policy_file(const std::string& path, const std::string& toml);

}  // namespace comity
