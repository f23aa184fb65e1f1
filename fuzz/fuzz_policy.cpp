// Feeds arbitrary bytes to the moderation policy parser (TOML from admins, the
// console's editor and policy files); PolicyError is the documented way to reject
// input. A policy that parses is then evaluated on a comment made of the same
// bytes, exercising deny/allow matching through the normaliser.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "comity/moderation.h"
#include "comity/utf8.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  comity::Policy policy;
  try {
    policy = comity::parse_policy(bytes);
  } catch (const comity::PolicyError&) {
    return 0;
  }
  if (comity::find_invalid_utf8(bytes)) return 0;  // comments reach policies as valid UTF-8
  comity::PolicyInput input;
  input.text = bytes;
  for (std::size_t i = 0; i < input.scores.size(); ++i) {
    input.scores[i] = size > i ? static_cast<float>(data[i]) / 255.0f : 0.5f;
  }
  input.recent_comments_by_author = static_cast<int>(size % 8);
  const comity::PolicyDecision decision = comity::evaluate_policy(policy, input);
  if (decision.reasons.empty()) std::abort();  // every decision says why
  (void)comity::matched_deny_terms(policy, bytes);
  return 0;
}
