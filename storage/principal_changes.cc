#include "storage/principal_changes.h"

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/strip.h"

namespace users {
namespace {

constexpr size_t kTokenHashHexLength = 64;

bool IsHex(absl::string_view text) {
  for (char c : text) {
    if (!absl::ascii_isxdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

}  // namespace

std::optional<PrincipalChange> ParsePrincipalChange(absl::string_view payload) {
  PrincipalChange change;
  if (absl::ConsumePrefix(&payload, "token:")) {
    if (payload.size() != kTokenHashHexLength || !IsHex(payload)) {
      return std::nullopt;
    }
    change.kind = PrincipalChange::Kind::kToken;
    change.token_hash = absl::HexStringToBytes(payload);
    return change;
  }
  if (absl::ConsumePrefix(&payload, "user:")) {
    size_t colon = payload.find(':');
    if (colon == absl::string_view::npos ||
        !absl::SimpleAtoi(payload.substr(0, colon), &change.user_id) ||
        colon + 1 == payload.size()) {
      return std::nullopt;
    }
    change.kind = PrincipalChange::Kind::kUser;
    change.project_id = std::string(payload.substr(colon + 1));
    return change;
  }
  if (absl::ConsumePrefix(&payload, "project:")) {
    if (payload.empty()) return std::nullopt;
    change.kind = PrincipalChange::Kind::kProject;
    change.project_id = std::string(payload);
    return change;
  }
  if (payload == "all:") {
    change.kind = PrincipalChange::Kind::kAll;
    return change;
  }
  return std::nullopt;
}

}  // namespace users
