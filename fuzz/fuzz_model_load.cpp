// load_classifier must refuse any byte string with a ModelError, never crash, for
// every architecture and both format versions.
//
// Every input is loaded twice: as given (exercising the header checks), and
// "resealed" with its file_size and checksum fields fixed up, so mutations reach
// the metadata parser and section validation instead of dying at the checksum.
// Run with a corpus directory; if it is empty, the fuzzer seeds it with a small
// valid linear file and a small contextual ensemble.
#define XXH_INLINE_ALL
#include <unistd.h>
#include <xxhash.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "comity/classifier.h"
#include "comity/contextual_model.h"
#include "comity/linear_model.h"
#include "comity/model.h"
#include "comity/text.h"

namespace {

std::string g_path;

void remove_scratch() { std::filesystem::remove(g_path); }

void write_file(const std::string& path, const std::uint8_t* data, std::size_t size) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
}

void seed_corpus(const std::filesystem::path& dir) {
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec) || !std::filesystem::is_empty(dir, ec)) return;
  comity::ModelWeights w;
  w.info.name = "fuzz-seed";
  w.info.version = "fuzz-seed-1";
  w.info.features.hash_bits = 10;
  w.info.calibration[0] = {{0.1f, 0.5f, 0.9f}, {0.f, 0.3f, 1.f}};
  w.info.quality_json = R"({"auc":0.9})";
  const std::size_t buckets = std::size_t{1} << w.info.features.hash_bits;
  w.attribute_weights.resize(buckets * comity::kNumAttributes);
  for (std::size_t i = 0; i < w.attribute_weights.size(); ++i) {
    w.attribute_weights[i] = static_cast<float>(static_cast<int>(i % 37) - 18) / 10.f;
  }
  w.span_weights.assign(buckets, 0.25f);
  comity::LinearModel::save(w, (dir / "seed.cmd").string());

  comity::ContextualModelWeights c;
  c.info = w.info;
  c.network.shape.hash_bits = 10;
  c.network.shape.dim = 8;
  c.network.shape.hidden = 16;
  const auto& s = c.network.shape;
  c.network.embeddings.assign((std::size_t{1} << s.hash_bits) * s.dim, 0.01f);
  c.network.dense.conv.assign(std::size_t{s.conv_inputs()} * s.hidden, 0.1f);
  c.network.dense.conv_bias.assign(s.hidden, 0.f);
  c.network.dense.out.assign(std::size_t{s.pooled()} * comity::kNumAttributes, 0.2f);
  c.network.dense.out_bias.assign(comity::kNumAttributes, -1.f);
  c.network.dense.span.assign(s.hidden, 0.1f);
  c.linear = w;
  c.linear_weight.fill(0.5f);
  comity::ContextualModel::save(c, (dir / "seed-contextual.cmd").string());
}

void try_load() {
  try {
    const auto model = comity::load_classifier(g_path);
    // A model that loads must be safe to use: score a text with every token kind and
    // ask for token evidence, which reads every part of the file.
    const comity::NormalizedText text =
        comity::normalize("You f*cking id10t, 2023 \xF0\x9F\x99\x84!");
    float logits[comity::kNumAttributes] = {};
    model->logits(text, 0, UINT32_MAX, logits);
    std::vector<comity::TokenScore> tokens;
    model->token_evidence(text, tokens);
    volatile float sink = logits[0];
    for (const auto& c : model->info().calibration) sink = sink + c.apply(0.5f);
    (void)sink;
  } catch (const comity::ModelError&) {
  }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int* argc, char*** argv) {
  for (int i = 1; i < *argc; ++i) {
    if ((*argv)[i][0] != '-') {
      seed_corpus((*argv)[i]);
      break;
    }
  }
  const std::string dir = std::filesystem::is_directory("/dev/shm") ? "/dev/shm" : "/tmp";
  g_path = dir + "/comity_fuzz_model_" + std::to_string(::getpid()) + ".cmd";
  std::atexit(remove_scratch);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  write_file(g_path, data, size);
  try_load();
  if (size >= 64) {
    std::vector<std::uint8_t> resealed(data, data + size);
    const std::uint64_t checksum = XXH64(resealed.data() + 64, size - 64, 0);
    for (int i = 0; i < 8; ++i) {
      resealed[40 + i] = static_cast<std::uint8_t>(std::uint64_t{size} >> (8 * i));
      resealed[48 + i] = static_cast<std::uint8_t>(checksum >> (8 * i));
    }
    write_file(g_path, resealed.data(), resealed.size());
    try_load();
  }
  return 0;
}
