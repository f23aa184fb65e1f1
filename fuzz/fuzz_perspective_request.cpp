// libFuzzer over what the server parses from the network: Perspective request
// bodies, HTML comments and batch payloads. Rejections must be ApiErrors, never
// crashes, and every accepted request must satisfy the limits it was parsed with.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "server/batch.h"
#include "server/google_error.h"
#include "server/html_text.h"
#include "server/perspective_request.h"

namespace {

void check(bool condition) {
  if (!condition) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const comity::server::RequestLimits limits{2048};
  try {
    const auto request = comity::server::parse_analyze_request(input, limits);
    check(!request.text.empty() && request.text.size() <= limits.max_comment_bytes);
    check(!request.attributes.empty());
    if (request.text_type == comity::server::TextType::kHtml) {
      const auto html = comity::server::html_to_text(request.text);
      check(html.source_begin.size() == html.text.size() &&
            html.source_end.size() == html.text.size());
      for (std::size_t i = 0; i < html.text.size(); ++i) {
        check(html.source_begin[i] < html.source_end[i] &&
              html.source_end[i] <= request.text.size());
      }
      const auto [begin, end] = html.source_range(0, static_cast<std::uint32_t>(html.text.size()));
      check(begin <= end && end <= request.text.size());
    }
  } catch (const comity::server::ApiError& error) {
    check(error.http_status() == 400);
  }
  try {
    const auto request = comity::server::parse_suggest_request(input, limits);
    check(!request.scores.empty());
    for (const auto& score : request.scores) check(score.label() >= 0.0 && score.label() <= 1.0);
  } catch (const comity::server::ApiError& error) {
    check(error.http_status() == 400);
  }
  try {
    for (const auto& part : comity::server::parse_multipart(input, "b")) {
      (void)comity::server::parse_embedded_request(part.payload);
    }
  } catch (const comity::server::ApiError& error) {
    check(error.http_status() == 400);
  }
  return 0;
}
