// The transport on its own (HttpListener with a trivial handler), driven over raw
// loopback sockets so that malformed, slow, pipelined and half-sent requests can be
// written byte for byte.
#include "server/http_listener.h"

#include <atomic>
#include <chrono>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "test_socket.h"

namespace comity::server {
namespace {

using namespace std::chrono_literals;

using testing::Reply;
using testing::Socket;

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
