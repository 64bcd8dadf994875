#ifndef USERS_SERVICES_USERS_USER_CHANGES_H_
#define USERS_SERVICES_USERS_USER_CHANGES_H_

#include <string>

#include "storage/user_columns.h"
#include "users/v1/user.pb.h"

namespace users {

// What to write for the fields of `user` named by `columns`: `user` with its
// username and email in NFC, each with its IdentifierKey, and without its
// password, whose column takes `password_hash` (already hashed); the password
// itself never reaches storage. `user` must have passed ValidateUserFields.
UserChanges ToUserChanges(v1::User user, const UserColumnSet& columns,
                          std::string password_hash);

}  // namespace users

#endif  // USERS_SERVICES_USERS_USER_CHANGES_H_
