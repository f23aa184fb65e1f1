// The model file container (format 1 and 2) and the linear model's sections; the
// format is documented in docs/model-format.md.
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

#include "comity/json_input.h"
#include "comity/language_profile.h"
#include "comity/linear_model.h"
#include "common/splitmix.h"
#include "model/model_container.h"

namespace comity::model_file {
namespace {

constexpr char kMagic[8] = {'C', 'O', 'M', 'I', 'T', 'Y', 'M', 'D'};
constexpr std::uint32_t kFormatVersion = 2;
constexpr std::uint64_t kHeaderSize = 64;
constexpr std::uint64_t kAlignment = 64;
constexpr std::uint32_t kMinHashBits = 10;
constexpr std::uint32_t kMaxHashBits = 26;
// Metadata is a few kilobytes; a bigger block is a hostile file, not a model.
constexpr std::uint64_t kMaxMetadataBytes = 16u << 20;

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

// ---- quantisation -----------------------------------------------------------

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

}  // namespace comity::model_file

namespace comity {

bool attribute_served(const std::vector<std::string>& languages,
                      const std::map<Attribute, std::vector<std::string>>& attribute_languages,
                      Attribute attribute, std::string_view language) {
  const auto served = attribute_languages.find(attribute);
  const std::vector<std::string>& codes =
      served == attribute_languages.end() ? languages : served->second;
  return std::find(codes.begin(), codes.end(), language) != codes.end();
}

bool ModelInfo::serves(Attribute attribute, std::string_view language) const {
  return attribute_served(languages, attribute_languages, attribute, language);
}

}  // namespace comity

namespace comity::model_file {

Json common_json(const ModelInfo& info) {
  Json j;
  j["name"] = info.name;
  j["version"] = info.version;
  j["languages"] = info.languages;
  // Written only when set, so files from before these fields rebuild byte-for-byte.
  if (!info.attribute_languages.empty()) {
    Json served = Json::object();
    for (const auto& [attribute, codes] : info.attribute_languages) {
      served[std::string(attribute_name(attribute))] = codes;
    }
    j["attribute_languages"] = std::move(served);
  }
  if (!info.text_profiles.empty()) j["text_profiles"] = info.text_profiles;
  j["recipe_sha256"] = info.recipe_sha256;
  j["created_by"] = info.created_by;
  Json attributes = Json::array(), calibration = Json::array();
  for (std::size_t a = 0; a < kNumAttributes; ++a) {
    attributes.push_back(std::string(attribute_name(attribute_at(a))));
    calibration.push_back({{"x", info.calibration[a].x}, {"y", info.calibration[a].y}});
  }
  j["attributes"] = std::move(attributes);
  j["calibration"] = std::move(calibration);
  j["span_threshold"] = info.span_threshold;
  j["quality"] = info.quality_json.empty() ? Json::object() : Json::parse(info.quality_json);
  return j;
}

Json file_metadata(const std::string& architecture, const ModelInfo& info,
                   const std::string& path) {
  Json metadata;
  metadata["format"] = kFormatVersion;
  metadata["architecture"] = architecture;
  try {
    const Json common = common_json(info);
    for (const auto& [key, value] : common.items()) metadata[key] = value;
  } catch (const Json::exception& e) {
    fail(path, std::string("cannot encode metadata (quality_json must be valid JSON, strings "
                           "valid UTF-8): ") +
                   e.what());
  }
  return metadata;
}

std::array<float, kNumAttributes> floats_per_attribute(const Json& v, const char* what) {
  return to_per_attribute<float>(v, what);
}

Json linear_json(const ModelInfo& info) {
  Json j;
  j["features"] = {{"hash_bits", info.features.hash_bits},
                   {"word_ngrams", info.features.word_ngrams},
                   {"char_ngram_min", info.features.char_ngram_min},
                   {"char_ngram_max", info.features.char_ngram_max},
                   {"seed", info.features.seed}};
  // Written only when set, so files without TF-IDF keep their bytes.
  if (info.features.weighting == FeatureWeighting::kTfIdf) {
    j["features"]["weighting"] = "tfidf";
    j["features"]["min_df"] = info.features.min_df;
  }
  j["bias"] = info.bias;
  j["scale"] = info.scale;
  j["span_bias"] = info.span_bias;
  j["span_scale"] = info.span_scale;
  return j;
}

void parse_common(const Json& j, ModelInfo& info) {
  if (!j.is_object()) throw ModelError("metadata is not a JSON object");
  info.name = j.at("name").get<std::string>();
  info.version = j.at("version").get<std::string>();
  info.languages = j.at("languages").get<std::vector<std::string>>();
  for (const std::string& code : info.languages) {
    if (canonical_language(code) != code) {
      throw ModelError("language '" + code + "' is not a canonical language code");
    }
  }
  info.attribute_languages.clear();
  if (const auto served = j.find("attribute_languages"); served != j.end()) {
    if (!served->is_object()) throw ModelError("field 'attribute_languages' must be an object");
    for (const auto& [name, codes] : served->items()) {
      const auto attribute = parse_attribute(name);
      if (!attribute) throw ModelError("attribute_languages names unknown attribute " + name);
      auto list = codes.get<std::vector<std::string>>();
      for (const std::string& code : list) {
        if (std::find(info.languages.begin(), info.languages.end(), code) == info.languages.end())
          throw ModelError("attribute_languages." + name + " names '" + code +
                           "', which is not in 'languages'");
      }
      info.attribute_languages[*attribute] = std::move(list);
    }
  }
  info.text_profiles.clear();
  if (const auto profiles = j.find("text_profiles"); profiles != j.end()) {
    info.text_profiles = profiles->get<std::vector<std::string>>();
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
  info.span_threshold = to_float(j.at("span_threshold"), "span_threshold");
  const Json& quality = j.at("quality");
  info.quality_json = quality.is_object() && quality.empty() ? "" : quality.dump();
}

void parse_linear(const Json& j, ModelInfo& info) {
  const Json& f = j.at("features");
  info.features.hash_bits = static_cast<std::uint32_t>(read_unsigned(f, "hash_bits", UINT32_MAX));
  info.features.word_ngrams =
      static_cast<std::uint32_t>(read_unsigned(f, "word_ngrams", UINT32_MAX));
  info.features.char_ngram_min =
      static_cast<std::uint32_t>(read_unsigned(f, "char_ngram_min", UINT32_MAX));
  info.features.char_ngram_max =
      static_cast<std::uint32_t>(read_unsigned(f, "char_ngram_max", UINT32_MAX));
  info.features.seed = read_unsigned(f, "seed", UINT64_MAX);
  info.features.weighting = FeatureWeighting::kUniform;
  info.features.min_df = 1;
  if (const auto w = f.find("weighting"); w != f.end()) {
    if (*w != "tfidf") throw ModelError("features.weighting must be \"tfidf\" when present");
    info.features.weighting = FeatureWeighting::kTfIdf;
    info.features.min_df = static_cast<std::uint32_t>(read_unsigned(f, "min_df", UINT32_MAX));
  }
  if (!valid_hash_bits(info.features.hash_bits)) {
    throw ModelError("hash_bits " + std::to_string(info.features.hash_bits) +
                     " is outside the supported range [10, 26]");
  }
  info.bias = to_per_attribute<float>(j.at("bias"), "bias");
  info.scale = to_per_attribute<float>(j.at("scale"), "scale");
  info.span_bias = to_float(j.at("span_bias"), "span_bias");
  info.span_scale = to_float(j.at("span_scale"), "span_scale");
  for (float s : info.scale) {
    if (s < 0.f) throw ModelError("negative weight scale");
  }
  if (info.span_scale < 0.f) throw ModelError("negative span scale");
}

std::vector<unsigned char> float_bytes(const std::vector<float>& v) {
  std::vector<unsigned char> out(v.size() * 4);
  for (std::size_t i = 0; i < v.size(); ++i) {
    std::uint32_t bits;
    std::memcpy(&bits, &v[i], 4);
    put_le(out.data() + 4 * i, bits, 4);
  }
  return out;
}

void write(const std::string& path, Json metadata, const std::vector<Section>& sections) {
  // Section offsets depend on the metadata's length, which depends on the offsets: fix
  // the point by re-encoding until the length stops changing (two rounds in practice).
  std::string encoded;
  std::uint64_t first = 0;
  for (int round = 0; round < 8; ++round) {
    Json listed = Json::array();
    std::uint64_t at = first;
    for (const Section& s : sections) {
      listed.push_back({{"name", s.name}, {"offset", at}, {"size", s.bytes.size()}});
      at = align_up(at + s.bytes.size());
    }
    metadata["sections"] = listed;
    try {
      encoded = metadata.dump(2);
    } catch (const Json::exception& e) {
      fail(path, std::string("cannot encode metadata (quality_json must be valid JSON, strings "
                             "valid UTF-8): ") +
                     e.what());
    }
    const std::uint64_t needed = align_up(kHeaderSize + encoded.size());
    if (needed == first) break;
    first = needed;
  }
  std::vector<unsigned char> bytes(kHeaderSize, 0);
  bytes.insert(bytes.end(), encoded.begin(), encoded.end());
  bytes.resize(first, 0);
  for (const Section& s : sections) {
    bytes.insert(bytes.end(), s.bytes.begin(), s.bytes.end());
    bytes.resize(align_up(bytes.size()), 0);
  }
  const std::uint64_t file_size = bytes.size();
  unsigned char* h = bytes.data();
  std::memcpy(h, kMagic, sizeof kMagic);
  put_le(h + kVersionAt, kFormatVersion, 4);
  put_le(h + kHeaderSizeAt, kHeaderSize, 4);
  put_le(h + kMetadataOffsetAt, kHeaderSize, 8);
  put_le(h + kMetadataSizeAt, encoded.size(), 8);
  put_le(h + kWeightsOffsetAt, first, 8);
  put_le(h + kFileSizeAt, file_size, 8);
  put_le(h + kChecksumAt, XXH64(h + kHeaderSize, file_size - kHeaderSize, 0), 8);
  write_file_atomically(path, bytes);
}

void Image::fail(const std::string& problem) const { model_file::fail(path, problem); }

std::span<const unsigned char> Image::section(const std::string& name, std::uint64_t size) const {
  auto it = sections.find(name);
  if (it == sections.end()) fail("section '" + name + "' is missing");
  if (it->second.second != size) {
    fail("section '" + name + "' has " + std::to_string(it->second.second) +
         " bytes, the metadata needs " + std::to_string(size));
  }
  return {bytes.data() + it->second.first, size};
}

std::vector<float> Image::floats(const std::string& name, std::uint64_t count) const {
  const auto raw = section(name, count * 4);
  std::vector<float> out(count);
  for (std::size_t i = 0; i < count; ++i) {
    const auto bits = static_cast<std::uint32_t>(get_le(raw.data() + 4 * i, 4));
    std::memcpy(&out[i], &bits, 4);
    if (!std::isfinite(out[i])) fail("section '" + name + "' holds a non-finite value");
  }
  return out;
}

Image read(const std::string& path) {
  Image image;
  image.path = path;
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
  image.bytes.resize(actual_size);
  std::uint64_t got = 0;
  while (got < actual_size) {
    const ssize_t n = ::read(fd, image.bytes.data() + got, actual_size - got);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    got += static_cast<std::uint64_t>(n);
  }
  ::close(fd);
  if (got != actual_size) {
    fail(path, "truncated while reading: " + std::to_string(got) + " of " +
                   std::to_string(actual_size) + " bytes");
  }
  const unsigned char* bytes = image.bytes.data();
  if (std::memcmp(bytes, kMagic, sizeof kMagic) != 0) fail(path, "not a Comity model file");
  const std::uint64_t version = get_le(bytes + kVersionAt, 4);
  if (version != 1 && version != kFormatVersion) {
    fail(path, "model format version " + std::to_string(version) +
                   " is not supported by this build (supports 1 and 2)");
  }
  image.version = static_cast<std::uint32_t>(version);
  if (get_le(bytes + kHeaderSizeAt, 4) != kHeaderSize) fail(path, "header size is not 64");
  const std::uint64_t declared_size = get_le(bytes + kFileSizeAt, 8);
  if (declared_size != actual_size) {
    fail(path, std::string(actual_size < declared_size ? "truncated" : "trailing data") +
                   ": header declares " + std::to_string(declared_size) + " bytes, file has " +
                   std::to_string(actual_size));
  }
  image.checksum = XXH64(bytes + kHeaderSize, actual_size - kHeaderSize, 0);
  if (image.checksum != get_le(bytes + kChecksumAt, 8)) fail(path, "corrupt: checksum mismatch");

  const std::uint64_t metadata_offset = get_le(bytes + kMetadataOffsetAt, 8);
  const std::uint64_t metadata_size = get_le(bytes + kMetadataSizeAt, 8);
  const std::uint64_t weights_offset = get_le(bytes + kWeightsOffsetAt, 8);
  // Each bound is checked before it is added to, so no sum can overflow.
  if (metadata_offset < kHeaderSize || metadata_offset > actual_size ||
      metadata_size > actual_size - metadata_offset || metadata_size > kMaxMetadataBytes ||
      weights_offset % kAlignment != 0 || weights_offset < metadata_offset + metadata_size ||
      weights_offset > actual_size) {
    fail(path, "section offsets are inconsistent");
  }
  image.v1_weights_offset = weights_offset;
  try {
    // A model file is input like any other: its checksum is no proof it was made here.
    image.metadata = parse_json_input(
        std::string_view(reinterpret_cast<const char*>(bytes + metadata_offset), metadata_size),
        {.lenient = false});
    if (!image.metadata.is_object()) throw ModelError("metadata is not a JSON object");
    if (version == 1) {
      image.architecture = "linear";
      return image;
    }
    image.architecture = image.metadata.at("architecture").get<std::string>();
    std::uint64_t previous_end = weights_offset;
    for (const Json& s : image.metadata.at("sections")) {
      const auto name = s.at("name").get<std::string>();
      const std::uint64_t offset = read_unsigned(s, "offset", actual_size);
      const std::uint64_t size = read_unsigned(s, "size", actual_size);
      // In file order, aligned, inside the file, never overlapping.
      if (offset % kAlignment != 0 || offset < previous_end || size > actual_size - offset ||
          !image.sections.try_emplace(name, offset, size).second) {
        throw ModelError("section '" + name + "' is out of bounds, overlapping or repeated");
      }
      previous_end = offset + size;
    }
  } catch (const JsonInputError& e) {
    fail(path, std::string("invalid metadata: ") + e.what());
  } catch (const Json::exception& e) {
    fail(path, std::string("invalid metadata: ") + e.what());
  } catch (const ModelError& e) {
    fail(path, std::string("invalid metadata: ") + e.what());
  }
  return image;
}

}  // namespace comity::model_file

namespace comity {

using model_file::Json;

struct LinearModelReader {
  static std::shared_ptr<const LinearModel> read(const model_file::Image& image) {
    std::shared_ptr<LinearModel> model(new LinearModel());
    try {
      model_file::parse_common(image.metadata, model->info_);
      model_file::parse_linear(image.version == 1 ? image.metadata : image.metadata.at("linear"),
                               model->info_);
    } catch (const Json::exception& e) {
      image.fail(std::string("invalid metadata: ") + e.what());
    } catch (const ModelError& e) {
      image.fail(std::string("invalid metadata: ") + e.what());
    }
    const std::uint64_t buckets = std::uint64_t{1} << model->info_.features.hash_bits;
    const std::uint64_t attr_bytes = buckets * kNumAttributes;
    if (image.version == 1) {
      const std::uint64_t expected = image.v1_weights_offset + attr_bytes + buckets;
      if (((expected + 63) & ~std::uint64_t{63}) != image.bytes.size()) {
        image.fail(
            "weights section (" + std::to_string(image.bytes.size() - image.v1_weights_offset) +
            " bytes) does not match hash_bits " + std::to_string(model->info_.features.hash_bits) +
            " (needs " + std::to_string(buckets * (kNumAttributes + 1)) + ")");
      }
      const auto* w =
          reinterpret_cast<const std::int8_t*>(image.bytes.data() + image.v1_weights_offset);
      model->attr_q_.assign(w, w + attr_bytes);
      model->span_q_.assign(w + attr_bytes, w + attr_bytes + buckets);
    } else {
      auto copy = [&](const char* name, std::uint64_t size, std::vector<std::int8_t>& out) {
        const auto raw = image.section(name, size);
        out.assign(reinterpret_cast<const std::int8_t*>(raw.data()),
                   reinterpret_cast<const std::int8_t*>(raw.data()) + size);
      };
      const auto it = image.sections.find("linear.attributes");
      if (it != image.sections.end() && it->second.second != attr_bytes) {
        image.fail("weights section (" + std::to_string(it->second.second) +
                   " bytes) does not match hash_bits " +
                   std::to_string(model->info_.features.hash_bits) + " (needs " +
                   std::to_string(attr_bytes) + ")");
      }
      copy("linear.attributes", attr_bytes, model->attr_q_);
      copy("linear.spans", buckets, model->span_q_);
      if (model->info_.features.weighting == FeatureWeighting::kTfIdf) {
        const Json& linear = image.metadata.at("linear");
        float step = 0;
        try {
          step = model_file::to_float(linear.at("idf_step"), "idf_step");
        } catch (const Json::exception& e) {
          image.fail(std::string("invalid metadata: ") + e.what());
        } catch (const ModelError& e) {
          image.fail(std::string("invalid metadata: ") + e.what());
        }
        if (!(step > 0.f)) image.fail("invalid metadata: idf_step must be positive");
        const auto raw = image.section("linear.idf", buckets);
        model->idf_.q.assign(raw.begin(), raw.end());
        model->idf_.step = step;
      }
    }
    if (image.version == 1 && model->info_.features.weighting == FeatureWeighting::kTfIdf) {
      image.fail("a format 1 file cannot use TF-IDF weighting");
    }
    model->size_ = image.bytes.size();
    model->checksum_ = image.checksum;
    return model;
  }

