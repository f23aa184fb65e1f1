// A depth guard for TOML that people hand Comity (recipes, evaluation suites,
// moderation policies, server configuration), run before toml++ sees the text.
//
// toml++ 3.3 caps inline arrays and tables at 256 levels (TOML_MAX_NESTED_VALUES)
// but recurses once per level to get there, and has no cap at all on dotted keys
// and table headers: `a.a.a.[...150,000 times] = 1` or `[a.a.a.[...]]` builds tables
// that deep and crashes the process on the stack (measured with 3.3.0). This pass
// is one loop over the bytes with no recursion; it counts how deep tables and
// arrays would nest (header segments, dotted key segments, inline arrays and tables
// together) and leaves every other judgement to toml++, with one exception: a byte
// outside ASCII outside strings and comments, which TOML never allows and on which
// toml++ 3.3 has undefined behaviour (found by fuzz_toml_input: `[a\xd2\x95.c]`).
#pragma once
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace comity {

struct TomlNestingError {
  std::size_t line = 0;  // 1-based line where the limit is crossed
  std::string message;   // e.g. "tables and arrays nest deeper than 64 levels"
};

// The first place where `text` nests tables and arrays deeper than `max_depth` or
// has a non-ASCII byte outside strings and comments, or nullopt. Never throws; other
// malformed TOML passes through for toml++ to report.
std::optional<TomlNestingError> check_toml_nesting(std::string_view text,
                                                   std::size_t max_depth = 64);

}  // namespace comity
