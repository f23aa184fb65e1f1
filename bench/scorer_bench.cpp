// End-to-end scoring cost: Scorer::score on ~300-character comments (all eight
// attributes come out of one pass), with and without sentence scores and token
// highlights, plus feature extraction alone and loading the real model file.
//
// The budget is 20,000 comments/s on one core, i.e. 50 µs per comment.
// The model is $COMITY_MODEL, else the bundled models/comity-en-1.cmodel, else a
// synthetic model with random weights and the recipe's feature configuration
// (same table size and lookups, so the same cost; the label says which one ran).
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "comity/classifier.h"
#include "comity/features.h"
#include "comity/linear_model.h"
#include "comity/model.h"
#include "comity/scorer.h"
#include "comity/text.h"

namespace {

namespace fs = std::filesystem;

constexpr std::size_t kComments = 48;
constexpr std::size_t kTargetChars = 300;

// Comments are assembled from sentences of forum-like words with a sprinkling of
// insults, masked or leetspeak spellings, numbers and emoji, so normalisation and
// de-obfuscation do the work they do on real traffic. A fixed seed and our own
// index arithmetic (no std distributions) keep the set identical everywhere.
std::vector<std::string> make_comments() {
  static const char* const kWords[] = {
      "the",       "council",  "policy",  "really",     "people",     "article",  "think",
      "numbers",   "because",  "should",  "never",      "about",      "city",     "their",
      "residents", "honestly", "vote",    "again",      "writing",    "thanks",   "agree",
      "wrong",     "budget",   "school",  "traffic",    "neighbours", "weekend",  "game",
      "player",    "coach",    "season",  "video",      "great",      "terrible", "idiot",
      "stupid",    "moron",    "dumb",    "hate",       "f*cking",    "sh1t",     "a$$hole",
      "id10t",     "b!tch",    "loooser", "2023",       "€3.50",      "👍",        "🙄",
      "don't",     "you're",   "can't",   "ridiculous", "clueless",   "pathetic", "trash",
      "kill",      "shut",     "up",      "love",       "beautiful",  "sexy",     "dinner"};
  static const char* const kEnds[] = {".", "!", "?", "...", "!!!", "."};
  std::mt19937 rng(20261231);
  std::vector<std::string> comments;
  for (std::size_t c = 0; c < kComments; ++c) {
    std::string text;
    while (text.size() < kTargetChars) {
      const std::size_t words = 6 + rng() % 10;
      for (std::size_t w = 0; w < words; ++w) {
        std::string word = kWords[rng() % std::size(kWords)];
        if (w == 0 && word[0] >= 'a' && word[0] <= 'z') word[0] = static_cast<char>(word[0] - 32);
        if (w > 0) text += ' ';
        text += word;
      }
      text += kEnds[rng() % std::size(kEnds)];
      text += ' ';
    }
    text.resize(text.rfind(' ', kTargetChars + 20));  // end on a word boundary near 300
    comments.push_back(std::move(text));
  }
  return comments;
}

const std::vector<std::string>& comments() {
  static const std::vector<std::string> c = make_comments();
  return c;
}

std::int64_t total_bytes(std::int64_t iterations) {
  std::size_t bytes = 0;
  for (const auto& c : comments()) bytes += c.size();
  // Iterations walk the set cyclically; charge the mean size per comment.
  return static_cast<std::int64_t>(static_cast<double>(bytes) / static_cast<double>(kComments) *
                                   static_cast<double>(iterations));
}

std::string real_model_path() {
  if (const char* env = std::getenv("COMITY_MODEL"); env && *env) return env;
  const fs::path bundled = fs::path(COMITY_SOURCE_DIR) / "models/comity-en-1.cmodel";
  std::error_code ec;
  return fs::exists(bundled, ec) ? bundled.string() : std::string();
}

std::string synthetic_model_path() {
  static const std::string path = [] {
    const std::string p =
        (fs::temp_directory_path() / ("comity_scorer_bench_" + std::to_string(::getpid()) + ".cm"))
            .string();
    comity::ModelWeights w;
    w.info.name = "synthetic";
    w.info.version = "synthetic-random-weights";
    const std::size_t buckets = std::size_t{1} << w.info.features.hash_bits;
    std::mt19937 rng(42);
    std::normal_distribution<float> normal(0.f, 0.3f);
    w.attribute_weights.resize(buckets * comity::kNumAttributes);
    for (float& x : w.attribute_weights) x = normal(rng);
    w.span_weights.resize(buckets);
    for (float& x : w.span_weights) x = normal(rng);
    comity::LinearModel::save(w, p);
    std::atexit([] { fs::remove(synthetic_model_path()); });
    return p;
  }();
  return path;
}

const comity::Scorer& scorer() {
  static const comity::Scorer s = [] {
    const std::string real = real_model_path();
    return comity::Scorer(comity::LinearModel::load(real.empty() ? synthetic_model_path() : real));
  }();
  return s;
}

void BM_Score(benchmark::State& state, comity::ScoreOptions options) {
  const comity::Scorer& s = scorer();
  const auto& texts = comments();
  // Threads start at different comments so they do not walk the set in lockstep.
  std::size_t i = static_cast<std::size_t>(state.thread_index()) * 7;
  for (auto _ : state) {
    comity::ScoreResult r = s.score(texts[i++ % kComments], options);
    benchmark::DoNotOptimize(r);
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(total_bytes(state.iterations()));
  state.SetLabel(s.model().info().version);
}
// CPU time: what one core delivers, even while other processes share the machine.
BENCHMARK_CAPTURE(BM_Score, scores_only, comity::ScoreOptions{false, false});
// Real time, so the two-thread run reports aggregate comments/s (the scaling check);
// meaningful only on an otherwise idle machine.
BENCHMARK_CAPTURE(BM_Score, scaling, comity::ScoreOptions{false, false})
    ->Threads(1)
    ->Threads(2)
    ->UseRealTime();
BENCHMARK_CAPTURE(BM_Score, with_sentences, comity::ScoreOptions{true, false});
BENCHMARK_CAPTURE(BM_Score, with_highlights, comity::ScoreOptions{false, true});
BENCHMARK_CAPTURE(BM_Score, with_sentences_and_highlights, comity::ScoreOptions{true, true});

void BM_Normalize300(benchmark::State& state) {
  const auto& texts = comments();
  std::size_t i = 0;
  for (auto _ : state) {
    comity::NormalizedText n = comity::normalize(texts[i++ % kComments]);
    benchmark::DoNotOptimize(n);
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(total_bytes(state.iterations()));
}
BENCHMARK(BM_Normalize300);

void BM_ExtractFeatures(benchmark::State& state) {
  const comity::FeatureConfig config = scorer().model().info().features;
  std::vector<comity::NormalizedText> normalized;
  for (const auto& t : comments()) normalized.push_back(comity::normalize(t));
  std::vector<comity::Feature> features;
  std::size_t i = 0, produced = 0;
  for (auto _ : state) {
    comity::extract_features(normalized[i++ % kComments], config, nullptr, features);
    produced += features.size();
    benchmark::DoNotOptimize(features.data());
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(total_bytes(state.iterations()));
  state.counters["features_per_comment"] =
      static_cast<double>(produced) / static_cast<double>(state.iterations());
}
BENCHMARK(BM_ExtractFeatures);

// Startup and hot-reload cost of the model that is actually served.
void BM_ModelLoadReal(benchmark::State& state) {
  const std::string path = real_model_path();
  if (path.empty()) {
    state.SkipWithError("no model: set COMITY_MODEL or build models/comity-en-1.cmodel");
    return;
  }
  std::error_code ec;
  const auto size = fs::file_size(path, ec);
  if (ec) {
    state.SkipWithError(("cannot read " + path).c_str());
    return;
  }
  for (auto _ : state) {
    auto model = comity::LinearModel::load(path);
    benchmark::DoNotOptimize(model.get());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) *
                          static_cast<std::int64_t>(size));
}
BENCHMARK(BM_ModelLoadReal)->Unit(benchmark::kMillisecond);

// The bundled models side by side in one run, through the classifier seam, so their
// ratio is measured under the same conditions (issue: comity-2 against the linear model).
std::string bundled_path(const char* name) {
  return (fs::path(COMITY_SOURCE_DIR) / "models" / (std::string(name) + ".cmodel")).string();
}

const comity::Scorer* bundled_scorer(const char* name) {
  static std::map<std::string, std::unique_ptr<comity::Scorer>> scorers;
  auto& slot = scorers[name];
  if (!slot) {
    std::error_code ec;
    if (!fs::exists(bundled_path(name), ec)) return nullptr;
    slot = std::make_unique<comity::Scorer>(comity::load_classifier(bundled_path(name)));
  }
  return slot.get();
}

void BM_ScoreBundled(benchmark::State& state, const char* name) {
  const comity::Scorer* s = bundled_scorer(name);
  if (s == nullptr) {
    state.SkipWithError(("no models/" + std::string(name) + ".cmodel").c_str());
    return;
  }
  const auto& texts = comments();
  std::size_t i = static_cast<std::size_t>(state.thread_index()) * 7;
  for (auto _ : state) {
    comity::ScoreResult r = s->score(texts[i++ % kComments]);
    benchmark::DoNotOptimize(r);
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(total_bytes(state.iterations()));
  state.SetLabel(std::string(s->model().architecture()));
}
BENCHMARK_CAPTURE(BM_ScoreBundled, comity_en_1, "comity-en-1");
BENCHMARK_CAPTURE(BM_ScoreBundled, comity_2, "comity-2");

void BM_LoadBundled(benchmark::State& state, const char* name) {
  std::error_code ec;
  if (!fs::exists(bundled_path(name), ec)) {
    state.SkipWithError(("no models/" + std::string(name) + ".cmodel").c_str());
    return;
  }
  for (auto _ : state) {
    auto model = comity::load_classifier(bundled_path(name));
    benchmark::DoNotOptimize(model.get());
  }
}
BENCHMARK_CAPTURE(BM_LoadBundled, comity_en_1, "comity-en-1")->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_LoadBundled, comity_2, "comity-2")->Unit(benchmark::kMillisecond);

}  // namespace
