#include "comity/features.h"

#include <xxhash.h>

#include <cmath>

#include "common/splitmix.h"

namespace comity {
namespace {

// Word and character features hash with different seeds so a word and an
// identical-looking n-gram do not share a bucket by construction.
constexpr std::uint64_t kCharSalt = 0x9e3779b97f4a7c15ULL;

void scale_group(std::vector<Feature>& out, std::size_t from) {
  const std::size_t n = out.size() - from;
  if (n == 0) return;
  const float v = 1.0f / std::sqrt(static_cast<float>(n));
  for (std::size_t i = from; i < out.size(); ++i) out[i].value = v;
}

}  // namespace

void extract_features(const NormalizedText& text, const FeatureConfig& config,
                      std::vector<Feature>& out, std::uint32_t token_begin,
                      std::uint32_t token_end) {
  out.clear();
  const auto n_tokens = static_cast<std::uint32_t>(text.tokens.size());
  if (token_end > n_tokens) token_end = n_tokens;
  if (token_begin >= token_end) return;
  const std::uint32_t mask = (1u << config.hash_bits) - 1u;

  // Word n-grams: hash each token once, combine for longer n-grams.
  std::uint64_t word_hash[64];
  for (std::uint32_t t = token_begin; t < token_end; ++t) {
    const auto& norm = text.tokens[t].norm;
    const std::uint64_t h = XXH3_64bits_withSeed(norm.data(), norm.size(), config.seed);
    word_hash[t % 64] = h;
    out.push_back({static_cast<std::uint32_t>(h) & mask, 1.f, t, t + 1});
    std::uint64_t g = h;
    for (std::uint32_t n = 2; n <= config.word_ngrams && t + 1 >= token_begin + n; ++n) {
      g = mix64(word_hash[(t + 1 - n) % 64], g);
      out.push_back({static_cast<std::uint32_t>(g) & mask, 1.f, t + 1 - n, t + 1});
    }
  }
  scale_group(out, 0);

  // Character n-grams of "<word>" over bytes; boundary marks let prefixes and
  // suffixes differ from infixes.
  const std::size_t char_from = out.size();
  std::string padded;
  for (std::uint32_t t = token_begin; t < token_end; ++t) {
    const Token& tok = text.tokens[t];
    if (tok.kind != TokenKind::kWord) continue;
    padded.assign(1, '<');
    padded += tok.norm;
    padded += '>';
    const std::size_t len = padded.size();
    for (std::size_t n = config.char_ngram_min; n <= config.char_ngram_max && n <= len; ++n) {
      for (std::size_t i = 0; i + n <= len; ++i) {
        const std::uint64_t h = XXH3_64bits_withSeed(padded.data() + i, n, config.seed ^ kCharSalt);
        out.push_back({static_cast<std::uint32_t>(h) & mask, 1.f, t, t + 1});
      }
    }
  }
  scale_group(out, char_from);
}

}  // namespace comity

namespace comity {

void extract_token_features(const NormalizedText& text, std::uint32_t token,
                            const FeatureConfig& config, std::vector<Feature>& out) {
  out.clear();
  if (token >= text.tokens.size()) return;
  const std::uint32_t mask = (1u << config.hash_bits) - 1u;
  const std::uint64_t seed = config.seed ^ 0x5350414eULL;  // "SPAN": its own hash space
  auto word = [&](std::uint32_t t) -> std::uint64_t {
    const auto& norm = text.tokens[t].norm;
    return XXH3_64bits_withSeed(norm.data(), norm.size(), seed);
  };
  auto add = [&](std::uint64_t h, std::uint64_t role) {
    out.push_back({static_cast<std::uint32_t>(mix64(h, role)) & mask, 1.f, token, token + 1});
  };
  const Token& tok = text.tokens[token];
  const std::uint64_t self = word(token);
  add(self, 1);
  add(static_cast<std::uint64_t>(tok.kind), 2);
  if (tok.obfuscated) add(0, 3);
  const std::uint64_t prev = token > 0 ? word(token - 1) : 0;
  const std::uint64_t next = token + 1 < text.tokens.size() ? word(token + 1) : 0;
  add(prev, 4);
  add(next, 5);
  add(mix64(prev, self), 6);
  add(mix64(self, next), 7);
  if (tok.kind == TokenKind::kWord) {
    const std::string padded = "<" + tok.norm + ">";
    for (std::size_t n = config.char_ngram_min; n <= config.char_ngram_max; ++n) {
      for (std::size_t i = 0; i + n <= padded.size(); ++i) {
        add(XXH3_64bits_withSeed(padded.data() + i, n, seed), 8);
      }
    }
  }
  scale_group(out, 0);
}

}  // namespace comity
