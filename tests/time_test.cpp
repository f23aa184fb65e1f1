// Time in one place (include/comity/time.h): RFC 3339 read strictly, export times
// read leniently by the same parser, formatting, and the clock.
#include "comity/time.h"

#include <gtest/gtest.h>

#include <chrono>

namespace comity {
namespace {

TEST(Time, Rfc3339NeedsEveryPart) {
  const auto ten = parse_rfc3339("2026-05-01T10:00:00Z");
  ASSERT_TRUE(ten);
  EXPECT_EQ(*ten, 1777629600);
  for (const char* same :
       {"2026-05-01t10:00:00z", "2026-05-01 10:00:00Z", "2026-05-01T10:00:00.999Z",
        "2026-05-01T12:00:00+02:00", "2026-05-01T09:30:00-00:30"}) {
    EXPECT_EQ(parse_rfc3339(same), ten) << same;
  }
  for (const char* refused :
       {"2026-05-01", "2026-05-01T10:00Z", "2026-05-01T10:00:00", "2026-05-01T10:00:00+0200",
        "2026-05-01T10:00:00.Z", "2026-05-01T10:00:00Zjunk", "2026-13-01T10:00:00Z",
        "2026-05-01T24:00:00Z", "yesterday", ""}) {
    EXPECT_FALSE(parse_rfc3339(refused)) << refused;
  }
}

TEST(Time, ExportTimesAreReadLeniently) {
  // What WordPress and Disqus write: no zone is UTC, seconds may be missing.
  EXPECT_EQ(parse_thread_time("2026-05-01 10:00:00"), 1777629600);
  EXPECT_EQ(parse_thread_time("2026-05-01T10:00"), 1777629600);
  EXPECT_EQ(parse_thread_time("2026-05-01T11:00:00+0100"), 1777629600);
  EXPECT_EQ(parse_thread_time("2026-05-01"), 1777593600);
  EXPECT_FALSE(parse_thread_time("01/05/2026"));
}

TEST(Time, FormattingRoundTripsAndTheClockIsNow) {
  EXPECT_EQ(format_rfc3339(0), "1970-01-01T00:00:00Z");
  EXPECT_EQ(format_rfc3339(1777629600), "2026-05-01T10:00:00Z");
  EXPECT_EQ(parse_rfc3339(format_rfc3339(1777629600)), 1777629600);
  const std::int64_t system = std::chrono::duration_cast<std::chrono::seconds>(
                                  std::chrono::system_clock::now().time_since_epoch())
                                  .count();
  EXPECT_LE(std::llabs(unix_now() - system), 1);
  const std::string stamp = utc_now_rfc3339();
  ASSERT_EQ(stamp.size(), 24u) << stamp;  // 2026-05-01T10:00:00.123Z
  const auto parsed = parse_rfc3339(stamp);
  ASSERT_TRUE(parsed) << stamp;
  EXPECT_LE(std::llabs(*parsed - unix_now()), 1);
}

}  // namespace
}  // namespace comity
