// One training text with its per-attribute targets, as read from a recipe's datasets.
#pragma once
#include <array>
#include <cstdint>
#include <string>

#include "comity/attributes.h"
#include "comity/language_profile.h"
#include "comity/recipe.h"

namespace comity {

struct LabelledText {
  std::string text;
  Split split;
  std::uint32_t dataset;
  std::uint8_t mask = 0;  // bit a: attribute a has a target
  std::uint8_t soft = 0;  // bit a: that target is a reference score, not a human label
  std::array<float, kNumAttributes> target{};
  // Canonical code of the text's language: training normalises it with that
  // language's profile, as scoring will.
  std::string language = "en";
  const LanguageProfile& profile() const { return language_profile(language); }
};

}  // namespace comity
