// The transport on its own (HttpListener with a trivial handler), driven over raw
// loopback sockets so that malformed, slow, pipelined and half-sent requests can be
// written byte for byte.
#include "server/http_listener.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

namespace comity::server {
namespace {

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
  ~Socket() { ::close(fd_); }
  Socket(const Socket&) = delete;
  Socket& operator=(const Socket&) = delete;

  bool connected() const { return connected_; }
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
};

// A listener whose handler echoes method, path and body, and can be told to sleep.
struct EchoServer {
  explicit EchoServer(ListenerLimits limits = {}) {
    limits.workers = 2;
    listener = std::make_unique<HttpListener>(
        limits,
        [this](const Request& request, Response& response) {
          ++handled;
          if (request.path == "/slow") std::this_thread::sleep_for(300ms);
          response.set_content(
              request.method + " " + request.path + " " + request.body +
                  (request.has_param("q") ? " q=" + request.get_param_value("q") : ""),
              "text/plain");
        },
        [](int status, const std::string& message, Response& response) {
          response.status = status;
          response.set_content("{\"error\": \"" + message + "\"}", "application/json");
        });
    port = listener->bind("127.0.0.1", 0);
    thread = std::thread([this] { listener->run(); });
  }
  ~EchoServer() {
    listener->stop();
    thread.join();
  }
  std::unique_ptr<HttpListener> listener;
  std::thread thread;
  int port = 0;
  std::atomic<int> handled{0};
};

std::string get(const std::string& target, const std::string& extra = "") {
  return "GET " + target + " HTTP/1.1\r\nHost: x\r\n" + extra + "\r\n";
}

TEST(HttpListener, ASecondListenerOnTheSamePortIsRefused) {
  EchoServer server;
  HttpListener second(
      {}, [](const Request&, Response&) {}, [](int, const std::string&, Response&) {});
  try {
    second.bind("127.0.0.1", server.port);
    FAIL() << "bound a port already in use";
  } catch (const std::runtime_error& error) {
    EXPECT_NE(
        std::string(error.what()).find("cannot bind 127.0.0.1:" + std::to_string(server.port)),
        std::string::npos)
        << error.what();
  }
}

TEST(HttpListener, KeepsAConnectionAcrossRequestsAndAnswersPipelinedOnesInOrder) {
  EchoServer server;
  Socket socket(server.port);
  ASSERT_TRUE(socket.connected());
  ASSERT_TRUE(socket.send(get("/a") + get("/b?q=x%20y")));
  auto first = socket.read_reply();
  auto second = socket.read_reply();
  ASSERT_TRUE(first && second);
  EXPECT_EQ(first->body, "GET /a ");
  EXPECT_EQ(second->body, "GET /b  q=x y");
  ASSERT_TRUE(socket.send(get("/c")));
  auto third = socket.read_reply();
  ASSERT_TRUE(third);
  EXPECT_EQ(third->body, "GET /c ");
}

TEST(HttpListener, IdleConnectionsCloseAfterTheIdleTimeoutOnly) {
  ListenerLimits limits;
  limits.idle_timeout = 400ms;
  EchoServer server(limits);
  Socket socket(server.port);
  ASSERT_TRUE(socket.send(get("/a")));
  ASSERT_TRUE(socket.read_reply());
  std::this_thread::sleep_for(200ms);  // idle, but within the timeout: still usable
  ASSERT_TRUE(socket.send(get("/b")));
  ASSERT_TRUE(socket.read_reply());
  EXPECT_TRUE(socket.closed_within(2000ms));
}

TEST(HttpListener, ARequestMustArriveWholeWithinTheReadTimeout) {
  ListenerLimits limits;
  limits.read_timeout = 300ms;
  EchoServer server(limits);
  Socket socket(server.port);
  const std::string request = get("/trickle");
  const auto started = std::chrono::steady_clock::now();
  // A byte every 50 ms keeps each read short but the request takes far longer.
  for (std::size_t i = 0; i < request.size() - 1; ++i) {
    if (!socket.send(request.substr(i, 1))) break;
    std::this_thread::sleep_for(50ms);
    if (std::chrono::steady_clock::now() - started > 2s) break;
  }
  EXPECT_TRUE(socket.closed_within(1000ms));
  EXPECT_LT(std::chrono::steady_clock::now() - started, 3s);
  EXPECT_EQ(server.handled, 0);
}

TEST(HttpListener, HeaderLimitsAreCheckedWhileReading) {
  ListenerLimits limits;
  limits.max_header_count = 10;
  limits.max_header_bytes = 2048;
  EchoServer server(limits);
  {
    Socket socket(server.port);
    std::string many;
    for (int i = 0; i < 11; ++i) many.append("X-").append(std::to_string(i)).append(": v\r\n");
    ASSERT_TRUE(socket.send(get("/", many)));
    auto reply = socket.read_reply();
    ASSERT_TRUE(reply);
    EXPECT_EQ(reply->status, 431);
    EXPECT_NE(reply->body.find("too many header fields"), std::string::npos) << reply->body;
  }
  {
    Socket socket(server.port);
    // Never ends its headers: refused once the limit is passed, not after the flood.
    std::string flood = "GET / HTTP/1.1\r\nHost: x\r\n";
    for (int i = 0; i < 400; ++i) {
      flood.append("a").append(std::to_string(i)).append(": b\r\n");
    }
    socket.send(flood);
    auto reply = socket.read_reply();
    ASSERT_TRUE(reply);
    EXPECT_EQ(reply->status, 431);
  }
  EXPECT_EQ(server.handled, 0);
}

TEST(HttpListener, ADeclaredBodyOverTheLimitIsRefusedBeforeItIsSent) {
  ListenerLimits limits;
  limits.max_body_bytes = 1000;
  EchoServer server(limits);
  Socket socket(server.port);
  ASSERT_TRUE(socket.send("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n\r\n"));
  auto reply = socket.read_reply();
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->status, 413);
  EXPECT_EQ(server.handled, 0);
}

