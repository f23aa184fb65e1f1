// Byte-level helpers for tests that build or damage model files: the 64-byte header's
// fields, resealing the checksum after an edit, and rewriting the metadata JSON in place.
#pragma once
#ifndef XXH_INLINE_ALL
#define XXH_INLINE_ALL
#endif
#include <gtest/gtest.h>
#include <xxhash.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace comity::model_bytes {

using Bytes = std::vector<unsigned char>;
using Json = nlohmann::ordered_json;

// Header field offsets (docs/model-format.md).
inline constexpr std::size_t kVersionAt = 8, kHeaderSizeAt = 12, kMetadataOffsetAt = 16,
                             kMetadataSizeAt = 24, kWeightsOffsetAt = 32, kFileSizeAt = 40,
                             kChecksumAt = 48, kHeaderSize = 64;

inline Bytes read(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return Bytes(std::istreambuf_iterator<char>(in), {});
}

inline void write(const std::filesystem::path& p, const Bytes& b) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
}

inline std::uint64_t get_le(const Bytes& b, std::size_t at, int bytes = 8) {
  std::uint64_t v = 0;
  for (int i = 0; i < bytes; ++i) v |= std::uint64_t{b[at + i]} << (8 * i);
  return v;
}

inline void put_le(Bytes& b, std::size_t at, std::uint64_t v, int bytes = 8) {
  for (int i = 0; i < bytes; ++i) b[at + i] = static_cast<unsigned char>(v >> (8 * i));
}

inline std::uint64_t align64(std::uint64_t n) { return (n + 63) & ~std::uint64_t{63}; }

// Makes an edited file pass the checksum so that a later check is the one that fires.
inline void reseal(Bytes& b) {
  put_le(b, kChecksumAt, XXH64(b.data() + kHeaderSize, b.size() - kHeaderSize, 0));
}

inline Json metadata(const Bytes& b) {
  const std::size_t at = get_le(b, kMetadataOffsetAt), size = get_le(b, kMetadataSizeAt);
  return Json::parse(b.begin() + static_cast<std::ptrdiff_t>(at),
                     b.begin() + static_cast<std::ptrdiff_t>(at + size));
}

// Parses the metadata, lets `edit` change it, writes it back compactly in the same block
// (zero-padded up to the weights offset, which does not move) and reseals the checksum.
inline void edit_metadata(Bytes& b, const std::function<void(Json&)>& edit) {
  Json j = metadata(b);
  edit(j);
  const std::string encoded = j.dump();
  const std::size_t at = get_le(b, kMetadataOffsetAt), end = get_le(b, kWeightsOffsetAt);
  ASSERT_LE(at + encoded.size(), end) << "edited metadata no longer fits its block";
  std::fill(b.begin() + static_cast<std::ptrdiff_t>(at),
            b.begin() + static_cast<std::ptrdiff_t>(end), 0);
  std::copy(encoded.begin(), encoded.end(), b.begin() + static_cast<std::ptrdiff_t>(at));
  put_le(b, kMetadataSizeAt, encoded.size());
  reseal(b);
}

// The {offset, size} of a named section of a format 2 file (offset 0 when absent).
inline std::pair<std::uint64_t, std::uint64_t> section(const Bytes& b, const std::string& name) {
  const Json meta = metadata(b);
  for (const Json& s : meta.at("sections")) {
    if (s.at("name") == name)
      return {s.at("offset").get<std::uint64_t>(), s.at("size").get<std::uint64_t>()};
  }
  return {0, 0};
}

}  // namespace comity::model_bytes
