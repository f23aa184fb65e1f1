// Time in one place (include/comity/time.h): the clock, RFC 3339 as the API reads
// and writes it, and the ISO-8601-ish timestamps of site exports as WordPress
// ("2021-03-17 10:02:03") and Disqus ("2021-03-17T10:02:03Z") write them. One
// parser reads both; RFC 3339 only asks more of the text first.
#include <chrono>
#include <cstdio>
#include <ctime>

#include "comity/time.h"

namespace comity {
namespace {

// Days since 1970-01-01 in the proleptic Gregorian calendar.
long long days_from_civil(long long y, unsigned m, unsigned d) {
  y -= m <= 2;
  const long long era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<long long>(doe) - 719468;
}

bool digits(std::string_view s, std::size_t at, std::size_t n, int& out) {
  if (at + n > s.size()) return false;
  out = 0;
  for (std::size_t i = at; i < at + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    out = out * 10 + (s[i] - '0');
  }
  return true;
}

}  // namespace

std::optional<long long> parse_thread_time(std::string_view t) {
  int y, mo, d, h = 0, mi = 0, s = 0;
  if (!digits(t, 0, 4, y) || t.size() < 10 || t[4] != '-' || !digits(t, 5, 2, mo) || t[7] != '-' ||
      !digits(t, 8, 2, d)) {
    return std::nullopt;
  }
  if (mo < 1 || mo > 12 || d < 1 || d > 31) return std::nullopt;
  std::size_t at = 10;
  if (at < t.size() && (t[at] == 'T' || t[at] == ' ')) {
    if (!digits(t, at + 1, 2, h) || at + 3 >= t.size() || t[at + 3] != ':' ||
        !digits(t, at + 4, 2, mi)) {
      return std::nullopt;
    }
    at += 6;
    if (at < t.size() && t[at] == ':') {
      if (!digits(t, at + 1, 2, s)) return std::nullopt;
      at += 3;
    }
    if (at < t.size() && t[at] == '.') {  // fractional seconds
      ++at;
      while (at < t.size() && t[at] >= '0' && t[at] <= '9') ++at;
    }
  }
  if (h > 23 || mi > 59 || s > 60) return std::nullopt;
  long long offset = 0;
  if (at < t.size() && t[at] == 'Z') {
    ++at;
  } else if (at < t.size() && (t[at] == '+' || t[at] == '-')) {
    int oh, om = 0;
    if (!digits(t, at + 1, 2, oh)) return std::nullopt;
    std::size_t next = at + 3;
    if (next < t.size() && t[next] == ':') ++next;
    if (next < t.size() && digits(t, next, 2, om)) next += 2;
    offset = (t[at] == '+' ? 1 : -1) * (oh * 3600LL + om * 60LL);
    at = next;
  }
  if (at != t.size()) return std::nullopt;
  return days_from_civil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d)) * 86400LL +
         h * 3600LL + mi * 60LL + s - offset;
}

std::optional<std::int64_t> parse_rfc3339(std::string_view text) {
  // RFC 3339 has every part the export reader may go without: a time with
  // seconds and a zone, "Z" or an offset with its colon.
  const auto digit = [&](std::size_t at) {
    return at < text.size() && text[at] >= '0' && text[at] <= '9';
  };
  if (text.size() < 20 || (text[10] != 'T' && text[10] != 't' && text[10] != ' ') ||
      text[13] != ':' || text[16] != ':' || !digit(17) || !digit(18)) {
    return std::nullopt;
  }
  std::size_t at = 19;
  if (text[at] == '.') {
    ++at;
    if (!digit(at)) return std::nullopt;
    while (digit(at)) ++at;
  }
  std::string normal(text);
  if (at + 1 == text.size() && (text[at] == 'Z' || text[at] == 'z')) {
    normal[at] = 'Z';
  } else if (!(at + 6 == text.size() && (text[at] == '+' || text[at] == '-') && digit(at + 1) &&
               digit(at + 2) && text[at + 3] == ':' && digit(at + 4) && digit(at + 5))) {
    return std::nullopt;
  }
  normal[10] = 'T';
  const auto seconds = parse_thread_time(normal);
  if (!seconds) return std::nullopt;
  return static_cast<std::int64_t>(*seconds);
}

std::string format_rfc3339(std::int64_t unix_seconds) {
  const auto seconds = static_cast<std::time_t>(unix_seconds);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char buffer[32];
  std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return buffer;
}

std::int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string utc_now_rfc3339() {
  const auto now = std::chrono::system_clock::now();
  const auto millis =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  const std::time_t seconds = std::chrono::system_clock::to_time_t(now);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char buffer[40];
  const std::size_t n = std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%S", &utc);
  std::snprintf(buffer + n, sizeof buffer - n, ".%03dZ", static_cast<int>(millis));
  return buffer;
}

}  // namespace comity
