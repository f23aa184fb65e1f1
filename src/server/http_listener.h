// The HTTP/1.1 transport: an event-driven listener on Boost.Beast/Asio.
//
// Invariants:
// - One I/O thread owns every socket and every connection's state; handlers run on a
//   worker pool and hand their Response back to the I/O thread. An idle connection
//   therefore costs a buffer of a few KB and no thread.
// - Limits are checked before the bytes they bound are read: header bytes and count
//   while reading the header, the declared body size before the body is read.
// - Waiting for a request is bounded by idle_timeout; once its first byte arrived, the
//   whole request must arrive within read_timeout (a trickling client cannot hold it
//   open), and the response must leave within write_timeout.
// - A streaming response (Response::stream, server-sent events) holds no worker either:
//   the stream wakes the I/O thread, each piece must leave within write_timeout, and
//   a client that closes is noticed by reading its socket; the connection then closes.
// - The port is bound exclusively (no SO_REUSEPORT): a second server on it fails.
// - stop() stops accepting, closes idle connections at once, lets requests in flight
//   finish and answer (with Connection: close), then returns from run().
#pragma once
#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>

#include "server/http_message.h"

namespace comity::server {

class Connection;

struct ListenerLimits {
  std::size_t max_header_bytes = 32 * 1024;  // request line and all header fields
  std::size_t max_header_count = 100;
  std::size_t max_body_bytes = 8u << 20;
  std::size_t max_connections = 20000;  // beyond it, new connections get a 503 and close
  std::chrono::milliseconds idle_timeout{std::chrono::seconds(120)};
  std::chrono::milliseconds read_timeout{std::chrono::seconds(10)};
  std::chrono::milliseconds write_timeout{std::chrono::seconds(10)};
  int max_requests_per_connection = 1000;
  int workers = 2;
};

class HttpListener {
 public:
  using Handler = std::function<void(const Request&, Response&)>;
  // Fills a response for a request the transport refuses itself (status and a short
  // reason), so that clients get the API's own error format.
  using ErrorPage = std::function<void(int status, const std::string& message, Response&)>;

  HttpListener(ListenerLimits limits, Handler handler, ErrorPage error_page);
  ~HttpListener();
  HttpListener(const HttpListener&) = delete;
  HttpListener& operator=(const HttpListener&) = delete;

  // Binds host:port (0: an ephemeral port) and listens; returns the port. Throws
  // std::runtime_error naming the address when it cannot.
  int bind(const std::string& host, int port);
  // Serves on the calling thread until stop(); bind() first.
  void run();
  // Thread-safe; returns at once, run() returns when the connections have drained.
  void stop();
  bool running() const;
  std::size_t open_connections() const;

 private:
  class Impl;
  friend class Connection;  // one client connection, defined with Impl
  std::unique_ptr<Impl> impl_;
};

}  // namespace comity::server
