// The model file container shared by every architecture (docs/model-format.md).
//
// Format 2: a 64-byte header (magic, version, metadata and section offsets, size,
// XXH64 of everything after the header), JSON metadata that names the architecture and
// lists the sections {name, offset, size}, then 64-byte-aligned named sections.
// Format 1 (comity-en-1) has no section list: its metadata is linear and its weights
// start at the header's weights offset. Both are read whole into memory; nothing
// refers to the file after load.
#pragma once
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "comity/linear_model.h"
#include "comity/model.h"

namespace comity::model_file {

using Json = nlohmann::ordered_json;

struct Section {
  std::string name;
  std::vector<unsigned char> bytes;
};

// Writes format 2 atomically (temp file + rename). `metadata` gets "format" and
// "sections" appended. Deterministic: same input, same bytes.
void write(const std::string& path, Json metadata, const std::vector<Section>& sections);

struct Image {
  std::string path;
  std::uint32_t version = 0;
  std::uint64_t checksum = 0;
  std::vector<unsigned char> bytes;  // the whole file
  Json metadata;
  std::string architecture;  // "linear" for format 1
  std::uint64_t v1_weights_offset = 0;
  std::map<std::string, std::pair<std::uint64_t, std::uint64_t>> sections;  // offset, size

  [[noreturn]] void fail(const std::string& problem) const;
  // The bytes of a named section; refuses a missing one or one of the wrong size.
  std::span<const unsigned char> section(const std::string& name, std::uint64_t size) const;
  std::vector<float> floats(const std::string& name, std::uint64_t count) const;
};

// Reads and verifies a file of either format: header, size, checksum, metadata JSON,
// section bounds. Throws ModelError naming the path.
Image read(const std::string& path);

// Float arrays travel as little-endian IEEE-754 bytes.
std::vector<unsigned char> float_bytes(const std::vector<float>& v);

// The fields every architecture shares: names, languages, recipe, calibration, span
// threshold, quality. The linear fields (features, bias, scale, span_*) are separate.
Json common_json(const ModelInfo& info);
void parse_common(const Json& j, ModelInfo& info);
Json linear_json(const ModelInfo& info);
// Eight finite floats, one per attribute, or ModelError naming `what`.
std::array<float, kNumAttributes> floats_per_attribute(const Json& v, const char* what);
// The start of every format 2 file's metadata: format, architecture, the common keys.
Json file_metadata(const std::string& architecture, const ModelInfo& info, const std::string& path);
void parse_linear(const Json& j, ModelInfo& info);

// The linear part of a file: returns its metadata (for "linear") and appends the
// sections "linear.attributes" and "linear.spans". Validates like LinearModel::save.
Json linear_metadata_and_sections(const ModelWeights& weights, const std::string& path,
                                  std::vector<Section>& sections);

// The linear model held by an image: format 1, a linear format 2 file, or the linear
// part of an ensemble (metadata "linear", sections "linear.*").
std::shared_ptr<const LinearModel> read_linear(const Image& image);

// Symmetric int8: scale = max|w| / 127 over `count` values `stride` apart.
float quantise(const float* w, std::size_t count, std::size_t stride, std::int8_t* out,
               const char* what);

}  // namespace comity::model_file
