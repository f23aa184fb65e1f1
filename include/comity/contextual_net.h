// The contextual network of comity-2, shared by the trainer and the serving model.
//
// Pipeline, in order:
//   1. token_buckets(): each token becomes a bag of hashed buckets (the word, the bigram
//      with the previous word, optionally the trigram, the character 3-5-grams of "<word>").
//   2. embed: each token's vector is the mean of its buckets' embedding rows (dim D).
//   3. convolve: a width-3 window over the token vectors, ReLU, gives a hidden vector per
//      position (H) that sees its neighbours: "not stupid" differs from "stupid".
//   4. pool: max over positions (one toxic sentence in a long comment still fires) and
//      mean over positions (the overall tone), concatenated (2H).
//   5. output: one linear layer to the eight attribute logits; a span head reads each
//      position's hidden vector for token highlights.
//
// Invariants: the window is 3 wide and centred, so position t reads tokens t-1, t, t+1
// (zero vectors beyond the ends); a text with no tokens pools to zeros; everything here
// is plain scalar loops in a fixed order, so a given input gives the same floats on
// every x86-64 machine (the trainer and calibration rely on it).
#pragma once
#include <cstdint>
#include <vector>

#include "comity/attributes.h"
#include "comity/text.h"

namespace comity {

struct ContextualShape {
  std::uint32_t hash_bits = 19;  // 2^hash_bits embedding rows
  std::uint32_t dim = 32;        // D: embedding width
  std::uint32_t hidden = 64;     // H: hidden units per position
  std::uint32_t char_ngram_min = 3;
  std::uint32_t char_ngram_max = 5;
  std::uint32_t max_ngrams_per_token = 48;  // a 2,000-letter "word" costs no more than this
  bool word_trigrams = false;               // also the trigram ending at each token
  std::uint64_t seed = 0x636f6d6974793200ULL;
  static constexpr std::uint32_t kWindow = 3;
  std::uint32_t conv_inputs() const { return kWindow * dim; }
  std::uint32_t pooled() const { return 2 * hidden; }
  bool operator==(const ContextualShape&) const = default;
};

// The hashed buckets of each token, in one compressed-row array.
struct TokenBuckets {
  std::vector<std::uint32_t> offsets{0};  // token i's buckets are [offsets[i], offsets[i+1])
  std::vector<std::uint32_t> buckets;
  std::uint32_t tokens() const { return static_cast<std::uint32_t>(offsets.size() - 1); }
};

// Buckets of tokens [token_begin, token_end) of `text` (clamped), at most `max_tokens`.
void token_buckets(const NormalizedText& text, const ContextualShape& shape, TokenBuckets& out,
                   std::uint32_t token_begin = 0, std::uint32_t token_end = UINT32_MAX,
                   std::uint32_t max_tokens = UINT32_MAX);

// Dense layers, input-major so every inner loop is an axpy the compiler vectorises
// without reassociating sums.
struct ContextualDense {
  std::vector<float> conv;       // [conv_inputs][hidden]
  std::vector<float> conv_bias;  // [hidden]
  std::vector<float> out;        // [pooled][kNumAttributes]
  std::vector<float> out_bias;   // [kNumAttributes]
  std::vector<float> span;       // [hidden]: toxic-span logit of a position
  float span_bias = 0.f;
  float span_linear = 0.f;  // weight of the linear part's token span logit (ensembles)
};

// Per-call scratch, reused across calls on one thread.
struct ContextualActivations {
  std::uint32_t tokens = 0;
  std::vector<float> embedded;        // [(tokens + 2)][dim], rows 0 and tokens+1 are zero padding
  std::vector<float> hidden;          // [tokens][hidden], after ReLU
  std::vector<float> pooled;          // [pooled]: max then mean
  std::vector<std::uint32_t> argmax;  // [hidden]: position that gave each max
  float logits[kNumAttributes] = {};
};

// kPortable: plain code for the x86-64 baseline, the same floats on every machine (the
// trainer and calibration use it). kNative: the same loops built for this CPU's widest
// vector unit (serving); results may differ from kPortable in the last bits.
enum class Kernel : std::uint8_t { kPortable, kNative };

// Steps 3-5 given the embedded rows: `embedded` must already hold the token vectors.
void convolve_and_pool(const ContextualShape& shape, const ContextualDense& dense,
                       ContextualActivations& act, Kernel kernel = Kernel::kPortable);

// Step 2 from int8 rows with one scale per row; sizes `act` for the tokens of `tb`.
void embed_quantised(const ContextualShape& shape, const std::int8_t* rows, const float* scales,
                     const TokenBuckets& tb, ContextualActivations& act, Kernel kernel);

// Sizes `act` for `tokens` tokens and zeroes the embedded rows (padding included).
void prepare_activations(const ContextualShape& shape, std::uint32_t tokens,
                         ContextualActivations& act);

// Logit contribution of each position to each attribute: its share of the max units
// it won plus 1/T of every mean unit. The contributions sum exactly to logits - bias.
void position_contributions(const ContextualShape& shape, const ContextualDense& dense,
                            const ContextualActivations& act, std::vector<float>& out);

// Toxic-span logit of position t.
float span_logit(const ContextualShape& shape, const ContextualDense& dense,
                 const ContextualActivations& act, std::uint32_t t);

}  // namespace comity
