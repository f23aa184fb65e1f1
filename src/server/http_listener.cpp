#include "server/http_listener.h"

#include <spdlog/spdlog.h>

#include <array>
#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <unordered_set>

namespace comity::server {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

// How much of an idle connection's buffer is kept between requests.
constexpr std::size_t kIdleReadBytes = 1024;
// After refusing a request, what is still arriving is read and dropped for at most
// this long and this much, so that a client still sending its body gets to read the
// answer instead of a reset (a "lingering close").
constexpr std::chrono::milliseconds kLingerTime{2000};
constexpr std::size_t kLingerBytes = 64u << 20;
// How often a stopping listener checks whether its connections have drained.
constexpr std::chrono::milliseconds kDrainPoll{20};

}  // namespace

class HttpListener::Impl {
 public:
  Impl(ListenerLimits limits, Handler handler, ErrorPage error_page)
      : limits_(limits),
        handler_(std::move(handler)),
        error_page_(std::move(error_page)),
        workers_(static_cast<std::size_t>(std::max(1, limits.workers))) {}

  int bind(const std::string& host, int port);
  void run();
  void stop();
  void accept();
  void begin_stop();
  void check_drained(std::chrono::steady_clock::time_point deadline);

  void add(Connection* connection) {
    std::lock_guard lock(connections_mutex_);
    connections_.insert(connection);
    ++open_;
  }
  void remove(Connection* connection) {
    std::lock_guard lock(connections_mutex_);
    connections_.erase(connection);
    --open_;
  }

  const ListenerLimits limits_;
  const Handler handler_;
  const ErrorPage error_page_;
  std::atomic<bool> running_{false};
  std::atomic<bool> stopping_{false};
  std::atomic<std::size_t> open_{0};
  // Declared before the I/O context: connections still queued in it unregister
  // themselves when it is destroyed.
  std::mutex connections_mutex_;
  std::unordered_set<Connection*> connections_;
  asio::io_context io_{1};
  asio::thread_pool workers_;
  tcp::acceptor acceptor_{io_};
  asio::steady_timer retry_timer_{io_};
  asio::steady_timer drain_timer_{io_};
};

