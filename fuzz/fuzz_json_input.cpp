// Feeds arbitrary bytes to parse_json_input() in strict and lenient mode.
// JsonInputError is the documented refusal; any other exception, crash or sanitizer
// report is a bug. Beyond not crashing it checks what makes the parser a safe
// stand-in for nlohmann's:
//   - strict mode is RFC 8259 as nlohmann reads it: the same value when it accepts,
//     and a refusal only where nlohmann refuses too (or for nesting beyond the limit;
//     nlohmann is no reference for text holding a NUL byte, which it takes as the end);
//   - lenient mode reads everything strict mode does, to the same value;
//   - a lenient result dump()s without throwing, and that text parses strictly, in
//     both parsers, back to the same value;
//   - a tighter depth limit only ever refuses for depth;
//   - every refusal points inside the input and its message is printable UTF-8.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "comity/json_input.h"
#include "comity/utf8.h"

namespace {

using nlohmann::json;

void check_refusal(const comity::JsonInputError& e, std::string_view text) {
  const std::string what = e.what();
  if (e.offset() > text.size()) std::abort();
  if (e.line() == 0 || e.column() == 0 || e.column() > e.offset() + 1) std::abort();
  if (what.rfind("Invalid JSON payload received. ", 0) != 0) std::abort();
  if (what.find(e.reason()) == std::string::npos) std::abort();
  if (comity::find_invalid_utf8(what)) std::abort();
  if (e.reason().find("json.exception") != std::string::npos) std::abort();  // what() quotes input
}

std::optional<json> parse(std::string_view text, const comity::JsonLimits& limits,
                          std::optional<comity::JsonErrorKind>* refusal = nullptr) {
  try {
    return comity::parse_json_input(text, limits);
  } catch (const comity::JsonInputError& e) {
    check_refusal(e, text);
    if (refusal) *refusal = e.kind();
    return std::nullopt;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  std::optional<comity::JsonErrorKind> strict_refusal;
  const std::optional<json> strict =
      parse(text, {.max_depth = 100, .lenient = false}, &strict_refusal);
  if (text.find('\0') != std::string_view::npos) {
    // nlohmann stops at a NUL byte as if the input ended there ("1\0x" reads as 1), so
    // it is no reference here; RFC 8259 allows a raw NUL nowhere.
    if (strict) std::abort();
  } else {
    const json reference =
        json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
    if (strict) {
      if (reference.is_discarded() || *strict != reference) std::abort();
    } else if (*strict_refusal != comity::JsonErrorKind::kTooDeep && !reference.is_discarded()) {
      std::abort();  // refused RFC 8259 text that nlohmann reads
    }
  }

  const std::optional<json> lenient = parse(text, {});
  if (strict && (!lenient || *lenient != *strict)) std::abort();
  if (lenient) {
    const std::string dumped = lenient->dump();  // throws on invalid UTF-8: must not
    const std::optional<json> again = parse(dumped, {.max_depth = 100, .lenient = false});
    if (!again || *again != *lenient) std::abort();
    if (json::parse(dumped) != *lenient) std::abort();
  }

  std::optional<comity::JsonErrorKind> shallow_refusal;
  const std::optional<json> shallow = parse(text, {.max_depth = 3}, &shallow_refusal);
  if (shallow && (!lenient || *shallow != *lenient)) std::abort();
  if (!shallow && lenient && *shallow_refusal != comity::JsonErrorKind::kTooDeep) std::abort();
  return 0;
}
