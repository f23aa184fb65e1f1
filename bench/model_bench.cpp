// Model load time (startup and hot reload) and the per-comment scoring inner loop.
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <filesystem>
#include <random>
#include <string>

#include "comity/linear_model.h"
#include "comity/model.h"

namespace {

constexpr std::uint32_t kBenchBits = 20;

// Writes a 2^20-bucket model (about 9.5 MB) once per process.
const std::string& bench_model_path() {
  static const std::string path = [] {
    const std::string p = (std::filesystem::temp_directory_path() /
                           ("comity_model_bench_" + std::to_string(::getpid()) + ".cmd"))
                              .string();
    comity::ModelWeights w;
    w.info.name = "bench";
    w.info.version = "bench-1";
    w.info.features.hash_bits = kBenchBits;
    const std::size_t buckets = std::size_t{1} << kBenchBits;
    std::mt19937 rng(42);
    std::normal_distribution<float> normal(0.f, 0.3f);
    w.attribute_weights.resize(buckets * comity::kNumAttributes);
    for (float& x : w.attribute_weights) x = normal(rng);
    w.span_weights.resize(buckets);
    for (float& x : w.span_weights) x = normal(rng);
    comity::LinearModel::save(w, p);
    std::atexit([] { std::filesystem::remove(bench_model_path()); });
    return p;
  }();
  return path;
}

void BM_ModelLoad(benchmark::State& state) {
  const std::string& path = bench_model_path();
  for (auto _ : state) {
    auto model = comity::LinearModel::load(path);
    benchmark::DoNotOptimize(model.get());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) *
                          static_cast<std::int64_t>(std::filesystem::file_size(path)));
}
BENCHMARK(BM_ModelLoad)->Unit(benchmark::kMillisecond);

void BM_Accumulate1000Features(benchmark::State& state) {
  const auto model = comity::LinearModel::load(bench_model_path());
  std::mt19937 rng(7);
  std::uniform_int_distribution<std::uint32_t> bucket(0, (1u << kBenchBits) - 1);
  std::uniform_real_distribution<float> value(0.f, 0.1f);
  std::vector<comity::Feature> features(1000);
  for (auto& f : features) f = {bucket(rng), value(rng), 0, 1};
  for (auto _ : state) {
    float logits[comity::kNumAttributes] = {};
    model->accumulate(features, logits);
    benchmark::DoNotOptimize(logits);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) * 1000);
}
BENCHMARK(BM_Accumulate1000Features);

}  // namespace