// One client connection. Every member is touched on the I/O thread only; a worker
// sees a copy of the request and posts its response back.
class Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(HttpListener::Impl& owner, tcp::socket socket)
      : owner_(owner),
        stream_(std::move(socket)),
        // A whole header must fit (scan_header); body bytes pass through in pieces.
        buffer_(owner.limits_.max_header_bytes) {
    beast::error_code ec;
    const auto endpoint = stream_.socket().remote_endpoint(ec);
    if (!ec) remote_ = endpoint.address().to_string();
    stream_.socket().set_option(tcp::no_delay(true), ec);
    owner_.add(this);
  }
  ~Connection() {
    if (body_stream_) body_stream_->close();
    owner_.remove(this);
  }
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  void start() { wait_for_request(); }

  // Called when the listener stops: a connection waiting for its next request closes
  // now; one with a request in flight answers it and then closes.
  void on_stop() {
    if (state_ == State::kStreaming) return end_stream();
    if (state_ == State::kIdle) {
      beast::error_code ignored;
      stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
      stream_.socket().close(ignored);
    }
  }

 private:
  enum class State { kIdle, kReading, kWorking, kWriting, kStreaming };

  void wait_for_request() {
    state_ = State::kIdle;
    if (owner_.stopping_) return close();
    if (buffer_.size() > 0) return read_header();  // a pipelined request is already here
    buffer_.shrink_to_fit();
    stream_.expires_after(owner_.limits_.idle_timeout);
    stream_.async_read_some(buffer_.prepare(kIdleReadBytes),
                            [self = shared_from_this()](beast::error_code ec, std::size_t n) {
                              if (ec) return self->close();
                              self->buffer_.commit(n);
                              self->read_header();
                            });
  }

  void read_header() {
    state_ = State::kReading;
    // One deadline for the whole request, header and body.
    stream_.expires_after(owner_.limits_.read_timeout);
    scanned_ = 0;
    scan_header();
  }

  // Reads until the buffer holds the whole header, so that Beast parses it without
  // reading: Beast 1.74 can miss its own header_limit when a read ends near it and
  // then wait for bytes that never come. A header that does not fit in the buffer
  // (max_header_bytes) is refused here.
  void scan_header() {
    const auto data = buffer_.cdata();
    const std::string_view seen(static_cast<const char*>(data.data()), data.size());
    if (seen.find("\r\n\r\n", scanned_) != std::string_view::npos) return parse_header();
    scanned_ = seen.size() > 3 ? seen.size() - 3 : 0;
    if (buffer_.size() >= buffer_.max_size()) {
      return refuse(431, "Request header fields are too large.");
    }
    const std::size_t room = std::min<std::size_t>(4096, buffer_.max_size() - buffer_.size());
    stream_.async_read_some(buffer_.prepare(room),
                            [self = shared_from_this()](beast::error_code ec, std::size_t n) {
                              if (ec) return self->on_read_error(ec);
                              self->buffer_.commit(n);
                              self->scan_header();
                            });
  }

  void parse_header() {
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(owner_.limits_.max_header_bytes));
    parser_->body_limit(owner_.limits_.max_body_bytes);
    http::async_read_header(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_header(ec); });
  }

  void on_header(beast::error_code ec) {
    if (ec) return on_read_error(ec);
    const auto& header = parser_->get();
    if (static_cast<std::size_t>(std::distance(header.begin(), header.end())) >
        owner_.limits_.max_header_count) {
      return refuse(431, "Request has too many header fields.");
    }
    if (header.version() >= 11 && header.find(http::field::host) == header.end()) {
      return refuse(400, "HTTP/1.1 requests must carry a Host header.");
    }
    if (header.count(http::field::content_length) > 1) {
      return refuse(400, "Request has more than one Content-Length.");
    }
    if (header.find(http::field::content_length) != header.end() &&
        header.find(http::field::transfer_encoding) != header.end()) {
      return refuse(400, "Request has both Content-Length and Transfer-Encoding.");
    }
    if (parser_->is_done()) return dispatch();
    if (beast::iequals(header[http::field::expect], "100-continue")) {
      auto reply = std::make_shared<http::response<http::empty_body>>(http::status::continue_,
                                                                      header.version());
      http::async_write(
          stream_, *reply,
          [self = shared_from_this(), reply](beast::error_code write_ec, std::size_t) {
            if (write_ec) return self->close();
            self->read_body();
          });
      return;
    }
    read_body();
  }

  void read_body() {
    http::async_read(stream_, buffer_, *parser_,
                     [self = shared_from_this()](beast::error_code ec, std::size_t) {
                       if (ec) return self->on_read_error(ec);
                       self->dispatch();
                     });
  }

  void on_read_error(beast::error_code ec) {
    spdlog::debug("connection from {}: {}", remote_, ec.message());
    if (ec == http::error::end_of_stream || ec == beast::error::timeout ||
        ec == asio::error::operation_aborted || ec == http::error::partial_message ||
        ec == asio::error::connection_reset || ec == asio::error::eof) {
      return close();  // nobody is left to read an answer
    }
    if (ec == http::error::body_limit)
      return refuse(413, "Request payload size exceeds the limit.");
    if (ec == http::error::header_limit || ec == http::error::buffer_overflow) {
      return refuse(431, "Request header fields are too large.");
    }
    refuse(400, "The request could not be read.");
  }

  void dispatch() {
    state_ = State::kWorking;
    stream_.expires_never();
    auto message = parser_->release();
    parser_.reset();
    Request request;
    request.method = std::string(message.method_string());
    request.version = static_cast<int>(message.version());
    set_request_target(std::string_view(message.target().data(), message.target().size()), request);
    for (const auto& field : message) {
      request.headers.emplace(std::string(field.name_string()), std::string(field.value()));
    }
    request.body = std::move(message.body());
    request.remote_addr = remote_;
    ++served_;
    const bool keep_alive = message.keep_alive() &&
                            served_ < owner_.limits_.max_requests_per_connection &&
                            !owner_.stopping_;
    const bool head = request.method == "HEAD";
    const int version = request.version;
    asio::post(owner_.workers_, [self = shared_from_this(), request = std::move(request),
                                 keep_alive, head, version]() mutable {
      Response response;
      try {
        self->owner_.handler_(request, response);
      } catch (const std::exception& error) {
        spdlog::error("{} {}: {}", request.method, request.path, error.what());
        response = Response();
        self->owner_.error_page_(500, "Internal error encountered.", response);
      }
      asio::post(self->owner_.io_, [self, response = std::move(response), keep_alive, head,
                                    version]() mutable {
        self->write(std::move(response), keep_alive && !self->owner_.stopping_, head, version);
      });
    });
  }

  // Answers a request the transport will not pass on, then closes: the rest of what
  // the client sends is not read.
  void refuse(int status, const std::string& message) {
    parser_.reset();
    lingering_ = true;
    Response response;
    owner_.error_page_(status, message, response);
    write(std::move(response), false, false, 11);
  }

  void linger() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    buffer_.clear();
    if (lingered_ == 0) stream_.expires_after(kLingerTime);  // one deadline for all of it
    stream_.async_read_some(buffer_.prepare(buffer_.max_size()),
                            [self = shared_from_this()](beast::error_code ec, std::size_t n) {
                              self->lingered_ += n;
                              if (ec || self->lingered_ > kLingerBytes) return self->close();
                              self->linger();
                            });
  }

  void write(Response response, bool keep_alive, bool head, int version) {
    if (response.stream) {
      if (!head) return write_stream(std::move(response), version);
      response.stream->close();  // HEAD: the headers a GET would send, no events
      response.stream.reset();
    }
    state_ = State::kWriting;
    auto reply = std::make_shared<http::response<http::string_body>>();
    reply->version(static_cast<unsigned>(version));
    reply->result(static_cast<unsigned>(response.status));
    for (const auto& [name, value] : response.headers) reply->insert(name, value);
    if (head) {
      reply->content_length(response.body.size());  // the size a GET would send
    } else {
      reply->body() = std::move(response.body);
      reply->prepare_payload();
    }
    reply->keep_alive(keep_alive);
    stream_.expires_after(owner_.limits_.write_timeout);
    http::async_write(
        stream_, *reply,
        [self = shared_from_this(), reply, keep_alive](beast::error_code ec, std::size_t) {
          if (!ec && self->lingering_) return self->linger();
          if (ec || !keep_alive) return self->close();
          self->wait_for_request();
        });
  }

  void close() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    stream_.socket().close(ignored);
  }

  // A streaming response (ResponseStream): the header, then each piece the stream
  // has as it comes (chunked; HTTP/1.0: until the connection closes). No worker
  // waits for it: the stream wakes the I/O thread, which writes one piece at a
  // time, each within write_timeout, so a client that stops reading is closed.
  void write_stream(Response response, int version) {
    state_ = State::kStreaming;
    body_stream_ = std::move(response.stream);
    chunked_ = version >= 11;
    auto header = std::make_shared<http::response<http::empty_body>>();
    header->version(static_cast<unsigned>(version));
    header->result(static_cast<unsigned>(response.status));
    for (const auto& [name, value] : response.headers) header->insert(name, value);
    header->keep_alive(false);
    if (chunked_) header->chunked(true);
    auto serializer = std::make_shared<http::response_serializer<http::empty_body>>(*header);
    stream_.expires_after(owner_.limits_.write_timeout);
    http::async_write_header(
        stream_, *serializer,
        [self = shared_from_this(), header, serializer](beast::error_code ec, std::size_t) {
          if (ec) return self->end_stream();
          self->watch_for_close();
          self->body_stream_->open(
              [weak = std::weak_ptr<Connection>(self), &io = self->owner_.io_] {
                asio::post(io, [weak] {
                  if (const auto connection = weak.lock()) connection->pump();
                });
              });
          self->pump();
        });
  }

  // A client that goes away is noticed at once, not at the next write: the
  // socket is read (past the stream's timers) and anything sent is dropped.
  void watch_for_close() {
    stream_.socket().async_read_some(
        asio::buffer(probe_), [self = shared_from_this()](beast::error_code ec, std::size_t) {
          if (ec) return self->end_stream();
          self->watch_for_close();
        });
  }

  void pump() {
    if (state_ != State::kStreaming || piece_in_flight_) return;  // written: pumps again
    auto piece = std::make_shared<std::string>();
    const bool more = body_stream_->take(*piece);
    if (piece->empty()) {
      if (!more) finish_stream();
      return;
    }
    piece_in_flight_ = true;
    auto written = [self = shared_from_this(), piece, more](beast::error_code ec, std::size_t) {
      self->piece_in_flight_ = false;
      if (ec) return self->end_stream();
      if (!more) return self->finish_stream();
      self->pump();
    };
    stream_.expires_after(owner_.limits_.write_timeout);
    if (chunked_) {
      asio::async_write(stream_, http::make_chunk(asio::buffer(*piece)), std::move(written));
    } else {
      asio::async_write(stream_, asio::buffer(*piece), std::move(written));
    }
  }

  // The stream ended by itself: the last chunk, then close.
  void finish_stream() {
    if (state_ != State::kStreaming) return;
    if (!chunked_) return end_stream();
    piece_in_flight_ = true;
    stream_.expires_after(owner_.limits_.write_timeout);
    asio::async_write(stream_, http::make_chunk_last(),
                      [self = shared_from_this()](beast::error_code, std::size_t) {
                        self->piece_in_flight_ = false;
                        self->end_stream();
                      });
  }

  void end_stream() {
    if (state_ != State::kStreaming) return;
    state_ = State::kWriting;  // nothing more is written or read
    body_stream_->close();
    close();
  }

  HttpListener::Impl& owner_;
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::string remote_;
  int served_ = 0;
  State state_ = State::kIdle;
  std::size_t scanned_ = 0;  // bytes of the buffer known to hold no end of header
  bool lingering_ = false;
  std::size_t lingered_ = 0;
  std::shared_ptr<ResponseStream> body_stream_;  // while streaming
  bool chunked_ = false;
  bool piece_in_flight_ = false;
  std::array<char, 256> probe_{};
};

