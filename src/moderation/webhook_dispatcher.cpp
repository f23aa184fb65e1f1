#include "moderation/webhook_dispatcher.h"

#include "comity/time.h"

#include <openssl/ssl.h>

#include <spdlog/spdlog.h>
#include <algorithm>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

namespace comity {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

constexpr std::size_t kMaxAnswerBytes = 64 * 1024;

struct ParsedUrl {
  bool tls = false;
  std::string host, port, target;
};

std::optional<ParsedUrl> parse_url(const std::string& url) {
  ParsedUrl out;
  std::string rest;
  if (url.rfind("https://", 0) == 0) {
    out.tls = true;
    rest = url.substr(8);
  } else if (url.rfind("http://", 0) == 0) {
    rest = url.substr(7);
  } else {
    return std::nullopt;
  }
  const std::size_t slash = rest.find_first_of("/?");
  std::string authority = rest.substr(0, slash);
  out.target = slash == std::string::npos ? "/" : rest.substr(slash);
  if (out.target.front() == '?') out.target = "/" + out.target;
  if (authority.find('@') != std::string::npos || authority.empty()) return std::nullopt;
  const std::size_t colon = authority.rfind(':');
  if (colon != std::string::npos && authority.find(']') == std::string::npos) {
    out.host = authority.substr(0, colon);
    out.port = authority.substr(colon + 1);
  } else {
    out.host = authority;
    out.port = out.tls ? "443" : "80";
  }
  if (out.host.size() > 2 && out.host.front() == '[' && out.host.back() == ']') {
    out.host = out.host.substr(1, out.host.size() - 2);
  }
  if (out.host.empty() || out.port.empty() ||
      !std::all_of(out.port.begin(), out.port.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return std::nullopt;
  }
  return out;
}

template <typename Stream>
int send_and_read(Stream& stream, const http::request<http::string_body>& request) {
  http::write(stream, request);
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(kMaxAnswerBytes);
  parser.header_limit(16 * 1024);
  http::read(stream, buffer, parser);
  return parser.get().result_int();
}

}  // namespace

WebhookPostResult post_webhook(const std::string& url, const std::string& body,
                               const std::vector<std::pair<std::string, std::string>>& headers,
                               std::chrono::seconds timeout) {
  const auto parsed = parse_url(url);
  if (!parsed) return {std::nullopt, "not an http:// or https:// URL"};
  http::request<http::string_body> request{http::verb::post, parsed->target, 11};
  request.set(http::field::host, parsed->host);
  request.set(http::field::user_agent, "comity-webhooks/1");
  request.set(http::field::content_type, "application/json");
  for (const auto& [name, value] : headers) request.set(name, value);
  request.body() = body;
  request.prepare_payload();
  try {
    net::io_context io;
    tcp::resolver resolver(io);
    const auto endpoints = resolver.resolve(parsed->host, parsed->port);
    if (!parsed->tls) {
      beast::tcp_stream stream(io);
      stream.expires_after(timeout);
      stream.connect(endpoints);
      const int status = send_and_read(stream, request);
      beast::error_code ignored;
      stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
      return {status, ""};
    }
    net::ssl::context context(net::ssl::context::tls_client);
    context.set_default_verify_paths();
    context.set_verify_mode(net::ssl::verify_peer);
    beast::ssl_stream<beast::tcp_stream> stream(io, context);
    if (!SSL_set_tlsext_host_name(stream.native_handle(), parsed->host.c_str())) {
      return {std::nullopt, "TLS: cannot set the server name"};
    }
    stream.set_verify_callback(net::ssl::host_name_verification(parsed->host));
    beast::get_lowest_layer(stream).expires_after(timeout);
    beast::get_lowest_layer(stream).connect(endpoints);
    stream.handshake(net::ssl::stream_base::client);
    const int status = send_and_read(stream, request);
    beast::error_code ignored;
    stream.shutdown(ignored);
    return {status, ""};
  } catch (const std::exception& e) {
    return {std::nullopt, e.what()};
  }
}

WebhookDispatcher::WebhookDispatcher(const std::string& data_dir, WebhookOptions options)
    : store_(data_dir), options_(options) {}

WebhookDispatcher::~WebhookDispatcher() { stop(); }

void WebhookDispatcher::start() {
  thread_ = std::thread([this] {
    std::unique_lock lock(mutex_);
    while (!stopping_) {
      lock.unlock();
      int attempts = 0;
      try {
        attempts = run_once();
      } catch (const std::exception& e) {
        spdlog::error("webhooks: {}", e.what());
      }
      lock.lock();
      // Busy while there is work; otherwise look again after the poll interval.
      if (attempts == 0) wake_.wait_for(lock, options_.poll, [this] { return stopping_; });
    }
  });
}

void WebhookDispatcher::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

int WebhookDispatcher::run_once() {
  int attempts = 0;
  const std::int64_t now = unix_now();
  for (const Webhook& webhook : store_.list()) {
    if (webhook.disabled || webhook.next_attempt_unix > now) continue;
    const auto event = store_.next_event(webhook);
    if (!event) continue;
    const std::int64_t sent_at = unix_now();
    const WebhookPostResult result = post_webhook(
        webhook.url, event->json,
        {{"X-Comity-Event", "comment.decided"},
         {"X-Comity-Delivery",
          std::to_string(webhook.id) + "-" + std::to_string(event->decision_id)},
         {"X-Comity-Signature", webhook_signature(webhook.secret, sent_at, event->json)}},
        options_.timeout);
    const bool delivered = result.status && *result.status >= 200 && *result.status < 300;
    const bool give_up = !delivered && webhook.failures + 1 >= options_.max_attempts;
    std::string error = result.error;
    if (!delivered && error.empty()) error = "HTTP " + std::to_string(result.status.value_or(0));
    const std::int64_t retry = std::min<std::int64_t>(
        options_.max_retry_seconds,
        options_.first_retry_seconds << std::min<std::int64_t>(webhook.failures, 30));
    store_.record_attempt(webhook, event->decision_id, result.status, delivered ? "" : error,
                          delivered, give_up, retry);
    if (give_up) {
      spdlog::warn("webhook {}: gave up on decision {} after {} attempts ({})", webhook.id,
                   event->decision_id, options_.max_attempts, error);
    }
    ++attempts;
  }
  return attempts;
}

}  // namespace comity
