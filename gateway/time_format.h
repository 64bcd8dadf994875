#ifndef USERS_GATEWAY_TIME_FORMAT_H_
#define USERS_GATEWAY_TIME_FORMAT_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "google/protobuf/timestamp.pb.h"
#include "google/type/date.pb.h"

namespace users::gateway {

// "2023-01-01T12:00:00Z": RFC 3339 in UTC, whole seconds.
std::string FormatRfc3339Seconds(const google::protobuf::Timestamp& time);

// "2023-01-01T12:00:00.000Z": RFC 3339 in UTC, milliseconds.
std::string FormatRfc3339Millis(const google::protobuf::Timestamp& time);

// Seconds since the Unix epoch of an RFC 3339 time, or nullopt.
std::optional<int64_t> ParseRfc3339Seconds(std::string_view text);

// "1990-01-01T00:00:00.000Z" for a date (midnight UTC), or "" when unset.
std::string FormatDateAsMidnightUtc(const google::type::Date& date);

// Parses an ISO 8601 date ("1990-01-01") or date-time
// ("1990-01-01T10:00:00Z", "1990-01-01T10:00:00.000+02:00") into the
// calendar date written; nullopt when the text is neither or the date does
// not exist.
std::optional<google::type::Date> ParseIsoDate(std::string_view text);

// Seconds from `now_unix_seconds` until `expire`, never negative.
int64_t SecondsUntil(const google::protobuf::Timestamp& expire,
                     int64_t now_unix_seconds);

// The current Unix time in seconds.
int64_t NowUnixSeconds();

}  // namespace users::gateway

#endif  // USERS_GATEWAY_TIME_FORMAT_H_
