// Runs fn(i) for i in [0, n) on `threads` threads pulling chunks of indices.
// Callers write results per index, so the outcome never depends on scheduling.
#pragma once
#include <algorithm>
#include <atomic>
#include <cstddef>
#include <thread>
#include <vector>

namespace comity {

template <typename Fn>
void parallel_for(std::size_t n, int threads, Fn fn, std::size_t chunk = 1) {
  std::atomic<std::size_t> next{0};
  auto work = [&] {
    for (;;) {
      const std::size_t b = next.fetch_add(chunk);
      if (b >= n) return;
      for (std::size_t i = b; i < std::min(n, b + chunk); ++i) fn(i);
    }
  };
  std::vector<std::thread> pool;
  for (int t = 1; t < threads; ++t) pool.emplace_back(work);
  work();
  for (auto& t : pool) t.join();
}

}  // namespace comity