TEST(HttpListener, AmbiguousFramingAndAMissingHostAreRefused) {
  EchoServer server;
  const std::vector<std::string> requests = {
      "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n"
      "3\r\nabc\r\n0\r\n\r\n",
      "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\nabc",
      "GET / HTTP/1.1\r\n\r\n",
  };
  for (const std::string& request : requests) {
    Socket socket(server.port);
    ASSERT_TRUE(socket.send(request));
    auto reply = socket.read_reply();
    ASSERT_TRUE(reply) << request;
    EXPECT_EQ(reply->status, 400) << request;
  }
  EXPECT_EQ(server.handled, 0);
}

TEST(HttpListener, ExpectContinueGetsA100BeforeTheBody) {
  EchoServer server;
  Socket socket(server.port);
  ASSERT_TRUE(socket.send(
      "POST /e HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n"));
  auto interim = socket.read_reply();
  ASSERT_TRUE(interim);
  EXPECT_EQ(interim->status, 100);
  ASSERT_TRUE(socket.send("hello"));
  auto reply = socket.read_reply();
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->body, "POST /e hello");
}

TEST(HttpListener, HeadGetsTheLengthAGetWouldButNoBody) {
  EchoServer server;
  Socket socket(server.port);
  socket.head_ = true;
  ASSERT_TRUE(socket.send("HEAD /h HTTP/1.1\r\nHost: x\r\n\r\n"));
  auto reply = socket.read_reply();
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->headers.find("Content-Length")->second,
            std::to_string(std::string("HEAD /h ").size()));
  socket.head_ = false;
  ASSERT_TRUE(socket.send(get("/after")));  // nothing of a body was left on the wire
  auto next = socket.read_reply();
  ASSERT_TRUE(next);
  EXPECT_EQ(next->body, "GET /after ");
}

TEST(HttpListener, AbsoluteFormTargetsAndHttp10KeepAlive) {
  EchoServer server;
  Socket socket(server.port);
  ASSERT_TRUE(
      socket.send("GET http://127.0.0.1/abs?q=1 HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"));
  auto reply = socket.read_reply();
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->body, "GET /abs  q=1");
  ASSERT_NE(reply->headers.find("Connection"), reply->headers.end());
  EXPECT_EQ(reply->headers.find("Connection")->second, "keep-alive");
  ASSERT_TRUE(socket.send("GET /again HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"));
  auto again = socket.read_reply();
  ASSERT_TRUE(again);
  EXPECT_EQ(again->body, "GET /again ");
  // HTTP/1.0 without keep-alive closes after the answer.
  ASSERT_TRUE(socket.send("GET /last HTTP/1.0\r\n\r\n"));
  ASSERT_TRUE(socket.read_reply());
  EXPECT_TRUE(socket.closed_within(1000ms));
}

TEST(HttpListener, ConnectionsBeyondTheLimitGetA503) {
  ListenerLimits limits;
  limits.max_connections = 2;
  EchoServer server(limits);
  Socket a(server.port), b(server.port);
  ASSERT_TRUE(a.send(get("/a")) && a.read_reply());
  ASSERT_TRUE(b.send(get("/b")) && b.read_reply());
  Socket c(server.port);
  auto refused = c.read_reply();
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 503);
  EXPECT_TRUE(c.closed_within(1000ms));
}

TEST(HttpListener, StopClosesIdleConnectionsAndFinishesRequestsInFlight) {
  auto server = std::make_unique<EchoServer>();
  Socket idle(server->port);
  ASSERT_TRUE(idle.send(get("/a")) && idle.read_reply());
  Socket busy(server->port);
  ASSERT_TRUE(busy.send(get("/slow")));
  std::this_thread::sleep_for(100ms);  // the slow request is in its handler now
  const auto started = std::chrono::steady_clock::now();
  server.reset();  // stop() and join
  EXPECT_LT(std::chrono::steady_clock::now() - started, 2s);
  auto reply = busy.read_reply();
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->body, "GET /slow ");
  EXPECT_EQ(reply->headers.find("Connection")->second, "close");
  EXPECT_TRUE(idle.closed_within(500ms));
}

TEST(HttpMessage, TargetsAndQueriesDecode) {
  Request request;
  set_request_target("/v1alpha1/comments%3Aanalyze?key=a%2Bb&prettyPrint=false&flag&x=1+2",
                     request);
  EXPECT_EQ(request.path, "/v1alpha1/comments:analyze");
  EXPECT_EQ(request.get_param_value("key"), "a+b");
  EXPECT_EQ(request.get_param_value("prettyPrint"), "false");
  EXPECT_TRUE(request.has_param("flag"));
  EXPECT_EQ(request.get_param_value("x"), "1 2");
  Request absolute;
  set_request_target("https://commentanalyzer.googleapis.com/batch?a=1", absolute);
  EXPECT_EQ(absolute.path, "/batch");
  EXPECT_EQ(absolute.get_param_value("a"), "1");
  EXPECT_EQ(decode_url("%zz%4", false), "%zz%4");  // malformed escapes stay
  Request headers;
  headers.headers.emplace("content-type", "a");
  EXPECT_EQ(headers.get_header_value("Content-Type"), "a");
}

}  // namespace
}  // namespace comity::server
