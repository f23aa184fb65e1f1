// normalize() throughput. The engine's budget is 20,000 comments/s on one core for
// ~300-character comments, so normalisation must stay far below 50 µs per comment.
#include <benchmark/benchmark.h>

#include <string>

#include "comity/text.h"
#include "comity/utf8.h"

namespace {

const std::string kAscii =
    "I honestly don't understand why people keep defending this policy. The numbers from 2023 "
    "show that it failed, and the city council ignored every single warning they got. Maybe "
    "next time they'll listen to the residents instead of the lobbyists? Anyway, thanks for "
    "writing this article, it was well researched and I learned a lot from it!";

const std::string kMixed =
    "Très bien écrit, merci! 👍🏽 Ich stimme zu, aber die Straße ist gefährlich. "
    "Привет из Москвы, это правда. 你好，这篇文章很好。 Καλημέρα σε όλους! "
    "👩‍💻 Cafe\u0301 au lait ☕ costs €3.50 now… ¿Qué opinas? 🇫🇷🇩🇪 "
    "naïve "
    "coöperation";

const std::string kObfuscated =
    "You are a f*cking 1d10t and a$$hole, sh1t for brains. F.U.C.K Y.O.U!!! "
    "іdіоt ｓｔｕｐｉｄ 𝐦𝐨𝐫𝐨𝐧, go k!ll yourself you_suck b!tch. fuuuuuck off, "
    "d u m b a s s, f\u200Buck you r3t4rd... @ss h0le, s.h.i.t, st00pid c*nt, w h o r e";

void BM_Normalize(benchmark::State& state, const std::string& text) {
  for (auto _ : state) {
    comity::NormalizedText n = comity::normalize(text);
    benchmark::DoNotOptimize(n);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * text.size()));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK_CAPTURE(BM_Normalize, ascii_300, kAscii);
BENCHMARK_CAPTURE(BM_Normalize, mixed_unicode, kMixed);
BENCHMARK_CAPTURE(BM_Normalize, obfuscated, kObfuscated);

void BM_FindInvalidUtf8(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(comity::find_invalid_utf8(kMixed));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * kMixed.size()));
}
BENCHMARK(BM_FindInvalidUtf8);

}  // namespace
