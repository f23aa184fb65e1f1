#include "server/batch.h"

#include <algorithm>
#include <cctype>

#include "server/google_error.h"

namespace comity::server {
namespace {

std::string lowercase(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  return out;
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front())))
    text.remove_prefix(1);
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back())))
    text.remove_suffix(1);
  return text;
}

// Reads one line (without its CRLF or LF) starting at `pos`; advances past it.
std::string_view next_line(std::string_view text, std::size_t& pos) {
  const std::size_t newline = text.find('\n', pos);
  std::string_view line =
      text.substr(pos, newline == std::string_view::npos ? std::string_view::npos : newline - pos);
  pos = newline == std::string_view::npos ? text.size() : newline + 1;
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  return line;
}

// Reads "Name: value" lines up to a blank line into `headers`; returns the offset after it.
// A line starting with a space or tab continues the value before it (RFC 5322 folding).
std::size_t read_headers(std::string_view text, std::size_t pos, Headers& headers) {
  Headers::iterator last = headers.end();
  while (pos < text.size()) {
    const std::string_view line = next_line(text, pos);
    if (line.empty()) break;
    if ((line.front() == ' ' || line.front() == '\t') && last != headers.end()) {
      // Unfolding removes the line break only; the whitespace after it stays.
      std::string_view more = line;
      while (!more.empty() && std::isspace(static_cast<unsigned char>(more.back()))) {
        more.remove_suffix(1);
      }
      last->second.append(more.data(), more.size());
      continue;
    }
    const std::size_t colon = line.find(':');
    if (colon == std::string_view::npos) {
      last = headers.end();
      continue;
    }
    last = headers.emplace(std::string(trim(line.substr(0, colon))),
                           std::string(trim(line.substr(colon + 1))));
  }
  return pos;
}

// googleapiclient splits the status line into three fields, so a reason is required.
const char* reason_phrase(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 413:
      return "Payload Too Large";
    case 429:
      return "Too Many Requests";
    case 500:
      return "Internal Server Error";
    case 501:
      return "Not Implemented";
    case 503:
      return "Service Unavailable";
    default:
      return status < 400 ? "OK" : "Error";
  }
}

}  // namespace

std::optional<std::string> multipart_mixed_boundary(std::string_view content_type) {
  const std::string lowered = lowercase(content_type);
  if (lowered.rfind("multipart/", 0) != 0) return std::nullopt;
  const std::size_t at = lowered.find("boundary=");
  if (at == std::string::npos) return std::nullopt;
  std::string_view value = content_type.substr(at + 9);
  value = value.substr(0, value.find(';'));
  value = trim(value);
  if (value.size() >= 2 && value.front() == '"' && value.back() == '"')
    value = value.substr(1, value.size() - 2);
  if (value.empty() || value.size() > 200) return std::nullopt;
  return std::string(value);
}

std::vector<BatchPart> parse_multipart(std::string_view body, std::string_view boundary,
                                       const BatchLimits& limits) {
  const std::string delimiter = "--" + std::string(boundary);
  std::vector<BatchPart> parts;
  std::size_t pos = body.find(delimiter);
  while (pos != std::string_view::npos) {
    pos += delimiter.size();
    if (body.compare(pos, 2, "--") == 0) break;  // closing delimiter
    next_line(body, pos);                        // rest of the delimiter line
    std::size_t next = body.find(delimiter, pos);
    if (next == std::string_view::npos) next = body.size();
    // The line break before the next delimiter belongs to the delimiter.
    std::string_view part = body.substr(pos, next - pos);
    if (!part.empty() && part.back() == '\n') part.remove_suffix(1);
    if (!part.empty() && part.back() == '\r') part.remove_suffix(1);
    if (parts.size() == limits.max_parts) {
      throw invalid_argument("A batch may hold at most " + std::to_string(limits.max_parts) +
                             " requests.");
    }
    if (part.size() > limits.max_part_bytes) {
      throw ApiError(413, "Batch part " + std::to_string(parts.size() + 1) + " exceeds " +
                              std::to_string(limits.max_part_bytes) + " bytes.");
    }

    Headers headers;
    const std::size_t payload_at = read_headers(part, 0, headers);
    BatchPart parsed;
    for (const auto& [name, value] : headers) {
      if (lowercase(name) == "content-id") {
        std::string_view id = trim(value);
        if (id.size() >= 2 && id.front() == '<' && id.back() == '>')
          id = id.substr(1, id.size() - 2);
        parsed.content_id = std::string(id);
      }
    }
    parsed.payload = std::string(part.substr(std::min(payload_at, part.size())));
    parts.push_back(std::move(parsed));
    pos = next == body.size() ? std::string_view::npos : next;
  }
  if (parts.empty()) throw invalid_argument("Batch request has no parts.");
  return parts;
}

Request parse_embedded_request(std::string_view payload) {
  std::size_t pos = 0;
  // Tolerate blank lines before the request line.
  std::string_view request_line;
  while (pos < payload.size() && request_line.empty()) request_line = trim(next_line(payload, pos));
  const std::size_t first_space = request_line.find(' ');
  const std::size_t second_space = request_line.find(' ', first_space + 1);
  if (first_space == std::string_view::npos)
    throw invalid_argument("Batch part is not an HTTP request.");
  Request request;
  request.method = std::string(request_line.substr(0, first_space));
  std::string target(request_line.substr(first_space + 1, second_space == std::string_view::npos
                                                              ? std::string_view::npos
                                                              : second_space - first_space - 1));
  // A part may carry an absolute URL; only its path and query matter.
  set_request_target(target, request);
  pos = read_headers(payload, pos, request.headers);
  std::string_view body = payload.substr(std::min(pos, payload.size()));
  while (!body.empty() && (body.back() == '\n' || body.back() == '\r')) body.remove_suffix(1);
  request.body = std::string(body);
  return request;
}

std::string render_batch_reply(const std::vector<BatchReply>& replies, std::string_view boundary) {
  std::string out;
  for (const auto& reply : replies) {
    out += "--";
    out += boundary;
    out += "\r\nContent-Type: application/http\r\n";
    if (!reply.content_id.empty()) out += "Content-ID: <response-" + reply.content_id + ">\r\n";
    out +=
        "\r\nHTTP/1.1 " + std::to_string(reply.status) + " " + reason_phrase(reply.status) + "\r\n";
    out += "Content-Type: " + reply.content_type + "\r\n";
    if (!reply.retry_after.empty()) out += "Retry-After: " + reply.retry_after + "\r\n";
    out += "Content-Length: " + std::to_string(reply.body.size()) + "\r\n\r\n";
    out += reply.body;
    out += "\r\n";
  }
  out += "--";
  out += boundary;
  out += "--\r\n";
  return out;
}

}  // namespace comity::server
