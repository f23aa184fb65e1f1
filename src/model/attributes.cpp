#include "comity/attributes.h"

namespace comity {
namespace {
constexpr std::array<std::string_view, kNumAttributes> kNames = {
    "TOXICITY",  "SEVERE_TOXICITY", "IDENTITY_ATTACK",   "INSULT",
    "PROFANITY", "THREAT",          "SEXUALLY_EXPLICIT", "FLIRTATION",
};
}  // namespace

std::string_view attribute_name(Attribute a) { return kNames[index_of(a)]; }

std::optional<Attribute> parse_attribute(std::string_view name) {
  for (std::size_t i = 0; i < kNumAttributes; ++i) {
    if (kNames[i] == name) return attribute_at(i);
  }
  return std::nullopt;
}

}  // namespace comity
