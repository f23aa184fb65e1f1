#include "comity/rate_limiter.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

namespace comity {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
const RateLimiter::Clock::time_point kStart{seconds(1000)};

TEST(RateLimiter, ZeroMeansUnlimited) {
  RateLimiter limiter;
  for (int i = 0; i < 10000; ++i) ASSERT_TRUE(limiter.allow(1, 0, kStart));
}

TEST(RateLimiter, AllowsAFullMinuteOfRequestsThenRefuses) {
  RateLimiter limiter;
  for (int i = 0; i < 60; ++i) ASSERT_TRUE(limiter.allow(1, 60, kStart)) << i;
  const auto refused = limiter.check(1, 60, kStart);
  EXPECT_FALSE(refused.allowed);
  EXPECT_EQ(refused.retry_after, milliseconds(1000));  // one request refills each second
}

TEST(RateLimiter, RefillsContinuously) {
  RateLimiter limiter;
  for (int i = 0; i < 60; ++i) ASSERT_TRUE(limiter.allow(1, 60, kStart));
  EXPECT_FALSE(limiter.allow(1, 60, kStart + milliseconds(500)));
  EXPECT_TRUE(limiter.allow(1, 60, kStart + milliseconds(1000)));
  EXPECT_FALSE(limiter.allow(1, 60, kStart + milliseconds(1000)));
  // After a quiet minute the bucket is full again, but never fuller.
  int allowed = 0;
  while (limiter.allow(1, 60, kStart + seconds(600))) ++allowed;
  EXPECT_EQ(allowed, 60);
}

TEST(RateLimiter, NoDoubleQuotaAcrossAMinuteBoundary) {
  RateLimiter limiter;
  const auto end_of_minute = kStart + milliseconds(59'900);
  int allowed = 0;
  // A client idle for a minute bursts just before and just after the boundary.
  for (int i = 0; i < 100; ++i) allowed += limiter.allow(7, 30, end_of_minute);
  for (int i = 0; i < 100; ++i) allowed += limiter.allow(7, 30, end_of_minute + milliseconds(200));
  EXPECT_EQ(allowed, 30);
}

TEST(RateLimiter, SustainedTrafficIsHeldToTheLimit) {
  RateLimiter limiter;
  int allowed = 0;
  // Ten requests a second for ten minutes against a 30-per-minute key.
  for (int tick = 0; tick < 6000; ++tick) {
    allowed += limiter.allow(3, 30, kStart + milliseconds(100 * tick));
  }
  EXPECT_GE(allowed, 30 * 10);
  EXPECT_LE(allowed, 30 + 30 * 10);
}

TEST(RateLimiter, KeysAreIndependent) {
  RateLimiter limiter;
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(limiter.allow(1, 5, kStart));
  EXPECT_FALSE(limiter.allow(1, 5, kStart));
  EXPECT_TRUE(limiter.allow(2, 5, kStart));
  limiter.forget(1);
  EXPECT_TRUE(limiter.allow(1, 5, kStart));
}

TEST(RateLimiter, ABackwardsClockMintsNothing) {
  RateLimiter limiter;
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(limiter.allow(1, 10, kStart));
  EXPECT_FALSE(limiter.allow(1, 10, kStart - seconds(3600)));
  EXPECT_FALSE(limiter.allow(1, 10, kStart));
}

TEST(RateLimiter, LoweringTheLimitClampsTheAllowance) {
  RateLimiter limiter;
  ASSERT_TRUE(limiter.allow(1, 100, kStart));  // bucket now holds 99
  int allowed = 0;
  while (limiter.allow(1, 3, kStart)) ++allowed;
  EXPECT_EQ(allowed, 3);
}

TEST(RateLimiter, ConcurrentCallersShareOneBucket) {
  RateLimiter limiter;
  std::atomic<int> allowed{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 500; ++i) allowed += limiter.allow(9, 100, kStart);
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(allowed.load(), 100);
}

}  // namespace
}  // namespace comity
