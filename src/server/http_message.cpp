#include "server/http_message.h"

#include <algorithm>
#include <cctype>

namespace comity::server {
namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::string first_header_value(const Headers& headers, const std::string& name,
                               const std::string& fallback) {
  const auto found = headers.find(name);
  return found == headers.end() ? fallback : found->second;
}

void replace_header(Headers& headers, const std::string& name, const std::string& value) {
  headers.erase(name);
  headers.emplace(name, value);
}

bool CaseInsensitiveLess::operator()(const std::string& a, const std::string& b) const {
  return std::lexicographical_compare(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
    return std::tolower(static_cast<unsigned char>(x)) <
           std::tolower(static_cast<unsigned char>(y));
  });
}

std::string Request::get_header_value(const std::string& name, const std::string& fallback) const {
  return first_header_value(headers, name, fallback);
}

void Request::set_header(const std::string& name, const std::string& value) {
  replace_header(headers, name, value);
}

std::string Request::get_param_value(const std::string& name) const {
  const auto found = params.find(name);
  return found == params.end() ? std::string() : found->second;
}

void Response::set_header(const std::string& name, const std::string& value) {
  replace_header(headers, name, value);
}

void Response::set_content(std::string content, const std::string& content_type) {
  body = std::move(content);
  set_header("Content-Type", content_type);
}

std::string Response::get_header_value(const std::string& name) const {
  return first_header_value(headers, name, "");
}

std::string decode_url(std::string_view text, bool plus_as_space) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '%' && i + 2 < text.size()) {
      const int high = hex_value(text[i + 1]);
      const int low = hex_value(text[i + 2]);
      if (high >= 0 && low >= 0) {
        out.push_back(static_cast<char>(high * 16 + low));
        i += 2;
        continue;
      }
    }
    out.push_back(plus_as_space && c == '+' ? ' ' : c);
  }
  return out;
}

void parse_query(std::string_view query, Params& params) {
  while (!query.empty()) {
    const std::size_t amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (pair.empty()) continue;
    const std::size_t eq = pair.find('=');
    params.emplace(
        decode_url(pair.substr(0, eq), true),
        eq == std::string_view::npos ? std::string() : decode_url(pair.substr(eq + 1), true));
  }
}

void set_request_target(std::string_view target, Request& request) {
  // Absolute form (RFC 9112 3.2.2), sent by proxies and some clients: keep path and query.
  if (const std::size_t scheme = target.find("://");
      scheme != std::string_view::npos && target.front() != '/') {
    const std::size_t slash = target.find_first_of("/?", scheme + 3);
    target = slash == std::string_view::npos ? std::string_view("/") : target.substr(slash);
  }
  request.target = std::string(target);
  const std::size_t question = target.find('?');
  request.path = decode_url(target.substr(0, question), false);
  if (request.path.empty() || request.path.front() != '/') request.path = "/" + request.path;
  if (question != std::string_view::npos) parse_query(target.substr(question + 1), request.params);
}

}  // namespace comity::server
