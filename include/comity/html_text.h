// comment.type HTML: the visible text of an HTML fragment, with a byte map back
// to the HTML so span offsets can be reported against the string the client sent.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace comity {

struct HtmlText {
  std::string text;  // tags and comments removed, entities decoded, valid UTF-8
  // For each byte of `text`, the half-open byte range of the HTML that produced it.
  std::vector<std::uint32_t> source_begin, source_end;

  // Text bytes [begin, end) -> HTML bytes; an empty range maps to an empty range.
  std::pair<std::uint32_t, std::uint32_t> source_range(std::uint32_t begin,
                                                       std::uint32_t end) const;
};

// `html` must be valid UTF-8. Script and style contents are dropped; block tags
// and <br> become a newline so words on both sides do not merge.
HtmlText html_to_text(std::string_view html);

}  // namespace comity
