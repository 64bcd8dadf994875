#include "gateway/time_format.h"

#include <chrono>

#include "absl/strings/ascii.h"
#include "absl/time/time.h"
#include "gateway/string_util.h"

namespace users::gateway {
namespace {

absl::Time ToAbsl(const google::protobuf::Timestamp& time) {
  return absl::FromUnixSeconds(time.seconds()) +
         absl::Nanoseconds(time.nanos());
}

bool AllDigits(std::string_view text) {
  if (text.empty()) return false;
  for (char c : text) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

int DaysInMonth(int year, int month) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30,
                                  31, 31, 30, 31, 30, 31};
  bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return month == 2 && leap ? 29 : kDays[month - 1];
}

}  // namespace

std::string FormatRfc3339Seconds(const google::protobuf::Timestamp& time) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", ToAbsl(time),
                          absl::UTCTimeZone());
}

std::string FormatRfc3339Millis(const google::protobuf::Timestamp& time) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", ToAbsl(time),
                          absl::UTCTimeZone());
}

std::optional<int64_t> ParseRfc3339Seconds(std::string_view text) {
  absl::Time time;
  std::string error;
  if (!absl::ParseTime(absl::RFC3339_full, std::string(text), &time, &error)) {
    return std::nullopt;
  }
  return absl::ToUnixSeconds(time);
}

std::string FormatDateAsMidnightUtc(const google::type::Date& date) {
  if (date.year() == 0 && date.month() == 0 && date.day() == 0) return {};
  char buffer[40];
  std::snprintf(buffer, sizeof buffer, "%04d-%02d-%02dT00:00:00.000Z",
                date.year(), date.month(), date.day());
  return buffer;
}

std::optional<google::type::Date> ParseIsoDate(std::string_view text) {
  if (text.size() < 10 || text[4] != '-' || text[7] != '-') {
    return std::nullopt;
  }
  std::string_view year_text = text.substr(0, 4);
  std::string_view month_text = text.substr(5, 2);
  std::string_view day_text = text.substr(8, 2);
  if (!AllDigits(year_text) || !AllDigits(month_text) || !AllDigits(day_text)) {
    return std::nullopt;
  }
  int year = static_cast<int>(ParseInt64(year_text).value_or(0));
  int month = static_cast<int>(ParseInt64(month_text).value_or(0));
  int day = static_cast<int>(ParseInt64(day_text).value_or(0));
  if (year < 1 || month < 1 || month > 12 || day < 1 ||
      day > DaysInMonth(year, month)) {
    return std::nullopt;
  }
  if (text.size() > 10) {
    // A date-time: the rest must make a valid RFC 3339 time.
    if (text[10] != 'T' && text[10] != 't') return std::nullopt;
    if (!ParseRfc3339Seconds(text)) return std::nullopt;
  }
  google::type::Date date;
  date.set_year(year);
  date.set_month(month);
  date.set_day(day);
  return date;
}

int64_t SecondsUntil(const google::protobuf::Timestamp& expire,
                     int64_t now_unix_seconds) {
  int64_t remaining = expire.seconds() - now_unix_seconds;
  return remaining < 0 ? 0 : remaining;
}

int64_t NowUnixSeconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace users::gateway
