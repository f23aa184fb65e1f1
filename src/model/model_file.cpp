// Reading and writing the model file (format described in docs/model-format.md).
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

#include <algorithm>
#include <cerrno>
#include <cfloat>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>

#include "comity/json_input.h"
#include "comity/model.h"

namespace comity {
namespace {

using Json = nlohmann::ordered_json;

constexpr char kMagic[8] = {'C', 'O', 'M', 'I', 'T', 'Y', 'M', 'D'};
constexpr std::uint32_t kFormatVersion = 1;
constexpr std::uint64_t kHeaderSize = 64;
constexpr std::uint64_t kAlignment = 64;
constexpr std::uint32_t kMinHashBits = 10;
constexpr std::uint32_t kMaxHashBits = 26;

// Header field offsets.
constexpr std::size_t kVersionAt = 8, kHeaderSizeAt = 12, kMetadataOffsetAt = 16,
                      kMetadataSizeAt = 24, kWeightsOffsetAt = 32, kFileSizeAt = 40,
                      kChecksumAt = 48;

constexpr std::uint64_t align_up(std::uint64_t n) {
  return (n + kAlignment - 1) & ~(kAlignment - 1);
}

// Byte-wise little-endian codecs keep the format independent of host byte order.
void put_le(unsigned char* p, std::uint64_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) p[i] = static_cast<unsigned char>(v >> (8 * i));
}
std::uint64_t get_le(const unsigned char* p, int bytes) {
  std::uint64_t v = 0;
  for (int i = 0; i < bytes; ++i) v |= std::uint64_t{p[i]} << (8 * i);
  return v;
}

[[noreturn]] void fail(const std::string& path, const std::string& problem) {
  throw ModelError("model file '" + path + "': " + problem);
}

bool valid_hash_bits(std::uint64_t bits) { return bits >= kMinHashBits && bits <= kMaxHashBits; }

// ---- metadata -------------------------------------------------------------

void check_calibration(const Calibration& c, const std::string& what) {
  if (c.x.size() != c.y.size()) throw ModelError(what + ": x and y differ in length");
  for (std::size_t i = 0; i < c.x.size(); ++i) {
    if (!std::isfinite(c.x[i])) throw ModelError(what + ": knot x is not finite");
    if (!(c.y[i] >= 0.f && c.y[i] <= 1.f)) throw ModelError(what + ": knot y outside [0, 1]");
    if (i > 0 && !(c.x[i] > c.x[i - 1])) {
      throw ModelError(what + ": knot x is not strictly increasing");
    }
  }
}

Json metadata_json(const ModelInfo& info) {
  Json j;
  j["name"] = info.name;
  j["version"] = info.version;
  j["languages"] = info.languages;
  j["features"] = {{"hash_bits", info.features.hash_bits},
                   {"word_ngrams", info.features.word_ngrams},
                   {"char_ngram_min", info.features.char_ngram_min},
                   {"char_ngram_max", info.features.char_ngram_max},
                   {"seed", info.features.seed}};
  j["recipe_sha256"] = info.recipe_sha256;
  j["created_by"] = info.created_by;
  Json attributes = Json::array(), calibration = Json::array();
  for (std::size_t a = 0; a < kNumAttributes; ++a) {
    attributes.push_back(std::string(attribute_name(attribute_at(a))));
    calibration.push_back({{"x", info.calibration[a].x}, {"y", info.calibration[a].y}});
  }
  j["attributes"] = std::move(attributes);
  j["calibration"] = std::move(calibration);
  j["bias"] = info.bias;
  j["scale"] = info.scale;
  j["span_bias"] = info.span_bias;
  j["span_scale"] = info.span_scale;
  j["span_threshold"] = info.span_threshold;
  j["quality"] = info.quality_json.empty() ? Json::object() : Json::parse(info.quality_json);
  return j;
}

// Typed accessors that reject values a plain get<>() would silently wrap or overflow.
std::uint64_t read_unsigned(const Json& j, const char* key, std::uint64_t max) {
  const Json& v = j.at(key);
  if (!v.is_number_unsigned() && !(v.is_number_integer() && v.get<std::int64_t>() >= 0)) {
    throw ModelError(std::string("field '") + key + "' is not a non-negative integer");
  }
  const auto n = v.get<std::uint64_t>();
  if (n > max) throw ModelError(std::string("field '") + key + "' is out of range");
  return n;
}

float to_float(const Json& v, const std::string& what) {
  if (!v.is_number()) throw ModelError("field '" + what + "' is not a number");
  const double d = v.get<double>();
  if (!std::isfinite(d) || std::fabs(d) > FLT_MAX) {
    throw ModelError("field '" + what + "' is not a finite float");
  }
  return static_cast<float>(d);
}

std::vector<float> to_floats(const Json& v, const std::string& what) {
  if (!v.is_array()) throw ModelError("field '" + what + "' is not an array");
  std::vector<float> out;
  out.reserve(v.size());
  for (const Json& e : v) out.push_back(to_float(e, what));
  return out;
}

template <typename T>
std::array<T, kNumAttributes> to_per_attribute(const Json& v, const char* what) {
  const std::vector<float> values = to_floats(v, what);
  if (values.size() != kNumAttributes) {
    throw ModelError(std::string("field '") + what + "' must have one entry per attribute");
  }
  std::array<T, kNumAttributes> out{};
  std::copy(values.begin(), values.end(), out.begin());
  return out;
}

ModelInfo parse_metadata(const Json& j) {
  if (!j.is_object()) throw ModelError("metadata is not a JSON object");
  ModelInfo info;
  info.name = j.at("name").get<std::string>();
  info.version = j.at("version").get<std::string>();
  info.languages = j.at("languages").get<std::vector<std::string>>();
  const Json& f = j.at("features");
  info.features.hash_bits = static_cast<std::uint32_t>(read_unsigned(f, "hash_bits", UINT32_MAX));
  info.features.word_ngrams =
      static_cast<std::uint32_t>(read_unsigned(f, "word_ngrams", UINT32_MAX));
  info.features.char_ngram_min =
      static_cast<std::uint32_t>(read_unsigned(f, "char_ngram_min", UINT32_MAX));
  info.features.char_ngram_max =
      static_cast<std::uint32_t>(read_unsigned(f, "char_ngram_max", UINT32_MAX));
  info.features.seed = read_unsigned(f, "seed", UINT64_MAX);
  if (!valid_hash_bits(info.features.hash_bits)) {
    throw ModelError("hash_bits " + std::to_string(info.features.hash_bits) +
                     " is outside the supported range [10, 26]");
  }
  info.recipe_sha256 = j.at("recipe_sha256").get<std::string>();
  info.created_by = j.at("created_by").get<std::string>();

  const auto attributes = j.at("attributes").get<std::vector<std::string>>();
  bool same = attributes.size() == kNumAttributes;
  for (std::size_t a = 0; same && a < kNumAttributes; ++a) {
    same = attributes[a] == attribute_name(attribute_at(a));
  }
  if (!same) {
    throw ModelError("attributes " + j.at("attributes").dump() +
                     " do not match this build's attributes");
  }

  const Json& calibration = j.at("calibration");
  if (!calibration.is_array() || calibration.size() != kNumAttributes) {
    throw ModelError("field 'calibration' must have one entry per attribute");
  }
  for (std::size_t a = 0; a < kNumAttributes; ++a) {
    const std::string what = "calibration of " + attributes[a];
    info.calibration[a].x = to_floats(calibration[a].at("x"), what + ".x");
    info.calibration[a].y = to_floats(calibration[a].at("y"), what + ".y");
    check_calibration(info.calibration[a], what);
  }
  info.bias = to_per_attribute<float>(j.at("bias"), "bias");
  info.scale = to_per_attribute<float>(j.at("scale"), "scale");
  info.span_bias = to_float(j.at("span_bias"), "span_bias");
  info.span_scale = to_float(j.at("span_scale"), "span_scale");
  info.span_threshold = to_float(j.at("span_threshold"), "span_threshold");
  const Json& quality = j.at("quality");
  info.quality_json = quality.is_object() && quality.empty() ? "" : quality.dump();
  return info;
}

// ---- quantisation -----------------------------------------------------------

// Symmetric int8: scale = max|w| / 127, so the largest weight maps to +-127.
float quantise(const float* w, std::size_t count, std::size_t stride, std::int8_t* out,
               const char* what) {
  float max_abs = 0.f;
  for (std::size_t i = 0; i < count; ++i) {
    const float v = w[i * stride];
    if (!std::isfinite(v)) throw ModelError(std::string(what) + " weight is not finite");
    max_abs = std::max(max_abs, std::fabs(v));
  }
  const float scale = max_abs / 127.f;
  for (std::size_t i = 0; i < count; ++i) {
    const double q = scale > 0.f ? std::nearbyint(double{w[i * stride]} / scale) : 0.0;
    out[i * stride] = static_cast<std::int8_t>(std::clamp(q, -127.0, 127.0));
  }
  return scale;
}

void write_file_atomically(const std::string& path, const std::vector<unsigned char>& bytes) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) fail(path, "cannot open '" + tmp + "' for writing: " + std::strerror(errno));
    out.write(reinterpret_cast<const char*>(bytes.data()),
              static_cast<std::streamsize>(bytes.size()));
    out.flush();
    if (!out) {
      std::remove(tmp.c_str());
      fail(path, "write failed");
    }
  }
  // Readers mapping the old file keep their view; new loads never see a partial file.
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    const std::string reason = std::strerror(errno);
    std::remove(tmp.c_str());
    fail(path, "cannot rename temporary file into place: " + reason);
  }
}

}  // namespace