int HttpListener::Impl::bind(const std::string& host, int port) {
  beast::error_code ec;
  tcp::resolver resolver(io_);
  const auto results = resolver.resolve(
      host, std::to_string(port), tcp::resolver::passive | tcp::resolver::numeric_service, ec);
  if (ec || results.empty()) {
    throw std::runtime_error("cannot resolve " + host + ": " + ec.message());
  }
  const tcp::endpoint endpoint = results.begin()->endpoint();
  const std::string where = host + ":" + std::to_string(port);
  acceptor_.open(endpoint.protocol(), ec);
  // SO_REUSEADDR lets a restarted server bind past TIME_WAIT; without SO_REUSEPORT,
  // Linux still refuses a second listener on the same port.
  if (!ec) acceptor_.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) acceptor_.bind(endpoint, ec);
  if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    beast::error_code ignored;
    acceptor_.close(ignored);
    throw std::runtime_error("cannot bind " + where + ": " + ec.message());
  }
  return acceptor_.local_endpoint().port();
}

void HttpListener::Impl::accept() {
  acceptor_.async_accept(io_, [this](beast::error_code ec, tcp::socket socket) {
    if (stopping_ || ec == asio::error::operation_aborted) return;
    if (ec) {
      // Out of descriptors or memory: back off instead of spinning on the error.
      spdlog::warn("accept failed: {}", ec.message());
      retry_timer_.expires_after(std::chrono::milliseconds(50));
      retry_timer_.async_wait([this](beast::error_code wait_ec) {
        if (!wait_ec) accept();
      });
      return;
    }
    if (open_ >= limits_.max_connections) {
      Response response;
      error_page_(503, "The server has too many open connections.", response);
      std::string reply =
          "HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Type: " +
          response.get_header_value("Content-Type") +
          "\r\nContent-Length: " + std::to_string(response.body.size()) +
          "\r\nRetry-After: 1\r\n\r\n" + response.body;
      beast::error_code ignored;
      socket.non_blocking(true, ignored);
      socket.write_some(asio::buffer(reply), ignored);
      socket.close(ignored);
    } else {
      std::make_shared<Connection>(*this, std::move(socket))->start();
    }
    accept();
  });
}

