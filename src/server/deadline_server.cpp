#include "server/deadline_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>

namespace comity::server {
namespace {

using Clock = std::chrono::steady_clock;
constexpr int kSliceMs = 100;  // how often a waiting connection looks at the stop flag

// Waits until `sock` has `events` or `deadline` passes; false on timeout, error or stop.
// `listening` (null: ignored) turns INVALID_SOCKET when the server stops.
bool wait_for(socket_t sock, short events, Clock::time_point deadline,
              const std::atomic<socket_t>* listening) {
  for (;;) {
    if (listening && *listening == INVALID_SOCKET) return false;
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) return false;
    pollfd p{sock, events, 0};
    const int n = ::poll(&p, 1, static_cast<int>(std::min<long long>(left, kSliceMs)));
    if (n > 0) return (p.revents & (events | POLLHUP | POLLERR)) != 0;
    if (n < 0 && errno != EINTR) return false;
  }
}

void address_of(socket_t sock, bool peer, std::string& ip, int& port) {
  sockaddr_storage addr{};
  socklen_t len = sizeof addr;
  const int rc = peer ? ::getpeername(sock, reinterpret_cast<sockaddr*>(&addr), &len)
                      : ::getsockname(sock, reinterpret_cast<sockaddr*>(&addr), &len);
  if (rc != 0) return;
  char buf[INET6_ADDRSTRLEN] = {};
  if (addr.ss_family == AF_INET) {
    const auto* a = reinterpret_cast<const sockaddr_in*>(&addr);
    ::inet_ntop(AF_INET, &a->sin_addr, buf, sizeof buf);
    port = ntohs(a->sin_port);
  } else if (addr.ss_family == AF_INET6) {
    const auto* a = reinterpret_cast<const sockaddr_in6*>(&addr);
    ::inet_ntop(AF_INET6, &a->sin6_addr, buf, sizeof buf);
    port = ntohs(a->sin6_port);
  }
  ip = buf;
}

// One request's view of the socket: reads share a single deadline.
class DeadlineStream final : public httplib::Stream {
 public:
  DeadlineStream(socket_t sock, Clock::time_point read_deadline, Clock::duration write_timeout)
      : sock_(sock), read_deadline_(read_deadline), write_timeout_(write_timeout) {}

  // A request already arriving is read to the end even while stopping.
  bool is_readable() const override { return wait_for(sock_, POLLIN, read_deadline_, nullptr); }
  bool is_writable() const override {
    // Writing a response in flight finishes even while stopping.
    pollfd p{sock_, POLLOUT, 0};
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(write_timeout_).count();
    return ::poll(&p, 1, static_cast<int>(ms)) > 0 && (p.revents & POLLOUT) != 0;
  }
  ssize_t read(char* ptr, size_t size) override {
    if (!is_readable()) return -1;
    return ::recv(sock_, ptr, size, 0);
  }
  ssize_t write(const char* ptr, size_t size) override {
    if (!is_writable()) return -1;
    return ::send(sock_, ptr, size, MSG_NOSIGNAL);
  }
  void get_remote_ip_and_port(std::string& ip, int& port) const override {
    address_of(sock_, true, ip, port);
  }
  void get_local_ip_and_port(std::string& ip, int& port) const override {
    address_of(sock_, false, ip, port);
  }
  socket_t socket() const override { return sock_; }

 private:
  socket_t sock_;
  Clock::time_point read_deadline_;
  Clock::duration write_timeout_;
};

}  // namespace

bool DeadlineServer::process_and_close_socket(socket_t sock) {
  const auto read_timeout =
      std::chrono::seconds(read_timeout_sec_) + std::chrono::microseconds(read_timeout_usec_);
  const auto write_timeout =
      std::chrono::seconds(write_timeout_sec_) + std::chrono::microseconds(write_timeout_usec_);
  bool ok = false;
  for (std::size_t served = 0; served < keep_alive_max_count_; ++served) {
    // The first request may take the read timeout to start; later ones the keep-alive one.
    const auto idle = served == 0 ? read_timeout : std::chrono::seconds(keep_alive_timeout_sec_);
    if (!wait_for(sock, POLLIN, Clock::now() + idle, &svr_sock_)) break;
    DeadlineStream stream(sock, Clock::now() + read_timeout, write_timeout);
    const bool last = served + 1 == keep_alive_max_count_ || svr_sock_ == INVALID_SOCKET;
    bool closed = false;
    ok = process_request(stream, last, closed, nullptr);
    if (!ok || closed) break;
  }
  ::shutdown(sock, SHUT_RDWR);
  ::close(sock);
  return ok;
}

}  // namespace comity::server