void Model::save(const ModelWeights& weights, const std::string& path) {
  ModelInfo info = weights.info;
  const std::uint32_t bits = info.features.hash_bits;
  if (!valid_hash_bits(bits)) {
    fail(path, "hash_bits " + std::to_string(bits) + " is outside the supported range [10, 26]");
  }
  const std::size_t buckets = std::size_t{1} << bits;
  if (weights.attribute_weights.size() != buckets * kNumAttributes) {
    fail(path,
         "attribute weights have " + std::to_string(weights.attribute_weights.size()) +
             " entries, expected 2^hash_bits * 8 = " + std::to_string(buckets * kNumAttributes));
  }
  if (!weights.span_weights.empty() && weights.span_weights.size() != buckets) {
    fail(path, "span weights have " + std::to_string(weights.span_weights.size()) +
                   " entries, expected 0 or 2^hash_bits = " + std::to_string(buckets));
  }
  for (std::size_t a = 0; a < kNumAttributes; ++a) {
    try {
      check_calibration(info.calibration[a],
                        "calibration of " + std::string(attribute_name(attribute_at(a))));
    } catch (const ModelError& e) {
      fail(path, e.what());
    }
  }

  for (float v : info.bias) {
    if (!std::isfinite(v)) fail(path, "bias is not finite");
  }
  if (!std::isfinite(info.span_bias) || !std::isfinite(info.span_threshold)) {
    fail(path, "span_bias or span_threshold is not finite");
  }

  std::vector<std::int8_t> attr_q(buckets * kNumAttributes), span_q(buckets, 0);
  for (std::size_t a = 0; a < kNumAttributes; ++a) {
    info.scale[a] = quantise(weights.attribute_weights.data() + a, buckets, kNumAttributes,
                             attr_q.data() + a, "attribute");
  }
  info.span_scale = weights.span_weights.empty()
                        ? 0.f
                        : quantise(weights.span_weights.data(), buckets, 1, span_q.data(), "span");

  std::string metadata;
  try {
    metadata = metadata_json(info).dump(2);
  } catch (const Json::exception& e) {
    fail(path, std::string("cannot encode metadata (quality_json must be valid JSON, strings "
                           "valid UTF-8): ") +
                   e.what());
  }

  const std::uint64_t weights_offset = align_up(kHeaderSize + metadata.size());
  const std::uint64_t span_offset = weights_offset + attr_q.size();  // already aligned
  const std::uint64_t file_size = align_up(span_offset + span_q.size());
  std::vector<unsigned char> bytes(kHeaderSize, 0);
  bytes.reserve(file_size);
  bytes.insert(bytes.end(), metadata.begin(), metadata.end());
  bytes.resize(weights_offset, 0);
  bytes.insert(bytes.end(), attr_q.begin(), attr_q.end());
  bytes.insert(bytes.end(), span_q.begin(), span_q.end());
  bytes.resize(file_size, 0);

  unsigned char* h = bytes.data();
  std::memcpy(h, kMagic, sizeof kMagic);
  put_le(h + kVersionAt, kFormatVersion, 4);
  put_le(h + kHeaderSizeAt, kHeaderSize, 4);
  put_le(h + kMetadataOffsetAt, kHeaderSize, 8);
  put_le(h + kMetadataSizeAt, metadata.size(), 8);
  put_le(h + kWeightsOffsetAt, weights_offset, 8);
  put_le(h + kFileSizeAt, file_size, 8);
  put_le(h + kChecksumAt, XXH64(h + kHeaderSize, file_size - kHeaderSize, 0), 8);
  write_file_atomically(path, bytes);
}

