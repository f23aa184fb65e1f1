// Fuzzes the text pipeline: any byte string is either rejected by validation (and
// then repairable into valid UTF-8) or normalised into tokens whose offsets are
// consistent, in bounds, ordered and agree with OffsetIndex.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "comity/text.h"
#include "comity/utf8.h"

namespace {

void check(bool ok) {
  if (!ok) std::abort();
}

void check_range(const comity::TextRange& r, const comity::OffsetIndex& index, std::size_t size) {
  check(r.byte_begin <= r.byte_end && r.byte_end <= size);
  check(r.cp_begin <= r.cp_end && r.u16_begin <= r.u16_end);
  check(index.range(r.byte_begin, r.byte_end) == r);
  check(index.byte_at_cp(r.cp_begin) == r.byte_begin);  // begins on a code point boundary
  check(index.byte_at_cp(r.cp_end) == r.byte_end);
}

void check_normalized(std::string_view text) {
  const std::size_t size = text.size();
  const comity::NormalizedText n = comity::normalize(text);
  const comity::OffsetIndex index(text);
  std::uint32_t previous_end = 0;
  for (const comity::Token& t : n.tokens) {
    check(!t.norm.empty());
    check(t.where.byte_begin < t.where.byte_end);
    check(t.where.byte_begin >= previous_end);  // monotone and non-overlapping
    check_range(t.where, index, size);
    check(!comity::find_invalid_utf8(t.norm));
    previous_end = t.where.byte_end;
  }
  std::uint32_t next_token = 0, previous_sentence_end = 0;
  for (const comity::Sentence& s : n.sentences) {
    check(s.token_begin == next_token && s.token_begin < s.token_end);
    check(s.token_end <= n.tokens.size());
    check(s.where.byte_begin >= previous_sentence_end);
    check_range(s.where, index, size);
    for (std::uint32_t i = s.token_begin; i < s.token_end; ++i) {
      check(s.where.byte_begin <= n.tokens[i].where.byte_begin);
      check(n.tokens[i].where.byte_end <= s.where.byte_end);
    }
    next_token = s.token_end;
    previous_sentence_end = s.where.byte_end;
  }
  check(next_token == n.tokens.size());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  if (const auto error = comity::find_invalid_utf8(text)) {
    check(error->byte_offset < size);
    check(!error->message.empty());
    const std::string repaired = comity::repair_utf8(text);
    check(!comity::find_invalid_utf8(repaired));
    // Most random inputs are invalid: normalising the repair keeps normalize() exercised.
    check_normalized(repaired);
    return 0;
  }
  check(comity::repair_utf8(text) == text);
  check_normalized(text);
  return 0;
}