void HttpListener::Impl::run() {
  if (!acceptor_.is_open()) throw std::runtime_error("HttpListener::run() before bind()");
  running_ = true;
  accept();
  io_.run();
  // No handler may run after run() returns: the owner is about to go away.
  workers_.join();
  running_ = false;
}

void HttpListener::Impl::stop() {
  if (stopping_.exchange(true)) return;
  asio::post(io_, [this] { begin_stop(); });
}

void HttpListener::Impl::begin_stop() {
  beast::error_code ignored;
  acceptor_.close(ignored);
  retry_timer_.cancel();
  {
    std::lock_guard lock(connections_mutex_);
    for (Connection* connection : connections_) connection->on_stop();
  }
  check_drained(std::chrono::steady_clock::now() + limits_.read_timeout + limits_.write_timeout);
}

void HttpListener::Impl::check_drained(std::chrono::steady_clock::time_point deadline) {
  if (open_ == 0 || std::chrono::steady_clock::now() >= deadline) {
    io_.stop();
    return;
  }
  drain_timer_.expires_after(kDrainPoll);
  drain_timer_.async_wait([this, deadline](beast::error_code) { check_drained(deadline); });
}

HttpListener::HttpListener(ListenerLimits limits, Handler handler, ErrorPage error_page)
    : impl_(std::make_unique<Impl>(limits, std::move(handler), std::move(error_page))) {}

HttpListener::~HttpListener() = default;

int HttpListener::bind(const std::string& host, int port) { return impl_->bind(host, port); }
void HttpListener::run() { impl_->run(); }
void HttpListener::stop() { impl_->stop(); }
bool HttpListener::running() const { return impl_->running_; }
std::size_t HttpListener::open_connections() const { return impl_->open_; }

}  // namespace comity::server
