// API key secrets: how they are minted and how they are fingerprinted for storage.
#pragma once
#include <cstddef>
#include <string>
#include <string_view>

namespace comity {

inline constexpr std::string_view kApiKeyPrefix = "cmt_";
inline constexpr std::size_t kApiKeyRandomChars = 32;  // base62: ~190 bits of entropy
inline constexpr std::size_t kApiKeyShownPrefixChars = 8;

// "cmt_" + 32 base62 characters from the kernel CSPRNG. Throws StoreError if the
// kernel cannot supply randomness (we never fall back to a weaker source).
std::string generate_api_key_secret();

// Lower-case hex SHA-256. Keys are high-entropy, so a plain hash (no salt, no
// stretching) is enough to make a stolen database useless for authentication.
std::string sha256_hex(std::string_view data);

}  // namespace comity
