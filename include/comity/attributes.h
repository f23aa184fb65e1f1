// Perspective's production attributes that Comity scores.
#pragma once
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace comity {

enum class Attribute : std::uint8_t {
  kToxicity,
  kSevereToxicity,
  kIdentityAttack,
  kInsult,
  kProfanity,
  kThreat,
  kSexuallyExplicit,
  kFlirtation,
};
inline constexpr std::size_t kNumAttributes = 8;

// "TOXICITY", "SEVERE_TOXICITY", ... exactly as Perspective spells them.
std::string_view attribute_name(Attribute a);
// Accepts the exact name; nullopt for anything else.
std::optional<Attribute> parse_attribute(std::string_view name);
inline constexpr Attribute attribute_at(std::size_t i) { return static_cast<Attribute>(i); }
inline constexpr std::size_t index_of(Attribute a) { return static_cast<std::size_t>(a); }

using AttributeScores = std::array<float, kNumAttributes>;

}  // namespace comity
