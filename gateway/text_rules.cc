#include "gateway/text_rules.h"

#include "absl/strings/ascii.h"
#include "gateway/string_util.h"

namespace users::gateway {

int64_t CodePointCount(std::string_view utf8) {
  int64_t count = 0;
  for (unsigned char c : utf8) {
    if ((c & 0xc0) != 0x80) ++count;
  }
  return count;
}

bool LooksLikeEmail(std::string_view text) {
  size_t at = text.find('@');
  if (at == std::string_view::npos || at == 0 || at > 64 ||
      text.find('@', at + 1) != std::string_view::npos) {
    return false;
  }
  std::string_view local = text.substr(0, at);
  std::string_view domain = text.substr(at + 1);
  for (unsigned char c : local) {
    if (c <= 0x20 || c >= 0x7f || c == '(' || c == ')' || c == ',' ||
        c == ':' || c == ';' || c == '<' || c == '>' || c == '[' || c == ']' ||
        c == '\\' || c == '"') {
      return false;
    }
  }
  if (local.front() == '.' || local.back() == '.' ||
      local.find("..") != std::string_view::npos) {
    return false;
  }
  if (domain.find('.') == std::string_view::npos) return false;
  for (std::string_view label : Split(domain, '.')) {
    if (label.empty() || label.size() > 63 || label.front() == '-' ||
        label.back() == '-') {
      return false;
    }
    for (unsigned char c : label) {
      if (!absl::ascii_isalnum(c) && c != '-') return false;
    }
  }
  return true;
}

std::optional<int64_t> ParsePositiveId(std::string_view text) {
  if (text.empty() || text.size() > 19 || text.front() == '0') {
    return std::nullopt;
  }
  for (char c : text) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) {
      return std::nullopt;
    }
  }
  std::optional<int64_t> value = ParseInt64(text);
  if (!value || *value <= 0) return std::nullopt;
  return value;
}

std::string UserIdOfName(std::string_view name) {
  size_t slash = name.rfind('/');
  if (slash == std::string_view::npos) return {};
  return std::string(name.substr(slash + 1));
}

}  // namespace users::gateway
