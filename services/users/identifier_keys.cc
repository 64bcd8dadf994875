#include "services/users/identifier_keys.h"

#include "absl/strings/ascii.h"

namespace users {

std::string IdentifierKey(absl::string_view identifier) {
  return absl::AsciiStrToLower(identifier);
}

}  // namespace users
