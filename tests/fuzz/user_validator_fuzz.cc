// The user validator on arbitrary User messages (protobuf wire format), with
// every column checked and with the columns an absent mask would pick.

#include <cstddef>
#include <cstdint>

#include "services/users/api_error.h"
#include "services/users/user_mask.h"
#include "services/users/user_validator.h"
#include "users/v1/user.pb.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  users::v1::User user;
  if (!user.ParseFromArray(data, static_cast<int>(size))) return 0;
  users::UserColumnSet all;
  all.set();
  users::FieldViolations violations;
  users::ValidateUserFields(user, all, users::PasswordPolicy{}, "user.",
                            violations);
  (void)violations.ToStatus();
  absl::StatusOr<users::ResolvedMask> implied =
      users::ResolveUpdateMask(user, nullptr);
  if (implied.ok()) {
    users::FieldViolations more;
    users::ValidateUserFields(user, implied->columns, users::PasswordPolicy{},
                              "", more);
    (void)more.ToStatus();
  }
  return 0;
}
