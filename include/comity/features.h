// Hashed features of normalised text: word n-grams and character n-grams within
// words. Each feature remembers which tokens produced it, so a linear model's
// score can be attributed back to words for highlighting.
#pragma once
#include <cstdint>
#include <vector>

#include "comity/text.h"

namespace comity {

struct FeatureConfig {
  std::uint32_t hash_bits = 20;      // 2^hash_bits buckets
  std::uint32_t word_ngrams = 2;     // word 1..n-grams
  std::uint32_t char_ngram_min = 3;  // character n-grams of "<word>" (with boundary marks)
  std::uint32_t char_ngram_max = 5;
  std::uint64_t seed = 0x636f6d697479ULL;
  bool operator==(const FeatureConfig&) const = default;
};

struct Feature {
  std::uint32_t bucket;
  float value;
  std::uint32_t token_begin;  // tokens [token_begin, token_end) that produced it
  std::uint32_t token_end;
};

// Appends the features of tokens [token_begin, token_end) of `text` to `out`
// (cleared first). Values are scaled so the vector has unit L2 norm.
void extract_features(const NormalizedText& text, const FeatureConfig& config,
                      std::vector<Feature>& out, std::uint32_t token_begin = 0,
                      std::uint32_t token_end = UINT32_MAX);

// Features of one token in its context (the token, its character n-grams, its
// neighbours), for the token-level toxic-span head. Unit L2 norm.
void extract_token_features(const NormalizedText& text, std::uint32_t token,
                            const FeatureConfig& config, std::vector<Feature>& out);

}  // namespace comity
