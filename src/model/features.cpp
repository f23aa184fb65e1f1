#include "comity/features.h"

#include <xxhash.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <stdexcept>

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

// TF-IDF over the group's distinct buckets: each of a bucket's tf occurrences carries
// (1 + ln tf) x idf / tf, so the occurrences sum to the bucket's weight. Buckets are
// counted in an open-addressing table (a sort was a third of scoring time) and the norm
// sums them in order of first occurrence, so the result depends on the text alone.
void weigh_group_tfidf(std::vector<Feature>& out, std::size_t from, const IdfTable& idf) {
  constexpr std::uint32_t kEmpty = UINT32_MAX;  // buckets are below 2^24
  struct Slot {
    std::uint32_t bucket, count;
    float value;
  };
  thread_local std::vector<Slot> table;
  thread_local std::vector<std::uint32_t> slot_of, distinct;
  const std::size_t n = out.size() - from;
  unsigned bits = 4;
  while ((std::size_t{1} << bits) < 2 * n) ++bits;
  const std::uint32_t mask = (1u << bits) - 1u;
  table.assign(std::size_t{1} << bits, Slot{kEmpty, 0, 0.f});
  slot_of.resize(n);
  distinct.clear();
  for (std::size_t i = 0; i < n; ++i) {
    const std::uint32_t bucket = out[from + i].bucket;
    std::uint32_t s = (bucket * 0x9E3779B1u) >> (32 - bits);
    while (table[s].bucket != kEmpty && table[s].bucket != bucket) s = (s + 1) & mask;
    if (table[s].bucket == kEmpty) {
      table[s].bucket = bucket;
      distinct.push_back(s);
    }
    ++table[s].count;
    slot_of[i] = s;
  }
  double norm2 = 0;
  for (const std::uint32_t s : distinct) {
    const auto tf = static_cast<float>(table[s].count);
    const float w = (1.f + std::log(tf)) * idf.at(table[s].bucket);
    norm2 += double{w} * w;
    table[s].value = w / tf;
  }
  if (norm2 <= 0) {
    out.resize(from);  // nothing the model knows: the group adds nothing
    return;
  }
  const auto inv = static_cast<float>(1 / std::sqrt(norm2));
  for (std::size_t i = 0; i < n; ++i) out[from + i].value = table[slot_of[i]].value * inv;
}

}  // namespace

IdfTable fit_idf(const std::vector<std::uint32_t>& df, std::size_t docs, std::uint32_t min_df) {
  IdfTable t;
  const double top = std::log((1.0 + static_cast<double>(docs)) / 1.0) + 1.0;
  t.step = static_cast<float>(top / 255.0);
  t.q.resize(df.size());
  for (std::size_t b = 0; b < df.size(); ++b) {
    if (df[b] == 0 || df[b] < min_df) continue;
    const double idf = std::log((1.0 + static_cast<double>(docs)) / (1.0 + df[b])) + 1.0;
    t.q[b] = static_cast<std::uint8_t>(std::clamp(std::lround(idf / t.step), 1L, 255L));
  }
  return t;
}

void extract_features(const NormalizedText& text, const FeatureConfig& config, const IdfTable* idf,
                      std::vector<Feature>& out, std::uint32_t token_begin,
                      std::uint32_t token_end) {
  const bool tfidf = config.weighting == FeatureWeighting::kTfIdf;
  if (tfidf && (idf == nullptr || idf->q.size() != std::size_t{1} << config.hash_bits)) {
    throw std::logic_error("extract_features: TF-IDF weighting without an idf table");
  }
  auto finish_group = [&](std::size_t from) {
    if (tfidf) {
      weigh_group_tfidf(out, from, *idf);
    } else {
      scale_group(out, from);
    }
  };
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
  finish_group(0);

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
  finish_group(char_from);
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
