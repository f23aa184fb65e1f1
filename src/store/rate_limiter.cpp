#include "comity/rate_limiter.h"

#include <algorithm>
#include <cmath>

namespace comity {

RateLimiter::Decision RateLimiter::check(std::int64_t key_id, int limit_per_minute,
                                         Clock::time_point now) {
  if (limit_per_minute <= 0) return {};
  const double capacity = limit_per_minute;
  const double per_second = capacity / 60.0;

  std::lock_guard lock(mutex_);
  auto [it, inserted] = buckets_.try_emplace(key_id, Bucket{capacity, now});
  Bucket& bucket = it->second;
  if (!inserted) {
    // A clock that appears to go backwards (callers mixing time sources) must not
    // mint tokens, so only positive elapsed time refills.
    const double elapsed = std::chrono::duration<double>(now - bucket.refilled_at).count();
    if (elapsed > 0) {
      bucket.tokens = std::min(capacity, bucket.tokens + elapsed * per_second);
      bucket.refilled_at = now;
    }
    bucket.tokens = std::min(bucket.tokens, capacity);
  }
  if (bucket.tokens >= 1.0) {
    bucket.tokens -= 1.0;
    return {};
  }
  const double wait_seconds = (1.0 - bucket.tokens) / per_second;
  return {false,
          std::chrono::milliseconds(static_cast<std::int64_t>(std::ceil(wait_seconds * 1000)))};
}

void RateLimiter::forget(std::int64_t key_id) {
  std::lock_guard lock(mutex_);
  buckets_.erase(key_id);
}

}  // namespace comity
