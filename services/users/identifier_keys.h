#ifndef USERS_SERVICES_USERS_IDENTIFIER_KEYS_H_
#define USERS_SERVICES_USERS_IDENTIFIER_KEYS_H_

#include <string>

#include "absl/strings/string_view.h"

namespace users {

// The key under which a username or email address is unique within a project,
// is looked up at login and is counted by login throttling: two identifiers
// that a person would read as the same have the same key.
std::string IdentifierKey(absl::string_view identifier);

}  // namespace users

#endif  // USERS_SERVICES_USERS_IDENTIFIER_KEYS_H_
