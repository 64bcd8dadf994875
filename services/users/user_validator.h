#ifndef USERS_SERVICES_USERS_USER_VALIDATOR_H_
#define USERS_SERVICES_USERS_USER_VALIDATOR_H_

#include <string>

#include "absl/strings/string_view.h"
#include "services/users/api_error.h"
#include "storage/user_columns.h"
#include "users/v1/user.pb.h"
#include "users/v1/user_service.pb.h"

namespace users {

// Per-project password rules (code points, never bytes; never truncated).
struct PasswordPolicy {
  int min_length = 8;
  int max_length = 128;
};

// Field limits, shared with the documentation in proto/users/v1/user.proto.
inline constexpr int kUsernameMin = 3;
inline constexpr int kUsernameMax = 120;
inline constexpr int kEmailMax = 254;
inline constexpr int kNameMax = 200;
inline constexpr int kBioMax = 300;
inline constexpr int kUriMax = 2048;
inline constexpr int kLanguageMax = 35;
inline constexpr int kScriptTypesMax = 16;
inline constexpr int kScriptTypeMax = 64;
inline constexpr size_t kMetadataMaxBytes = size_t{16} * 1024;
inline constexpr int kSuspensionReasonMax = 500;
inline constexpr int kTimeZoneMax = 64;

// Checks the fields of `user` whose columns are in `columns` and records
// each failure in `violations` under "<prefix><field path>" (prefix is
// "user." for requests that nest the user). Pure: no I/O. A username must
// also pass the identifier rules (FindUsernameFlaw: no '@', invisible or
// bidi characters, no confusable mix of scripts); an email address may not
// contain invisible characters either.
void ValidateUserFields(const v1::User& user, const UserColumnSet& columns,
                        const PasswordPolicy& policy, absl::string_view prefix,
                        FieldViolations& violations);

// A syntactically valid address of at most 254 characters: a dot-atom local
// part and a domain of at least two LDH labels. Quoted local parts and
// address literals are refused.
bool IsValidEmail(absl::string_view email);

// An absolute http:// or https:// URL with a host and no whitespace.
bool IsAbsoluteHttpUrl(absl::string_view uri);

// Appends a violation for the password `password` under `field`, if any.
void ValidatePassword(absl::string_view password, const PasswordPolicy& policy,
                      const std::string& field, FieldViolations& violations);

// Checks a suspension: `reason` 1 to 500 code points without control
// characters; `expire_time`, when set, a valid timestamp later than
// `now_micros` (Unix microseconds). Records failures under "reason" and
// "expire_time". Pure: no I/O.
void ValidateSuspension(const v1::SuspendUserRequest& request,
                        int64_t now_micros, FieldViolations& violations);

}  // namespace users

#endif  // USERS_SERVICES_USERS_USER_VALIDATOR_H_
