#include "thread/coordinated_posting.h"

#include <xxhash.h>

#include <algorithm>
#include <array>
#include <map>
#include <set>
#include <unordered_map>
#include <unordered_set>

#include "comity/text.h"

namespace comity::thread_analysis {
namespace {

// 32 bands x 4 rows: pairs with Jaccard 0.6 become candidates with probability > 0.99,
// and every candidate is confirmed with the exact Jaccard, so banding only saves time.
constexpr std::size_t kBands = 32, kRows = 4, kHashes = kBands * kRows;

std::vector<std::uint64_t> shingles(std::string_view text) {
  const NormalizedText norm = normalize(text);
  std::vector<std::string_view> words;
  for (const Token& t : norm.tokens) {
    if (t.kind == TokenKind::kWord || t.kind == TokenKind::kNumber) words.push_back(t.norm);
  }
  std::vector<std::uint64_t> out;
  if (words.size() < 3) return out;
  for (std::size_t i = 0; i + 3 <= words.size(); ++i) {
    std::string s;
    for (std::size_t k = i; k < i + 3; ++k) {
      s += words[k];
      s += '\x1f';  // unit separator: "ab c" and "a bc" stay different shingles
    }
    out.push_back(XXH3_64bits(s.data(), s.size()));
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

std::size_t word_count(std::string_view text) {
  std::size_t n = 0;
  for (const Token& t : normalize(text).tokens) n += t.kind == TokenKind::kWord;
  return n;
}

double jaccard(const std::vector<std::uint64_t>& a, const std::vector<std::uint64_t>& b) {
  std::size_t common = 0, i = 0, j = 0;
  while (i < a.size() && j < b.size()) {
    if (a[i] == b[j]) {
      ++common, ++i, ++j;
    } else if (a[i] < b[j]) {
      ++i;
    } else {
      ++j;
    }
  }
  const std::size_t uni = a.size() + b.size() - common;
  return uni ? static_cast<double>(common) / static_cast<double>(uni) : 0.0;
}

}  // namespace

std::vector<DuplicatePair> find_near_duplicates(const Thread& thread,
                                                const ThreadAnalysisOptions& options) {
  const std::size_t n = thread.comments.size();
  std::vector<std::vector<std::uint64_t>> sets(n);
  std::vector<std::array<std::uint64_t, kHashes>> sigs(n);
  for (std::size_t i = 0; i < n; ++i) {
    if (word_count(thread.comments[i].text) < options.duplicate_min_words) continue;
    sets[i] = shingles(thread.comments[i].text);
    auto& sig = sigs[i];
    sig.fill(~std::uint64_t{0});
    for (std::uint64_t s : sets[i]) {
      for (std::size_t h = 0; h < kHashes; ++h) {
        sig[h] = std::min(sig[h], XXH64(&s, sizeof s, h + 1));
      }
    }
  }
  std::set<std::pair<std::size_t, std::size_t>> candidates;
  for (std::size_t band = 0; band < kBands; ++band) {
    std::unordered_map<std::uint64_t, std::vector<std::size_t>> buckets;
    for (std::size_t i = 0; i < n; ++i) {
      if (sets[i].empty()) continue;
      const std::uint64_t key = XXH64(&sigs[i][band * kRows], kRows * sizeof(std::uint64_t), band);
      buckets[key].push_back(i);
    }
    for (const auto& [key, members] : buckets) {
      // A bucket of hundreds is one copy-pasted text; pairs with its first post suffice.
      const std::size_t limit = members.size() > 64 ? 1 : members.size();
      for (std::size_t x = 0; x < limit; ++x) {
        for (std::size_t y = x + 1; y < members.size(); ++y)
          candidates.emplace(members[x], members[y]);
      }
    }
  }
  std::vector<DuplicatePair> out;
  for (const auto& [a, b] : candidates) {
    const std::string& author_a = thread.comments[a].author;
    const std::string& author_b = thread.comments[b].author;
    if (!author_a.empty() && author_a == author_b) continue;  // one person repeating themself
    const double j = jaccard(sets[a], sets[b]);
    if (j >= options.duplicate_jaccard) out.push_back({a, b, j});
  }
  return out;
}

std::vector<Burst> find_new_author_bursts(const Thread& thread,
                                          const ThreadAnalysisOptions& options) {
  struct FirstPost {
    long long when;
    std::size_t comment;
  };
  std::vector<FirstPost> firsts;
  std::unordered_set<std::string> seen;
  std::vector<std::pair<long long, std::size_t>> timed;
  for (std::size_t i = 0; i < thread.comments.size(); ++i) {
    const Comment& c = thread.comments[i];
    if (c.author.empty() || !c.time) continue;
    if (auto t = parse_thread_time(*c.time)) timed.emplace_back(*t, i);
  }
  std::stable_sort(timed.begin(), timed.end(),
                   [](const auto& x, const auto& y) { return x.first < y.first; });
  for (const auto& [t, i] : timed) {
    if (seen.insert(thread.comments[i].author).second) firsts.push_back({t, i});
  }
  std::vector<Burst> bursts;
  if (firsts.size() < options.burst_min_new_authors) return bursts;
  // A burst is a window with far more newcomers than the thread's average rate.
  const long long span = std::max(1LL, firsts.back().when - firsts.front().when);
  const double expected = static_cast<double>(firsts.size()) *
                          static_cast<double>(options.burst_window_seconds) /
                          static_cast<double>(span);
  std::size_t lo = 0;
  std::optional<Burst> open;
  std::size_t open_hi = 0;
  for (std::size_t hi = 0; hi < firsts.size(); ++hi) {
    while (firsts[hi].when - firsts[lo].when > options.burst_window_seconds) ++lo;
    const std::size_t count = hi - lo + 1;
    if (count >= options.burst_min_new_authors && static_cast<double>(count) >= 3.0 * expected) {
      if (open && lo <= open_hi) {
        for (std::size_t k = open_hi + 1; k <= hi; ++k) open->comments.push_back(firsts[k].comment);
      } else {
        if (open) bursts.push_back(std::move(*open));
        open = Burst{};
        for (std::size_t k = lo; k <= hi; ++k) open->comments.push_back(firsts[k].comment);
        open->start = *thread.comments[firsts[lo].comment].time;
      }
      open_hi = hi;
      open->end = *thread.comments[firsts[hi].comment].time;
    }
  }
  if (open) bursts.push_back(std::move(*open));
  return bursts;
}

}  // namespace comity::thread_analysis
