// libFuzzer over the transport: each input is written as the bytes of one client
// connection to a real HttpListener on loopback (small limits and deadlines), then
// the client half-closes and reads what comes back. The listener must never crash or
// leak (ASan), must answer only in HTTP, and must close the connection once the
// client has stopped sending.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <thread>

#include "server/http_listener.h"

namespace {

using namespace std::chrono_literals;

void check(bool condition) {
  if (!condition) __builtin_trap();
}

int listener_port() {
  static const int port = [] {
    comity::server::ListenerLimits limits;
    limits.max_header_bytes = 2048;
    limits.max_header_count = 16;
    limits.max_body_bytes = 4096;
    limits.idle_timeout = 500ms;
    limits.read_timeout = 500ms;
    limits.write_timeout = 500ms;
    limits.max_requests_per_connection = 8;
    // Lives for the whole process: the fuzzer never returns from its loop cleanly.
    auto* listener = new comity::server::HttpListener(
        limits,
        [](const comity::server::Request& request, comity::server::Response& response) {
          response.set_content(
              request.method + " " + request.path + " " + std::to_string(request.body.size()),
              "text/plain");
        },
        [](int status, const std::string& message, comity::server::Response& response) {
          response.status = status;
          response.set_content(message, "text/plain");
        });
    const int bound = listener->bind("127.0.0.1", 0);
    std::thread([listener] { listener->run(); }).detach();
    return bound;
  }();
  return port;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const int port = listener_port();
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  check(fd >= 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<std::uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  check(::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
  std::size_t sent = 0;
  while (sent < size) {
    const ssize_t n = ::send(fd, data + sent, size - sent, MSG_NOSIGNAL);
    if (n <= 0) break;  // the listener refused and closed: allowed
    sent += static_cast<std::size_t>(n);
  }
  ::shutdown(fd, SHUT_WR);
  std::string reply;
  const auto deadline = std::chrono::steady_clock::now() + 3s;
  bool closed = false;
  while (std::chrono::steady_clock::now() < deadline) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 100) <= 0) continue;
    char chunk[4096];
    const ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
    if (n <= 0) {
      closed = true;
      break;
    }
    reply.append(chunk, static_cast<std::size_t>(n));
  }
  ::close(fd);
  // With the client done, the listener closes within its deadlines (500 ms each).
  check(closed);
  if (!reply.empty()) check(reply.rfind("HTTP/1.", 0) == 0);
  return 0;
}
