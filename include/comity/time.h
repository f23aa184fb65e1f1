// Time, in one place: the clock, and RFC 3339 / export timestamps read and written.
// Every subsystem (stores, intake, routes, webhooks, console accounts, thread
// imports) takes "now" and parses and formats times here.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace comity {

// Seconds since the Unix epoch, now.
std::int64_t unix_now();
// Now as RFC 3339 UTC with milliseconds ("2026-05-01T12:00:00.123Z"): the stores'
// timestamps, which sort lexically in time order.
std::string utc_now_rfc3339();

// RFC 3339 ("2026-05-01T12:00:00Z"; fractions, a lower-case t or z, a space for the
// T and +hh:mm offsets allowed) to Unix seconds; nullopt for anything else.
std::optional<std::int64_t> parse_rfc3339(std::string_view text);
// Unix seconds as RFC 3339 UTC, whole seconds ("2026-05-01T12:00:00Z").
std::string format_rfc3339(std::int64_t unix_seconds);

// Seconds since the epoch for the ISO-8601-like times of site exports ("2021-03-17
// 10:02:03" as WordPress writes them, "2021-03-17T10:02:03Z", "+01:00" or "+0100"
// offsets, no seconds, no zone meaning UTC); nullopt for anything else.
std::optional<long long> parse_thread_time(std::string_view time);

}  // namespace comity
