// Server-sent events (text/event-stream) for live pages: publishers hand the hub
// an event for a topic (a community), every subscriber of that topic gets it as
//   id: <n>\nevent: <type>\ndata: <json>\n\n
// Bounded everywhere: at most max_subscribers streams at once (subscribe() answers
// null beyond), and each subscriber buffers at most max_buffer_bytes that its
// client has not read yet; past that the subscriber is dropped (its stream ends,
// the browser's EventSource reconnects and reloads). Publishing never waits for a
// client. A heartbeat comment every `heartbeat` keeps proxies from closing idle
// streams and lets the transport notice clients that have gone. A stream ends
// after `max_age` (at the next heartbeat): the browser reconnects through its
// credentials again, so a revoked key or an ended console session stops hearing
// events within that time.
#pragma once
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "server/http_message.h"

namespace comity::server {

struct EventHubOptions {
  std::size_t max_subscribers = 100;
  std::size_t max_buffer_bytes = 256 * 1024;
  std::chrono::milliseconds heartbeat{std::chrono::seconds(15)};
  std::chrono::milliseconds max_age{std::chrono::minutes(5)};
};

struct EventHubState;  // event_hub.cpp

class EventHub {
 public:
  explicit EventHub(EventHubOptions options = {});
  ~EventHub();  // ends every stream
  EventHub(const EventHub&) = delete;
  EventHub& operator=(const EventHub&) = delete;

  // A stream of `topic`'s events for Response::stream, or null when
  // max_subscribers streams are open. It starts with a comment and `retry:`.
  std::shared_ptr<ResponseStream> subscribe(const std::string& topic);
  // One event to every subscriber of `topic`; `data` is one line of JSON.
  void publish(const std::string& topic, const std::string& type, const std::string& data);

  std::size_t subscribers() const;
  // Subscribers dropped so far because their client read too slowly.
  std::uint64_t dropped() const;

 private:
  std::shared_ptr<EventHubState> state_;
};

// Sets the headers of an event stream (text/event-stream, no caching, no
// proxy buffering) and `stream` on `response`.
void stream_events(Response& response, std::shared_ptr<ResponseStream> stream);

}  // namespace comity::server
