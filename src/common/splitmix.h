// splitmix64 (Steele, Lea and Flood 2014): the 64-bit finaliser behind hashed feature
// combination and the seeded streams of training. Same numbers on every platform,
// unlike the std distributions.
#pragma once
#include <cmath>
#include <cstdint>

namespace comity {

// One finaliser round over a combined pair: cheap and avalanching, so an n-gram's bucket
// is independent of the buckets of its parts.
inline std::uint64_t mix64(std::uint64_t a, std::uint64_t b) {
  std::uint64_t z = a * 0xbf58476d1ce4e5b9ULL + b + 0x94d049bb133111ebULL;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

// The next value of a splitmix64 stream whose state is `state`.
inline std::uint64_t splitmix64(std::uint64_t& state) {
  std::uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

inline float sigmoid(float x) { return 1.f / (1.f + std::exp(-x)); }

}  // namespace comity
