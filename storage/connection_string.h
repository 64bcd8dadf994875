#ifndef USERS_STORAGE_CONNECTION_STRING_H_
#define USERS_STORAGE_CONNECTION_STRING_H_

#include <map>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace users {

// Rewrites a libpq connection string (a postgresql:// URI or key=value
// pairs) as key=value pairs: `overrides` replace the given values,
// `defaults` fill in keywords the string does not set, and `options`
// (server settings such as "-c statement_timeout=500") is appended to the
// string's own "options". InvalidArgument when the string does not parse or
// names an unknown keyword; the message never repeats the string, which may
// hold a password.
absl::StatusOr<std::string> RewriteConnectionString(
    absl::string_view connection_string,
    const std::map<std::string, std::string>& overrides,
    const std::map<std::string, std::string>& defaults = {},
    absl::string_view options = "");

}  // namespace users

#endif  // USERS_STORAGE_CONNECTION_STRING_H_
