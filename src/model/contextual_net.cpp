#include "comity/contextual_net.h"

#include <xxhash.h>

#include <algorithm>
#include <cstring>

#include "common/splitmix.h"

namespace comity {
namespace {

// Roles salt the hash so a word, a bigram and a character n-gram that happen to have
// the same bytes land in unrelated buckets.
constexpr std::uint64_t kWordRole = 0x776f7264ULL, kBigramRole = 0x62696772ULL,
                        kTrigramRole = 0x74726967ULL, kCharRole = 0x63686172ULL;

}  // namespace

void token_buckets(const NormalizedText& text, const ContextualShape& shape, TokenBuckets& out,
                   std::uint32_t token_begin, std::uint32_t token_end, std::uint32_t max_tokens) {
  out.offsets.assign(1, 0);
  out.buckets.clear();
  const auto n = static_cast<std::uint32_t>(text.tokens.size());
  token_end = std::min(token_end, n);
  if (token_begin >= token_end) return;
  if (token_end - token_begin > max_tokens) token_end = token_begin + max_tokens;
  const std::uint32_t mask = (std::uint32_t{1} << shape.hash_bits) - 1;
  std::string padded;
  std::uint64_t previous = 0, before_previous = 0;
  for (std::uint32_t t = token_begin; t < token_end; ++t) {
    const Token& tok = text.tokens[t];
    const std::uint64_t word = XXH3_64bits_withSeed(tok.norm.data(), tok.norm.size(), shape.seed);
    out.buckets.push_back(static_cast<std::uint32_t>(mix64(word, kWordRole)) & mask);
    if (t > token_begin) {
      out.buckets.push_back(static_cast<std::uint32_t>(mix64(mix64(previous, word), kBigramRole)) &
                            mask);
    }
    if (shape.word_trigrams && t > token_begin + 1) {
      out.buckets.push_back(static_cast<std::uint32_t>(mix64(
                                mix64(mix64(before_previous, previous), word), kTrigramRole)) &
                            mask);
    }
    before_previous = previous;
    previous = word;
    if (tok.kind == TokenKind::kWord) {
      padded.assign(1, '<');
      padded += tok.norm;
      padded += '>';
      std::uint32_t added = 0;
      for (std::size_t len = shape.char_ngram_min; len <= shape.char_ngram_max; ++len) {
        for (std::size_t i = 0; i + len <= padded.size() && added < shape.max_ngrams_per_token;
             ++i, ++added) {
          const std::uint64_t h = XXH3_64bits_withSeed(padded.data() + i, len, shape.seed);
          out.buckets.push_back(static_cast<std::uint32_t>(mix64(h, kCharRole)) & mask);
        }
      }
    }
    out.offsets.push_back(static_cast<std::uint32_t>(out.buckets.size()));
  }
}

void prepare_activations(const ContextualShape& shape, std::uint32_t tokens,
                         ContextualActivations& act) {
  act.tokens = tokens;
  act.embedded.assign(std::size_t{tokens + 2} * shape.dim, 0.f);
  act.hidden.resize(std::size_t{tokens} * shape.hidden);
  act.pooled.assign(shape.pooled(), 0.f);
  act.argmax.assign(shape.hidden, 0);
}

namespace {

// The convolution and pooling, with the shape fixed at compile time where it is one we
// ship (the loops then keep a whole hidden vector in registers) or read at run time.
template <std::uint32_t kD, std::uint32_t kH>
[[gnu::always_inline]] inline void convolve_and_pool_body(const ContextualShape& shape,
                                                          const ContextualDense& dense,
                                                          ContextualActivations& act) {
  const std::uint32_t H = kH ? kH : shape.hidden, D = kD ? kD : shape.dim;
  const std::uint32_t K = ContextualShape::kWindow * D;
  const std::uint32_t T = act.tokens;
  float* __restrict pooled_max = act.pooled.data();
  float* __restrict pooled_mean = act.pooled.data() + H;
  std::fill(act.pooled.begin(), act.pooled.end(), 0.f);
  std::fill(act.argmax.begin(), act.argmax.end(), 0u);
  const float* __restrict conv = dense.conv.data();
  // A fixed shape accumulates in vector registers (GCC vector extensions, 16 floats
  // each); through memory every step would be a store and a reload.
  using Vec = float __attribute__((vector_size(64)));
  constexpr std::uint32_t kVecs = kH ? kH / 16 : 1;
  static_assert(kH % 16 == 0);
  for (std::uint32_t t = 0; t < T; ++t) {
    float* __restrict h = act.hidden.data() + std::size_t{t} * H;
    // Position t's window is rows t, t+1, t+2 of the padded matrix: one contiguous run.
    const float* __restrict x = act.embedded.data() + std::size_t{t} * D;
    float local[kH ? kH : 1];
    float* __restrict acc = kH ? local : h;
    if constexpr (kH != 0) {
      Vec v[kVecs];
      for (std::uint32_t i = 0; i < kVecs; ++i) std::memcpy(&v[i], &dense.conv_bias[16 * i], 64);
      for (std::uint32_t k = 0; k < K; ++k) {
        const float xk = x[k];
        const float* w = conv + std::size_t{k} * H;
        for (std::uint32_t i = 0; i < kVecs; ++i) {
          Vec wv;
          std::memcpy(&wv, w + 16 * i, 64);
          v[i] += xk * wv;
        }
      }
      for (std::uint32_t i = 0; i < kVecs; ++i) std::memcpy(local + 16 * i, &v[i], 64);
    } else {
      for (std::uint32_t j = 0; j < H; ++j) acc[j] = dense.conv_bias[j];
      for (std::uint32_t k = 0; k < K; ++k) {
        const float xk = x[k];
        const float* __restrict w = conv + std::size_t{k} * H;
        for (std::uint32_t j = 0; j < H; ++j) acc[j] += xk * w[j];
      }
    }
    for (std::uint32_t j = 0; j < H; ++j) {
      const float v = acc[j] > 0.f ? acc[j] : 0.f;
      h[j] = v;
      pooled_mean[j] += v;
      if (v > pooled_max[j]) {
        pooled_max[j] = v;
        act.argmax[j] = t;
      }
    }
  }
  if (T > 0) {
    const float inv = 1.f / static_cast<float>(T);
    for (std::uint32_t j = 0; j < H; ++j) pooled_mean[j] *= inv;
  }
  for (std::size_t a = 0; a < kNumAttributes; ++a) act.logits[a] = dense.out_bias[a];
  for (std::uint32_t i = 0; i < 2 * H; ++i) {
    const float p = act.pooled[i];
    if (p == 0.f) continue;
    const float* w = dense.out.data() + std::size_t{i} * kNumAttributes;
    for (std::size_t a = 0; a < kNumAttributes; ++a) act.logits[a] += p * w[a];
  }
}

[[gnu::always_inline]] inline void convolve_and_pool_any(const ContextualShape& shape,
                                                         const ContextualDense& dense,
                                                         ContextualActivations& act) {
  if (shape.dim == 32 && shape.hidden == 64)
    return convolve_and_pool_body<32, 64>(shape, dense, act);
  if (shape.dim == 64 && shape.hidden == 128) {
    return convolve_and_pool_body<64, 128>(shape, dense, act);
  }
  convolve_and_pool_body<0, 0>(shape, dense, act);
}

void convolve_and_pool_portable(const ContextualShape& shape, const ContextualDense& dense,
                                ContextualActivations& act) {
  convolve_and_pool_any(shape, dense, act);
}

// The same code built for this machine's vector units; results may differ from the
// portable build in the last bits, so training and calibration never use it.
[[gnu::target_clones("avx512f", "avx2", "default")]] void convolve_and_pool_native(
    const ContextualShape& shape, const ContextualDense& dense, ContextualActivations& act) {
  convolve_and_pool_any(shape, dense, act);
}

template <std::uint32_t kD>
[[gnu::always_inline]] inline void embed_quantised_body(const ContextualShape& shape,
                                                        const std::int8_t* rows,
                                                        const float* scales, const TokenBuckets& tb,
                                                        ContextualActivations& act) {
  const std::uint32_t D = kD ? kD : shape.dim;
  for (std::uint32_t t = 0; t < tb.tokens(); ++t) {
    float* __restrict e = act.embedded.data() + std::size_t{t + 1} * D;
    const std::uint32_t from = tb.offsets[t], to = tb.offsets[t + 1];
    const float inv = 1.f / static_cast<float>(to - from);
    for (std::uint32_t i = from; i < to; ++i) {
      const std::uint32_t b = tb.buckets[i];
      // Rows are scattered over megabytes: ask for one a few lookups ahead.
      if (i + 8 < tb.buckets.size()) {
        __builtin_prefetch(rows + std::size_t{tb.buckets[i + 8]} * D);
        __builtin_prefetch(scales + tb.buckets[i + 8]);
      }
      const std::int8_t* __restrict q = rows + std::size_t{b} * D;
      const float s = scales[b] * inv;
      for (std::uint32_t k = 0; k < D; ++k) e[k] += s * static_cast<float>(q[k]);
    }
  }
}

[[gnu::always_inline]] inline void embed_quantised_any(const ContextualShape& shape,
                                                       const std::int8_t* rows, const float* scales,
                                                       const TokenBuckets& tb,
                                                       ContextualActivations& act) {
  if (shape.dim == 32) return embed_quantised_body<32>(shape, rows, scales, tb, act);
  if (shape.dim == 64) return embed_quantised_body<64>(shape, rows, scales, tb, act);
  embed_quantised_body<0>(shape, rows, scales, tb, act);
}

void embed_quantised_portable(const ContextualShape& shape, const std::int8_t* rows,
                              const float* scales, const TokenBuckets& tb,
                              ContextualActivations& act) {
  embed_quantised_any(shape, rows, scales, tb, act);
}

[[gnu::target_clones("avx512f", "avx2", "default")]] void embed_quantised_native(
    const ContextualShape& shape, const std::int8_t* rows, const float* scales,
    const TokenBuckets& tb, ContextualActivations& act) {
  embed_quantised_any(shape, rows, scales, tb, act);
}

}  // namespace

void convolve_and_pool(const ContextualShape& shape, const ContextualDense& dense,
                       ContextualActivations& act, Kernel kernel) {
  if (kernel == Kernel::kNative) {
    convolve_and_pool_native(shape, dense, act);
  } else {
    convolve_and_pool_portable(shape, dense, act);
  }
}

void embed_quantised(const ContextualShape& shape, const std::int8_t* rows, const float* scales,
                     const TokenBuckets& tb, ContextualActivations& act, Kernel kernel) {
  prepare_activations(shape, tb.tokens(), act);
  if (kernel == Kernel::kNative) {
    embed_quantised_native(shape, rows, scales, tb, act);
  } else {
    embed_quantised_portable(shape, rows, scales, tb, act);
  }
}

void position_contributions(const ContextualShape& shape, const ContextualDense& dense,
                            const ContextualActivations& act, std::vector<float>& out) {
  const std::uint32_t H = shape.hidden, T = act.tokens;
  out.assign(std::size_t{T} * kNumAttributes, 0.f);
  if (T == 0) return;
  const float inv = 1.f / static_cast<float>(T);
  for (std::uint32_t t = 0; t < T; ++t) {
    const float* h = act.hidden.data() + std::size_t{t} * H;
    float* c = out.data() + std::size_t{t} * kNumAttributes;
    for (std::uint32_t j = 0; j < H; ++j) {
      const float* w_mean = dense.out.data() + std::size_t{H + j} * kNumAttributes;
      for (std::size_t a = 0; a < kNumAttributes; ++a) c[a] += h[j] * inv * w_mean[a];
    }
  }
  for (std::uint32_t j = 0; j < H; ++j) {
    if (act.pooled[j] == 0.f) continue;
    const float* w_max = dense.out.data() + std::size_t{j} * kNumAttributes;
    float* c = out.data() + std::size_t{act.argmax[j]} * kNumAttributes;
    for (std::size_t a = 0; a < kNumAttributes; ++a) c[a] += act.pooled[j] * w_max[a];
  }
}

float span_logit(const ContextualShape& shape, const ContextualDense& dense,
                 const ContextualActivations& act, std::uint32_t t) {
  const float* h = act.hidden.data() + std::size_t{t} * shape.hidden;
  float z = dense.span_bias;
  for (std::uint32_t j = 0; j < shape.hidden; ++j) z += h[j] * dense.span[j];
  return z;
}

}  // namespace comity
