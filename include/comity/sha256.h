// SHA-256 and HMAC-SHA256 as lowercase hex, through OpenSSL.
#pragma once
#include <string>
#include <string_view>

namespace comity {
std::string sha256_hex(std::string_view bytes);
// What signed webhooks and Coral's external phase send: HMAC-SHA256(key, data).
std::string hmac_sha256_hex(std::string_view key, std::string_view data);
}  // namespace comity
