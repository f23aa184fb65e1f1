// SHA-256 as lowercase hex, through OpenSSL's EVP interface.
#pragma once
#include <string>
#include <string_view>

namespace comity {
std::string sha256_hex(std::string_view bytes);
}
