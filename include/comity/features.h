// Hashed features of normalised text: word n-grams and character n-grams within
// words. Each feature remembers which tokens produced it, so a linear model's
// score can be attributed back to words for highlighting.
#pragma once
#include <cstdint>
#include <vector>

#include "comity/text.h"

namespace comity {

// How the features of one group (word n-grams; character n-grams) are weighted.
enum class FeatureWeighting : std::uint8_t {
  kUniform,  // every occurrence 1/sqrt(n): comity-en-1 and comity-2
  kTfIdf,    // per distinct bucket (1 + ln tf) x idf, then unit L2 norm, as a TF-IDF model
};

struct FeatureConfig {
  std::uint32_t hash_bits = 20;      // 2^hash_bits buckets
  std::uint32_t word_ngrams = 2;     // word 1..n-grams
  std::uint32_t char_ngram_min = 3;  // character n-grams of "<word>" (with boundary marks)
  std::uint32_t char_ngram_max = 5;
  std::uint64_t seed = 0x636f6d697479ULL;
  FeatureWeighting weighting = FeatureWeighting::kUniform;
  std::uint32_t min_df = 1;  // kTfIdf: buckets in fewer training texts get idf 0 (dropped)
  bool operator==(const FeatureConfig&) const = default;
};

struct Feature {
  std::uint32_t bucket;
  float value;
  std::uint32_t token_begin;  // tokens [token_begin, token_end) that produced it
  std::uint32_t token_end;
};

// Inverse document frequency per bucket for FeatureWeighting::kTfIdf, quantised to
// one byte as the model file stores it, so training and serving weigh alike.
struct IdfTable {
  std::vector<std::uint8_t> q;  // [bucket]; 0 drops the bucket
  float step = 0;               // idf = q * step
  bool empty() const { return q.empty(); }
  float at(std::uint32_t bucket) const { return static_cast<float>(q[bucket]) * step; }
  bool operator==(const IdfTable&) const = default;
};

// Smoothed idf, ln((1 + docs) / (1 + df)) + 1 as scikit-learn's TfidfVectorizer, from
// per-bucket document frequencies; buckets with df < min_df get 0.
IdfTable fit_idf(const std::vector<std::uint32_t>& df, std::size_t docs, std::uint32_t min_df);

// Appends the features of tokens [token_begin, token_end) of `text` to `out`
// (cleared first). Each group (word n-grams, then character n-grams) has unit L2 norm.
// A repeated bucket appears once per occurrence, so each feature still names its
// tokens; under kTfIdf the occurrences share their bucket's weight equally. `idf`
// must be given (2^hash_bits entries) when config.weighting is kTfIdf.
void extract_features(const NormalizedText& text, const FeatureConfig& config, const IdfTable* idf,
                      std::vector<Feature>& out, std::uint32_t token_begin = 0,
                      std::uint32_t token_end = UINT32_MAX);

// Features of one token in its context (the token, its character n-grams, its
// neighbours), for the token-level toxic-span head. Unit L2 norm.
void extract_token_features(const NormalizedText& text, std::uint32_t token,
                            const FeatureConfig& config, std::vector<Feature>& out);

}  // namespace comity
