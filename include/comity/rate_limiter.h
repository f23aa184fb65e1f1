// Per-API-key request quota.
//
// A token bucket per key: it holds up to `limit_per_minute` requests and refills
// continuously at limit/60 per second. Unlike fixed one-minute windows, a client
// cannot get twice its quota by bursting across a window boundary, and a client
// that is over quota learns exactly when its next request will be accepted.
// Time is passed in so tests (and replays) control the clock.
#pragma once
#include <chrono>
#include <cstdint>
#include <mutex>
#include <unordered_map>

namespace comity {

class RateLimiter {
 public:
  using Clock = std::chrono::steady_clock;

  struct Decision {
    bool allowed = true;
    // When refused: how long until one request's worth has refilled (rounded up).
    std::chrono::milliseconds retry_after{0};
  };

  // Takes one request from `key_id`'s bucket. limit_per_minute <= 0 means unlimited.
  // A key's limit may change between calls (e.g. the key was edited); its stored
  // allowance is clamped to the new limit.
  Decision check(std::int64_t key_id, int limit_per_minute, Clock::time_point now);
  bool allow(std::int64_t key_id, int limit_per_minute, Clock::time_point now) {
    return check(key_id, limit_per_minute, now).allowed;
  }
  bool allow(std::int64_t key_id, int limit_per_minute) {
    return allow(key_id, limit_per_minute, Clock::now());
  }

  // Drops a key's state, e.g. after it is revoked.
  void forget(std::int64_t key_id);

 private:
  struct Bucket {
    double tokens = 0;
    Clock::time_point refilled_at;
  };
  std::mutex mutex_;
  // One entry per API key that has made a request: bounded by the number of keys.
  std::unordered_map<std::int64_t, Bucket> buckets_;
};

}  // namespace comity
