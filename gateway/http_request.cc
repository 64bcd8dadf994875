#include "gateway/http_request.h"

#include "gateway/string_util.h"

namespace users::gateway {

std::string_view HttpRequest::Path() const {
  std::string_view path = target;
  if (size_t q = path.find('?'); q != std::string_view::npos) {
    path = path.substr(0, q);
  }
  return path;
}

std::string_view HttpRequest::Header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (EqualsIgnoreCase(key, name)) return value;
  }
  return {};
}

std::string HttpRequest::JoinedHeader(std::string_view name) const {
  std::string joined;
  for (const auto& [key, value] : headers) {
    if (!EqualsIgnoreCase(key, name)) continue;
    if (!joined.empty()) joined += ", ";
    joined += value;
  }
  return joined;
}

bool HttpRequest::HasHeader(std::string_view name) const {
  for (const auto& header : headers) {
    if (EqualsIgnoreCase(header.first, name)) return true;
  }
  return false;
}

int HttpRequest::HeaderCount(std::string_view name) const {
  int count = 0;
  for (const auto& header : headers) {
    if (EqualsIgnoreCase(header.first, name)) ++count;
  }
  return count;
}

namespace {

// Calls `visit(value)` for every cookie named `name` in `headers`, in order,
// until it returns false.
template <typename Visit>
void ForEachCookie(
    const std::vector<std::pair<std::string, std::string>>& headers,
    std::string_view name, Visit visit) {
  for (const auto& [key, value] : headers) {
    if (!EqualsIgnoreCase(key, "cookie")) continue;
    for (std::string_view pair : Split(value, ';')) {
      pair = StripWhitespace(pair);
      size_t eq = pair.find('=');
      if (eq == std::string_view::npos) continue;
      if (StripWhitespace(pair.substr(0, eq)) != name) continue;
      std::string_view cookie_value = StripWhitespace(pair.substr(eq + 1));
      if (cookie_value.size() >= 2 && cookie_value.front() == '"' &&
          cookie_value.back() == '"') {
        cookie_value = cookie_value.substr(1, cookie_value.size() - 2);
      }
      if (!visit(cookie_value)) return;
    }
  }
}

}  // namespace

std::string HttpRequest::Cookie(std::string_view name) const {
  std::string found;
  ForEachCookie(headers, name, [&found](std::string_view value) {
    found = std::string(value);
    return false;
  });
  return found;
}

int HttpRequest::CookieCount(std::string_view name) const {
  int count = 0;
  ForEachCookie(headers, name, [&count](std::string_view) {
    ++count;
    return true;
  });
  return count;
}

std::string HttpRequest::BearerToken() const {
  std::string_view value = StripWhitespace(Header("authorization"));
  constexpr std::string_view kScheme = "bearer ";
  if (value.size() <= kScheme.size() || !StartsWithIgnoreCase(value, kScheme)) {
    return {};
  }
  return std::string(StripWhitespace(value.substr(kScheme.size())));
}

}  // namespace users::gateway
