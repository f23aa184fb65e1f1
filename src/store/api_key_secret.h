// API key secrets: how they are minted and how they are fingerprinted for storage.
#pragma once
#include <cstddef>
#include <string>
#include <string_view>

// Keys are high-entropy, so a plain SHA-256 (no salt, no stretching) is enough to
// make a stolen database useless for authentication.
#include "comity/sha256.h"

namespace comity {

inline constexpr std::string_view kApiKeyPrefix = "cmt_";
inline constexpr std::size_t kApiKeyRandomChars = 32;  // base62: ~190 bits of entropy
inline constexpr std::size_t kApiKeyShownPrefixChars = 8;

// "cmt_" + 32 base62 characters from the kernel CSPRNG. Throws StoreError if the
// kernel cannot supply randomness (we never fall back to a weaker source).
std::string generate_api_key_secret();

// Lowercase hex of `bytes`; `random_hex(n)`: n bytes from the kernel CSPRNG, in hex
// (console session tokens, webhook secrets).
std::string to_hex(std::string_view bytes);
std::string random_hex(std::size_t bytes);

}  // namespace comity
