#include "server/event_hub.h"

#include <fmt/format.h>

#include <algorithm>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace comity::server {

class EventSubscriber;

struct EventHubState {
  explicit EventHubState(EventHubOptions o) : options(o) {}

  // Appends `message` to `subscriber`'s buffer, or drops the subscriber when it
  // would overflow; then wakes its transport. Holds `mutex`.
  void deliver(EventSubscriber& subscriber, const std::string& message);

  const EventHubOptions options;
  mutable std::mutex mutex;
  std::vector<EventSubscriber*> subscribers;
  std::uint64_t next_id = 1;
  std::uint64_t dropped = 0;
  bool stopping = false;
  std::condition_variable wake_heartbeat;
  std::thread heartbeat;
};

// One client's stream: what it has not read yet, and how to wake its transport.
class EventSubscriber final : public ResponseStream {
 public:
  EventSubscriber(std::shared_ptr<EventHubState> state, std::string topic, std::string first)
      : state_(std::move(state)),
        topic_(std::move(topic)),
        pending_(std::move(first)),
        ends_at_(std::chrono::steady_clock::now() + state_->options.max_age) {}
  ~EventSubscriber() override { close(); }

  void open(std::function<void()> wake) override {
    std::lock_guard lock(state_->mutex);
    if (ended_) return;
    wake_ = std::move(wake);
    if (!pending_.empty()) wake_();
  }

  bool take(std::string& out) override {
    std::lock_guard lock(state_->mutex);
    out.append(pending_);
    pending_.clear();
    return !ended_;
  }

  void close() override {
    std::lock_guard lock(state_->mutex);
    end_locked();
    wake_ = nullptr;
  }

  const std::string& topic() const { return topic_; }
  bool expired(std::chrono::steady_clock::time_point now) const { return now >= ends_at_; }

  // Leaves the hub: no more events; the transport writes what is pending and
  // closes. The hub's mutex is held.
  void end_locked() {
    if (ended_) return;
    ended_ = true;
    auto& list = state_->subscribers;
    list.erase(std::remove(list.begin(), list.end(), this), list.end());
    if (wake_) wake_();
  }

 private:
  friend struct EventHubState;
  std::shared_ptr<EventHubState> state_;
  const std::string topic_;
  std::string pending_;
  const std::chrono::steady_clock::time_point ends_at_;
  bool ended_ = false;
  std::function<void()> wake_;
};

void EventHubState::deliver(EventSubscriber& subscriber, const std::string& message) {
  if (subscriber.pending_.size() + message.size() > options.max_buffer_bytes) {
    // The client reads slower than events come: drop it rather than buffer without end.
    subscriber.pending_.clear();
    ++dropped;
    subscriber.end_locked();
    return;
  }
  subscriber.pending_.append(message);
  if (subscriber.wake_) subscriber.wake_();
}

EventHub::EventHub(EventHubOptions options) : state_(std::make_shared<EventHubState>(options)) {
  state_->heartbeat = std::thread([state = state_.get()] {
    std::unique_lock lock(state->mutex);
    while (!state->stopping) {
      state->wake_heartbeat.wait_for(lock, state->options.heartbeat);
      if (state->stopping) break;
      // deliver() may drop a subscriber, which removes it from the list.
      const std::vector<EventSubscriber*> everyone = state->subscribers;
      const auto now = std::chrono::steady_clock::now();
      for (EventSubscriber* subscriber : everyone) {
        if (subscriber->expired(now)) {
          subscriber->end_locked();  // the client reconnects, credentials checked again
        } else {
          state->deliver(*subscriber, ": heartbeat\n\n");
        }
      }
    }
  });
}

EventHub::~EventHub() {
  {
    std::lock_guard lock(state_->mutex);
    state_->stopping = true;
    while (!state_->subscribers.empty()) state_->subscribers.back()->end_locked();
  }
  state_->wake_heartbeat.notify_all();
  state_->heartbeat.join();
}

std::shared_ptr<ResponseStream> EventHub::subscribe(const std::string& topic) {
  const auto retry_ms = std::max<long long>(1000, state_->options.heartbeat.count() / 5);
  // retry: how long a browser waits before reconnecting after the stream ends.
  auto subscriber = std::make_shared<EventSubscriber>(
      state_, topic, fmt::format("retry: {}\n: subscribed\n\n", retry_ms));
  std::lock_guard lock(state_->mutex);
  if (state_->stopping || state_->subscribers.size() >= state_->options.max_subscribers) {
    return nullptr;
  }
  state_->subscribers.push_back(subscriber.get());
  return subscriber;
}

void EventHub::publish(const std::string& topic, const std::string& type, const std::string& data) {
  std::lock_guard lock(state_->mutex);
  const std::string message =
      fmt::format("id: {}\nevent: {}\ndata: {}\n\n", state_->next_id++, type, data);
  const std::vector<EventSubscriber*> everyone = state_->subscribers;
  for (EventSubscriber* subscriber : everyone) {
    if (subscriber->topic() == topic) state_->deliver(*subscriber, message);
  }
}

std::size_t EventHub::subscribers() const {
  std::lock_guard lock(state_->mutex);
  return state_->subscribers.size();
}

std::uint64_t EventHub::dropped() const {
  std::lock_guard lock(state_->mutex);
  return state_->dropped;
}

void stream_events(Response& response, std::shared_ptr<ResponseStream> stream) {
  response.status = 200;
  response.set_header("Content-Type", "text/event-stream; charset=utf-8");
  response.set_header("Cache-Control", "no-cache");
  response.set_header("X-Accel-Buffering", "no");  // nginx: pass events on at once
  response.stream = std::move(stream);
}

}  // namespace comity::server
