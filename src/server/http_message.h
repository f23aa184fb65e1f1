// One HTTP request or response as the route handlers see it, independent of the
// transport that read it (HttpListener) or built it (an embedded /batch part, the
// console's in-process calls). Header names compare case-insensitively.
#pragma once
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>

namespace comity::server {

struct CaseInsensitiveLess {
  bool operator()(const std::string& a, const std::string& b) const;
};

using Headers = std::multimap<std::string, std::string, CaseInsensitiveLess>;
using Params = std::multimap<std::string, std::string>;

// The first value of `name`, or `fallback`.
std::string first_header_value(const Headers& headers, const std::string& name,
                               const std::string& fallback);
// Drops every value of `name`, then adds `value`.
void replace_header(Headers& headers, const std::string& name, const std::string& value);

struct Request {
  std::string method;  // "GET", "POST", ...
  std::string target;  // as sent, after an absolute-form scheme and authority are dropped
  std::string path;    // target before '?', percent-decoded
  Params params;       // the query string, decoded; never the body
  Headers headers;
  std::string body;
  std::string remote_addr;
  int version = 11;  // 10 for HTTP/1.0, 11 for HTTP/1.1

  bool has_header(const std::string& name) const { return headers.count(name) != 0; }
  // Replaces every earlier value of `name`.
  void set_header(const std::string& name, const std::string& value);
  // The first value of `name`, or `fallback`.
  std::string get_header_value(const std::string& name, const std::string& fallback = "") const;
  bool has_param(const std::string& name) const { return params.count(name) != 0; }
  // The first value of `name`, or "".
  std::string get_param_value(const std::string& name) const;
};

// A response body written while it lasts (server-sent events, GET /v1/events).
// The transport sends the status and headers, then calls take() on its I/O
// thread whenever the stream has woken it, writes what take() returned and
// closes the connection once take() says the stream has ended. The stream must
// never block: it buffers what it has to say (boundedly) and ends itself when a
// slow client lets the buffer fill.
class ResponseStream {
 public:
  virtual ~ResponseStream() = default;
  // The headers are on their way. `wake` may be called from any thread, any
  // number of times, until close(): it makes the transport call take() soon.
  virtual void open(std::function<void()> wake) = 0;
  // Moves what is pending into `out`; false once the stream has ended (what
  // `out` holds is still written first).
  virtual bool take(std::string& out) = 0;
  // The connection is gone (the client left, a write timed out, the server is
  // stopping): `wake` must not be called any more.
  virtual void close() = 0;
};

struct Response {
  int status = 200;
  Headers headers;
  std::string body;
  // Set by a streaming route instead of `body`; a transport or caller that
  // cannot stream (an embedded /batch part, HEAD) drops it, which ends it.
  std::shared_ptr<ResponseStream> stream;

  // Replaces every earlier value of `name`.
  void set_header(const std::string& name, const std::string& value);
  void set_content(std::string content, const std::string& content_type);
  bool has_header(const std::string& name) const { return headers.count(name) != 0; }
  std::string get_header_value(const std::string& name) const;
};

// %XX decoding; `plus_as_space` for query strings. Malformed escapes stay as they are.
std::string decode_url(std::string_view text, bool plus_as_space);
// "a=1&b=%20" into `params` (decoded); a name without '=' gets an empty value.
void parse_query(std::string_view query, Params& params);
// Splits an origin-form or absolute-form target ("http://host/p?q") into path and query,
// fills request.target, request.path and request.params.
void set_request_target(std::string_view target, Request& request);

}  // namespace comity::server
