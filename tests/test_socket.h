// A raw loopback client for tests that write requests byte for byte and read
// what comes back as it comes (tests/http_listener_test.cpp, server-sent events).
#pragma once
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "server/http_message.h"

namespace comity::server::testing {

using namespace std::chrono_literals;

struct Reply {
  int status = 0;
  Headers headers;
  std::string body;
};

class Socket {
 public:
  explicit Socket(int port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<std::uint16_t>(port));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
  }
  ~Socket() { close(); }
  Socket(const Socket&) = delete;
  Socket& operator=(const Socket&) = delete;

  bool connected() const { return connected_; }
  void close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }
  bool send(const std::string& bytes) {
    return ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL) ==
           static_cast<ssize_t>(bytes.size());
  }
  // Reads one response (status line, headers, Content-Length body); nullopt when the
  // connection closes or nothing complete arrives within `timeout`.
  std::optional<Reply> read_reply(std::chrono::milliseconds timeout = 3000ms) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      if (auto reply = take_reply()) return reply;
      if (!fill(deadline)) return std::nullopt;
    }
  }
  // True when the server closed the connection within `timeout` (and sent nothing more).
  bool closed_within(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (fill(deadline)) {
    }
    return eof_;
  }
  // For a response that never ends (server-sent events): reads until what arrived
  // since mark() holds `needle`; false when it does not within `timeout`.
  bool read_until(const std::string& needle, std::chrono::milliseconds timeout = 5000ms) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (pending_.find(needle, mark_) == std::string::npos) {
      if (!fill(deadline)) return false;
    }
    return true;
  }
  void mark() { mark_ = pending_.size(); }
  // Everything read and not taken by read_reply().
  const std::string& received() const { return pending_; }

 private:
  bool fill(std::chrono::steady_clock::time_point deadline) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0 || eof_) return false;
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) return false;
    char chunk[4096];
    const ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
    if (n <= 0) {
      eof_ = true;
      return false;
    }
    pending_.append(chunk, static_cast<std::size_t>(n));
    return true;
  }
  std::optional<Reply> take_reply() {
    const std::size_t end = pending_.find("\r\n\r\n");
    if (end == std::string::npos) return std::nullopt;
    Reply reply;
    std::size_t line_end = pending_.find("\r\n");
    reply.status = std::stoi(pending_.substr(pending_.find(' ') + 1, 3));
    std::size_t length = 0;
    while (line_end < end) {
      const std::size_t next = pending_.find("\r\n", line_end + 2);
      const std::string line = pending_.substr(line_end + 2, next - line_end - 2);
      const std::size_t colon = line.find(':');
      if (colon != std::string::npos) {
        std::string value = line.substr(colon + 1);
        value.erase(0, value.find_first_not_of(' '));
        reply.headers.emplace(line.substr(0, colon), value);
      }
      line_end = next;
    }
    if (reply.headers.count("Content-Length"))
      length = std::stoul(reply.headers.find("Content-Length")->second);
    // A 1xx, 204 and any reply to HEAD have no body; the tests ask for HEAD via `head_`.
    if (reply.status < 200 || head_) length = 0;
    if (pending_.size() < end + 4 + length) return std::nullopt;
    reply.body = pending_.substr(end + 4, length);
    pending_.erase(0, end + 4 + length);
    return reply;
  }

 public:
  bool head_ = false;

 private:
  int fd_ = -1;
  bool connected_ = false;
  bool eof_ = false;
  std::string pending_;
  std::size_t mark_ = 0;
};

}  // namespace comity::server::testing
