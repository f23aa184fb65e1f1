#include "store/api_key_secret.h"

#include <sys/random.h>

#include <array>
#include <cerrno>
#include <cstdint>

#include "comity/store.h"

namespace comity {
namespace {

constexpr std::string_view kBase62 =
    "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

void fill_random(unsigned char* out, std::size_t size) {
  while (size > 0) {
    const ssize_t got = getrandom(out, size, 0);
    if (got < 0) {
      if (errno == EINTR) continue;
      throw StoreError("getrandom failed: no secure randomness for a secret");
    }
    out += got;
    size -= static_cast<std::size_t>(got);
  }
}

}  // namespace

std::string generate_api_key_secret() {
  std::string secret(kApiKeyPrefix);
  std::array<unsigned char, 64> pool{};
  std::size_t used = pool.size();
  while (secret.size() < kApiKeyPrefix.size() + kApiKeyRandomChars) {
    if (used == pool.size()) {
      fill_random(pool.data(), pool.size());
      used = 0;
    }
    const unsigned char byte = pool[used++];
    // Rejection sampling: 248 = 4 * 62, so accepted bytes map uniformly onto base62.
    if (byte < 248) secret.push_back(kBase62[byte % 62]);
  }
  return secret;
}

std::string to_hex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (const char c : bytes) {
    const auto byte = static_cast<unsigned char>(c);
    out.push_back(kDigits[byte >> 4]);
    out.push_back(kDigits[byte & 15]);
  }
  return out;
}

std::string random_hex(std::size_t bytes) {
  std::string buffer(bytes, '\0');
  fill_random(reinterpret_cast<unsigned char*>(buffer.data()), buffer.size());
  return to_hex(buffer);
}

}  // namespace comity
