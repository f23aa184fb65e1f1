#include "comity/contextual_net.h"

#include <xxhash.h>

#include <algorithm>

namespace comity {
namespace {

// Roles salt the hash so a word, a bigram and a character n-gram that happen to have
// the same bytes land in unrelated buckets.
constexpr std::uint64_t kWordRole = 0x776f7264ULL, kBigramRole = 0x62696772ULL,
                        kCharRole = 0x63686172ULL;

std::uint64_t mix(std::uint64_t a, std::uint64_t b) {
  std::uint64_t z = a * 0xbf58476d1ce4e5b9ULL + b + 0x94d049bb133111ebULL;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

}  // namespace

void token_buckets(const NormalizedText& text, const ContextualShape& shape, TokenBuckets& out,
                   std::uint32_t token_begin, std::uint32_t token_end,
                   std::uint32_t max_tokens) {
  out.offsets.assign(1, 0);
  out.buckets.clear();
  const auto n = static_cast<std::uint32_t>(text.tokens.size());
  token_end = std::min(token_end, n);
  if (token_begin >= token_end) return;
  if (token_end - token_begin > max_tokens) token_end = token_begin + max_tokens;
  const std::uint32_t mask = (std::uint32_t{1} << shape.hash_bits) - 1;
  std::string padded;
  std::uint64_t previous = 0;
  for (std::uint32_t t = token_begin; t < token_end; ++t) {
    const Token& tok = text.tokens[t];
    const std::uint64_t word = XXH3_64bits_withSeed(tok.norm.data(), tok.norm.size(), shape.seed);
    out.buckets.push_back(static_cast<std::uint32_t>(mix(word, kWordRole)) & mask);
    if (t > token_begin) {
      out.buckets.push_back(static_cast<std::uint32_t>(mix(mix(previous, word), kBigramRole)) &
                            mask);
    }
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
          out.buckets.push_back(static_cast<std::uint32_t>(mix(h, kCharRole)) & mask);
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

void convolve_and_pool(const ContextualShape& shape, const ContextualDense& dense,
                       ContextualActivations& act) {
  const std::uint32_t H = shape.hidden, D = shape.dim, K = shape.conv_inputs();
  const std::uint32_t T = act.tokens;
  float* pooled_max = act.pooled.data();
  float* pooled_mean = act.pooled.data() + H;
  std::fill(act.pooled.begin(), act.pooled.end(), 0.f);
  std::fill(act.argmax.begin(), act.argmax.end(), 0u);
  for (std::uint32_t t = 0; t < T; ++t) {
    float* h = act.hidden.data() + std::size_t{t} * H;
    std::copy(dense.conv_bias.begin(), dense.conv_bias.end(), h);
    // Position t's window is rows t, t+1, t+2 of the padded matrix: one contiguous run.
    const float* x = act.embedded.data() + std::size_t{t} * D;
    for (std::uint32_t k = 0; k < K; ++k) {
      const float xk = x[k];
      if (xk == 0.f) continue;
      const float* w = dense.conv.data() + std::size_t{k} * H;
      for (std::uint32_t j = 0; j < H; ++j) h[j] += xk * w[j];
    }
    for (std::uint32_t j = 0; j < H; ++j) {
      const float v = h[j] > 0.f ? h[j] : 0.f;
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
  for (std::uint32_t i = 0; i < shape.pooled(); ++i) {
    const float p = act.pooled[i];
    if (p == 0.f) continue;
    const float* w = dense.out.data() + std::size_t{i} * kNumAttributes;
    for (std::size_t a = 0; a < kNumAttributes; ++a) act.logits[a] += p * w[a];
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