  struct Quantised {
    ModelInfo info;
    std::vector<std::int8_t> attr_q, span_q;
    IdfTable idf;
  };

  static Quantised quantise(const ModelWeights& weights, const std::string& path) {
    auto fail = [&](const std::string& problem) {
      throw ModelError("model file '" + path + "': " + problem);
    };
    Quantised q{weights.info, {}, {}, weights.idf};
    ModelInfo& info = q.info;
    const std::uint32_t bits = info.features.hash_bits;
    if (bits < 10 || bits > 26) {
      fail("hash_bits " + std::to_string(bits) + " is outside the supported range [10, 26]");
    }
    const std::size_t buckets = std::size_t{1} << bits;
    if (weights.attribute_weights.size() != buckets * kNumAttributes) {
      fail("attribute weights have " + std::to_string(weights.attribute_weights.size()) +
           " entries, expected 2^hash_bits * 8 = " + std::to_string(buckets * kNumAttributes));
    }
    const bool tfidf = info.features.weighting == FeatureWeighting::kTfIdf;
    if (tfidf != !weights.idf.empty() ||
        (tfidf && (weights.idf.q.size() != buckets || !(weights.idf.step > 0.f)))) {
      fail("TF-IDF weighting needs an idf table of 2^hash_bits entries, and only it has one");
    }
    if (!weights.span_weights.empty() && weights.span_weights.size() != buckets) {
      fail("span weights have " + std::to_string(weights.span_weights.size()) +
           " entries, expected 0 or 2^hash_bits = " + std::to_string(buckets));
    }
    for (std::size_t a = 0; a < kNumAttributes; ++a) {
      try {
        model_file::check_calibration(
            info.calibration[a], "calibration of " + std::string(attribute_name(attribute_at(a))));
      } catch (const ModelError& e) {
        fail(e.what());
      }
    }
    for (float v : info.bias) {
      if (!std::isfinite(v)) fail("bias is not finite");
    }
    if (!std::isfinite(info.span_bias) || !std::isfinite(info.span_threshold)) {
      fail("span_bias or span_threshold is not finite");
    }
    q.attr_q.assign(buckets * kNumAttributes, 0);
    q.span_q.assign(buckets, 0);
    try {
      for (std::size_t a = 0; a < kNumAttributes; ++a) {
        info.scale[a] = model_file::quantise(weights.attribute_weights.data() + a, buckets,
                                             kNumAttributes, q.attr_q.data() + a, "attribute");
      }
      info.span_scale = weights.span_weights.empty()
                            ? 0.f
                            : model_file::quantise(weights.span_weights.data(), buckets, 1,
                                                   q.span_q.data(), "span");
    } catch (const ModelError& e) {
      fail(e.what());
    }
    return q;
  }
};

std::shared_ptr<const LinearModel> LinearModel::load(const std::string& path) {
  const model_file::Image image = model_file::read(path);
  if (image.architecture != "linear") {
    image.fail("architecture '" + image.architecture + "' is not a linear model");
  }
  return LinearModelReader::read(image);
}

std::shared_ptr<const LinearModel> LinearModel::from_weights(const ModelWeights& weights) {
  auto q = LinearModelReader::quantise(weights, "(in memory)");
  std::shared_ptr<LinearModel> model(new LinearModel());
  model->info_ = std::move(q.info);
  model->attr_q_ = std::move(q.attr_q);
  model->span_q_ = std::move(q.span_q);
  model->idf_ = std::move(q.idf);
  return model;
}

namespace model_file {
std::shared_ptr<const LinearModel> read_linear(const Image& image) {
  return LinearModelReader::read(image);
}

// The linear part of a file: metadata under "linear" and two int8 sections.
Json linear_metadata_and_sections(const ModelWeights& weights, const std::string& path,
                                  std::vector<Section>& sections) {
  auto q = LinearModelReader::quantise(weights, path);
  sections.push_back({"linear.attributes", {q.attr_q.begin(), q.attr_q.end()}});
  sections.push_back({"linear.spans", {q.span_q.begin(), q.span_q.end()}});
  Json j = linear_json(q.info);
  if (!q.idf.empty()) {
    sections.push_back({"linear.idf", {q.idf.q.begin(), q.idf.q.end()}});
    j["idf_step"] = q.idf.step;
  }
  return j;
}
}  // namespace model_file

void LinearModel::save(const ModelWeights& weights, const std::string& path) {
  std::vector<model_file::Section> sections;
  Json linear = model_file::linear_metadata_and_sections(weights, path, sections);
  Json metadata = model_file::file_metadata("linear", weights.info, path);
  metadata["linear"] = std::move(linear);
  model_file::write(path, std::move(metadata), sections);
}

void LinearModel::accumulate(const std::vector<Feature>& features, float* logits) const {
  // Buckets come from the model's own feature config; the mask keeps a stray one in bounds.
  const std::uint32_t mask = (std::uint32_t{1} << info_.features.hash_bits) - 1;
  // Sum value * q per attribute and apply the scale once at the end: one row of
  // 8 int8 is 8 bytes of one cache line, and the loop below vectorises.
  float sums[kNumAttributes] = {};
  for (std::size_t i = 0; i < features.size(); ++i) {
    const Feature& f = features[i];
    // Rows are scattered over megabytes: ask for one a few features ahead.
    if (i + 8 < features.size()) {
      __builtin_prefetch(attr_q_.data() +
                         std::size_t{features[i + 8].bucket & mask} * kNumAttributes);
    }
    const std::int8_t* row = attr_q_.data() + std::size_t{f.bucket & mask} * kNumAttributes;
    for (std::size_t a = 0; a < kNumAttributes; ++a) {
      sums[a] += f.value * static_cast<float>(row[a]);
    }
  }
  for (std::size_t a = 0; a < kNumAttributes; ++a) logits[a] += sums[a] * info_.scale[a];
}

namespace {
thread_local std::vector<Feature> t_linear_features;
}  // namespace

void LinearModel::logits(const NormalizedText& text, std::uint32_t token_begin,
                         std::uint32_t token_end, float* out) const {
  extract_features(text, info_.features, idf(), t_linear_features, token_begin, token_end);
  for (std::size_t a = 0; a < kNumAttributes; ++a) out[a] = info_.bias[a];
  accumulate(t_linear_features, out);
}

void LinearModel::token_evidence(const NormalizedText& text,
                                 std::vector<TokenScore>& tokens) const {
  tokens.assign(text.tokens.size(), {});
  for (std::size_t t = 0; t < text.tokens.size(); ++t) {
    tokens[t].where = text.tokens[t].where;
    tokens[t].norm = text.tokens[t].norm;
  }
  extract_features(text, info_.features, idf(), t_linear_features);
  // A feature spanning k tokens credits each of them with 1/k of its weight.
  for (const Feature& f : t_linear_features) {
    const float share = f.value / static_cast<float>(f.token_end - f.token_begin);
    for (std::uint32_t t = f.token_begin; t < f.token_end; ++t) {
      for (std::size_t a = 0; a < kNumAttributes; ++a) {
        tokens[t].contribution[a] += share * weight(f.bucket, a);
      }
    }
  }
  std::vector<Feature> token_features;
  for (std::uint32_t t = 0; t < text.tokens.size(); ++t) {
    extract_token_features(text, t, info_.features, token_features);
    float logit = info_.span_bias;
    for (const Feature& f : token_features) logit += f.value * span_weight(f.bucket);
    tokens[t].toxic_span = sigmoid(logit);
  }
}

}  // namespace comity
