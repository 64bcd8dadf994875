#ifndef USERS_SERVICES_USERS_USER_MASK_H_
#define USERS_SERVICES_USERS_USER_MASK_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "google/protobuf/field_mask.pb.h"
#include "storage/user_columns.h"
#include "users/v1/user.pb.h"

namespace users {

// An update mask resolved against the User resource (AIP-134/161).
struct ResolvedMask {
  // The columns to write.
  UserColumnSet columns;
  // The writable paths, normalized and deduplicated, for the audit trail.
  std::vector<std::string> paths;
};

// Resolves `mask` for an update of `user`:
// - absent or empty mask: the fields set in `user` (non-default scalars,
//   present messages, non-empty lists; an empty `settings` means both of
//   its fields);
// - "*": every writable field (full replacement); password only when set;
// - "settings.language" style sub-paths address one field of `settings`;
// - OUTPUT_ONLY paths (name, email_verified, suspensions, create_time,
//   update_time, etag) are ignored;
// - unknown or malformed paths, and sub-paths of fields that are written
//   whole (location, birth_date, metadata, ...), fail with INVALID_ARGUMENT
//   (INVALID_FIELD) and a violation on "update_mask".
absl::StatusOr<ResolvedMask> ResolveUpdateMask(
    const v1::User& user, const google::protobuf::FieldMask* mask);

// Every writable path, in declaration order ("*" expands to these).
const std::vector<std::string>& WritableUserPaths();

}  // namespace users

#endif  // USERS_SERVICES_USERS_USER_MASK_H_
