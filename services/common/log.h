#ifndef USERS_SERVICES_COMMON_LOG_H_
#define USERS_SERVICES_COMMON_LOG_H_

#include <cstdint>
#include <initializer_list>
#include <string_view>
#include <utility>
#include <variant>

namespace users {

enum class LogLevel { kDebug, kInfo, kWarning, kError };

// One field of a log event. Values are strings, integers, doubles or bools.
struct LogField {
  using Value = std::variant<std::string_view, int64_t, double, bool>;
  LogField(std::string_view k, std::string_view v) : key(k), value(v) {}
  LogField(std::string_view k, const char* v)
      : key(k), value(std::string_view(v)) {}
  LogField(std::string_view k, int v) : key(k), value(int64_t{v}) {}
  LogField(std::string_view k, int64_t v) : key(k), value(v) {}
  LogField(std::string_view k, uint64_t v)
      : key(k), value(static_cast<int64_t>(v)) {}
  LogField(std::string_view k, double v) : key(k), value(v) {}
  LogField(std::string_view k, bool v) : key(k), value(v) {}
  std::string_view key;
  Value value;
};

// Writes one JSON object per line to stderr:
//   {"ts":"2026-11-24T07:00:00.123Z","level":"info","event":"...",...}
// Thread-safe; a line is written with a single write(2). Callers must never
// pass secrets (passwords, tokens, hashes) as fields.
void Log(LogLevel level, std::string_view event,
         std::initializer_list<LogField> fields = {});

// Events below this level are dropped. Default: kInfo.
void SetMinLogLevel(LogLevel level);

}  // namespace users

#endif  // USERS_SERVICES_COMMON_LOG_H_
