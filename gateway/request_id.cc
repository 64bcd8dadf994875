#include "gateway/request_id.h"

#include "absl/strings/ascii.h"
#include "services/common/request_ids.h"

namespace users::gateway {
namespace {

bool Acceptable(std::string_view id) {
  if (id.empty() || id.size() > 128) return false;
  for (char c : id) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '.' &&
        c != '_' && c != ':' && c != '-') {
      return false;
    }
  }
  return true;
}

}  // namespace

std::string RequestIdFor(std::string_view given) {
  if (Acceptable(given)) return std::string(given);
  return NewRequestId();
}

}  // namespace users::gateway
