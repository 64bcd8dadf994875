#include "gateway/idempotency_key.h"

#include <string_view>

#include "absl/status/status.h"
#include "gateway/string_util.h"

namespace users::gateway {
namespace {

constexpr std::string_view kHeader = "idempotency-key";

// Drops HTTP's optional whitespace (spaces and tabs) at both ends.
std::string_view StripOptionalWhitespace(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) {
    text.remove_prefix(1);
  }
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) {
    text.remove_suffix(1);
  }
  return text;
}

}  // namespace

absl::StatusOr<std::string> IdempotencyKeyOf(const HttpRequest& request) {
  const int count = request.HeaderCount(kHeader);
  if (count == 0) return std::string();
  if (count > 1) {
    return absl::InvalidArgumentError("more than one Idempotency-Key header");
  }
  std::string_view key = StripOptionalWhitespace(request.Header(kHeader));
  bool printable = !key.empty() && key.size() <= kMaxIdempotencyKeyLength;
  for (char c : key) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte > 0x7e) printable = false;
  }
  if (!printable) {
    return absl::InvalidArgumentError(
        Cat("invalid Idempotency-Key header: it must be 1 to ",
            kMaxIdempotencyKeyLength, " printable ASCII characters"));
  }
  return std::string(key);
}

}  // namespace users::gateway
