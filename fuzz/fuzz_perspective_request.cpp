// libFuzzer over what the server parses from the network: Perspective request
// bodies, HTML comments, batch payloads and request targets. Rejections must be ApiErrors, never
// crashes, and every accepted request must satisfy the limits it was parsed with.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "server/batch.h"
#include "server/google_error.h"
#include "comity/html_text.h"
#include "server/http_message.h"
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
      const auto html = comity::html_to_text(request.text);
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
  const comity::server::BatchLimits batch{4, 512};
  try {
    const auto parts = comity::server::parse_multipart(input, "b", batch);
    check(!parts.empty() && parts.size() <= batch.max_parts);
    for (const auto& part : parts) {
      check(part.payload.size() <= batch.max_part_bytes);
      const auto inner = comity::server::parse_embedded_request(part.payload);
      check(!inner.path.empty() && inner.path.front() == '/');
    }
  } catch (const comity::server::ApiError& error) {
    check(error.http_status() == 400 || error.http_status() == 413);
  }
  comity::server::Request request;
  comity::server::set_request_target(input.substr(0, 4096), request);
  check(!request.path.empty() && request.path.front() == '/');
  check(comity::server::decode_url(input, true).size() <= input.size());
  return 0;
}
