// Feeds arbitrary bytes to check_toml_nesting() and, when it lets them through, to
// toml++ itself: whatever the guard passes must parse (or fail with parse_error)
// and be destroyed without exhausting the stack (ASan reports stack overflow). A tighter limit may
// only refuse more, and a refusal must name a line of the input.
#include <toml++/toml.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "comity/toml_input.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto error = comity::check_toml_nesting(text);
  const auto tight = comity::check_toml_nesting(text, 3);
  if (error && !tight) std::abort();
  for (const auto& e : {error, tight}) {
    if (!e) continue;
    const auto lines = static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n')) + 1;
    if (e->line == 0 || e->line > lines || e->message.empty()) std::abort();
  }
  // toml++ 3.3 itself reaches __builtin_unreachable on some non-ASCII input
  // (is_non_ascii_horizontal_whitespace; marzer/tomlplusplus#190, #295), a bug of its
  // own that the guard does not address; structure is ASCII, so ASCII input covers it.
  const bool ascii = std::all_of(text.begin(), text.end(),
                                 [](char c) { return static_cast<unsigned char>(c) < 0x80; });
  if (!error && ascii) {
    try {
      const toml::table table = toml::parse(text);
      (void)table.size();
    } catch (const toml::parse_error&) {
    }
  }
  return 0;
}