std::shared_ptr<const Model> Model::load(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) fail(path, std::string("cannot open: ") + std::strerror(errno));
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    fail(path, "not a regular file");
  }
  const auto actual_size = static_cast<std::uint64_t>(st.st_size);
  if (actual_size < kHeaderSize) {
    ::close(fd);
    fail(path, "too short: " + std::to_string(actual_size) +
                   " bytes, a model file starts with a 64-byte header");
  }
  // Read, not mapped: the checksum below touches every byte anyway, and a copy cannot
  // change when the file is replaced in place (a mapping then faults with SIGBUS).
  void* buffer = std::aligned_alloc(kAlignment, align_up(actual_size));
  if (buffer == nullptr) {
    ::close(fd);
    fail(path, "cannot allocate " + std::to_string(actual_size) + " bytes");
  }
  // Owns the copy from here on, so every refusal below frees it.
  std::shared_ptr<Model> model(new Model());
  model->bytes_ = buffer;
  model->size_ = actual_size;
  std::uint64_t got = 0;
  while (got < actual_size) {
    const ssize_t n = ::read(fd, static_cast<char*>(buffer) + got, actual_size - got);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    got += static_cast<std::uint64_t>(n);
  }
  ::close(fd);
  if (got != actual_size) {
    fail(path, "truncated while reading: " + std::to_string(got) + " of " +
                   std::to_string(actual_size) + " bytes");
  }

  const auto* bytes = static_cast<const unsigned char*>(buffer);
  if (std::memcmp(bytes, kMagic, sizeof kMagic) != 0) fail(path, "not a Comity model file");
  const std::uint64_t version = get_le(bytes + kVersionAt, 4);
  if (version != kFormatVersion) {
    fail(path, "model format version " + std::to_string(version) +
                   " is not supported by this build (supports 1)");
  }
  if (get_le(bytes + kHeaderSizeAt, 4) != kHeaderSize) fail(path, "header size is not 64");
  const std::uint64_t declared_size = get_le(bytes + kFileSizeAt, 8);
  if (declared_size != actual_size) {
    fail(path, std::string(actual_size < declared_size ? "truncated" : "trailing data") +
                   ": header declares " + std::to_string(declared_size) + " bytes, file has " +
                   std::to_string(actual_size));
  }
  const std::uint64_t checksum = XXH64(bytes + kHeaderSize, actual_size - kHeaderSize, 0);
  if (checksum != get_le(bytes + kChecksumAt, 8)) fail(path, "corrupt: checksum mismatch");
  model->checksum_ = checksum;

  const std::uint64_t metadata_offset = get_le(bytes + kMetadataOffsetAt, 8);
  const std::uint64_t metadata_size = get_le(bytes + kMetadataSizeAt, 8);
  const std::uint64_t weights_offset = get_le(bytes + kWeightsOffsetAt, 8);
  // Each bound is checked before it is added to, so no sum can overflow.
  if (metadata_offset < kHeaderSize || metadata_offset > actual_size ||
      metadata_size > actual_size - metadata_offset || weights_offset % kAlignment != 0 ||
      weights_offset < metadata_offset + metadata_size || weights_offset > actual_size) {
    fail(path, "section offsets are inconsistent");
  }
  try {
    // A model file is input like any other: its checksum is no proof it was made here.
    const Json metadata = parse_json_input(
        std::string_view(reinterpret_cast<const char*>(bytes + metadata_offset), metadata_size),
        {.lenient = false});
    model->info_ = parse_metadata(metadata);
  } catch (const JsonInputError& e) {
    fail(path, std::string("invalid metadata: ") + e.what());
  } catch (const Json::exception& e) {
    fail(path, std::string("invalid metadata: ") + e.what());
  } catch (const ModelError& e) {
    fail(path, std::string("invalid metadata: ") + e.what());
  }
  for (float s : model->info_.scale) {
    if (s < 0.f) fail(path, "invalid metadata: negative weight scale");
  }
  if (model->info_.span_scale < 0.f) fail(path, "invalid metadata: negative span scale");

  const std::uint64_t buckets = std::uint64_t{1} << model->info_.features.hash_bits;
  const std::uint64_t expected = weights_offset + buckets * kNumAttributes + buckets;
  if (align_up(expected) != actual_size) {
    fail(path, "weights section (" + std::to_string(actual_size - weights_offset) +
                   " bytes) does not match hash_bits " +
                   std::to_string(model->info_.features.hash_bits) + " (needs " +
                   std::to_string(buckets * (kNumAttributes + 1)) + ")");
  }
  model->attr_q_ = reinterpret_cast<const std::int8_t*>(bytes + weights_offset);
  model->span_q_ = model->attr_q_ + buckets * kNumAttributes;
  return model;
}

Model::~Model() { std::free(bytes_); }

void Model::accumulate(const std::vector<Feature>& features, float* logits) const {
  // Buckets come from the model's own feature config; the mask keeps a stray one in bounds.
  const std::uint32_t mask = (std::uint32_t{1} << info_.features.hash_bits) - 1;
  // Sum value * q per attribute and apply the scale once at the end: one row of
  // 8 int8 is 8 bytes of one cache line, and the loop below vectorises.
  float sums[kNumAttributes] = {};
  for (const Feature& f : features) {
    const std::int8_t* row = attr_q_ + std::size_t{f.bucket & mask} * kNumAttributes;
    for (std::size_t a = 0; a < kNumAttributes; ++a) {
      sums[a] += f.value * static_cast<float>(row[a]);
    }
  }
  for (std::size_t a = 0; a < kNumAttributes; ++a) logits[a] += sums[a] * info_.scale[a];
}

}  // namespace comity
