#ifndef USERS_GATEWAY_STRING_UTIL_H_
#define USERS_GATEWAY_STRING_UTIL_H_

// String helpers on std::string_view. Debian's Abseil is built with its own
// absl::string_view, which does not convert from std::string_view, so the
// gateway (whose HTTP layer speaks std::string_view) uses these instead of
// absl/strings.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace users::gateway {

namespace string_util_internal {
inline void Append(std::string& out, std::string_view piece) {
  out.append(piece.data(), piece.size());
}
inline void Append(std::string& out, const char* piece) { out.append(piece); }
inline void Append(std::string& out, const std::string& piece) {
  out.append(piece);
}
inline void Append(std::string& out, char piece) { out.push_back(piece); }
template <typename Number,
          typename = std::enable_if_t<std::is_arithmetic_v<Number>>>
void Append(std::string& out, Number number) {
  out.append(std::to_string(number));
}
}  // namespace string_util_internal

// Concatenates strings, characters and integers, like absl::StrCat.
template <typename... Pieces>
std::string Cat(const Pieces&... pieces) {
  std::string out;
  (string_util_internal::Append(out, pieces), ...);
  return out;
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b);
bool StartsWithIgnoreCase(std::string_view text, std::string_view prefix);
// Drops ASCII whitespace at both ends.
std::string_view StripWhitespace(std::string_view text);
// Splits at every `separator`; "" gives one empty piece.
std::vector<std::string_view> Split(std::string_view text, char separator);
// Removes `prefix` from the front of `*text` when it is there.
bool ConsumePrefix(std::string_view* text, std::string_view prefix);
std::string Join(const std::vector<std::string>& pieces,
                 std::string_view separator);
// A decimal int64 with an optional '-', nothing else; nullopt on overflow.
std::optional<int64_t> ParseInt64(std::string_view text);

}  // namespace users::gateway

#endif  // USERS_GATEWAY_STRING_UTIL_H_
