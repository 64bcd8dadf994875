#ifndef USERS_STORAGE_USER_COLUMNS_H_
#define USERS_STORAGE_USER_COLUMNS_H_

#include <bitset>
#include <cstdint>
#include <string>

#include "users/v1/user.pb.h"

namespace users {

// The writable columns of `users`, one per updatable User field (or field
// group: location is latitude+longitude). The UPDATE statement's SET list is
// built only from this fixed whitelist, never from input.
enum class UserColumn : int {
  kUsername = 0,
  kEmail,
  kPasswordHash,
  kGivenName,
  kFamilyName,
  kDisplayName,
  kRole,
  kAvatarUri,
  kBio,
  kBirthDate,
  kLocation,
  kMetadata,
  kSecureMetadata,
  kLanguage,
  kScriptTypes,
  kTimeZone,
  kCount,
};

using UserColumnSet = std::bitset<static_cast<size_t>(UserColumn::kCount)>;

inline void Add(UserColumnSet& set, UserColumn column) {
  set.set(static_cast<size_t>(column));
}
inline bool Has(const UserColumnSet& set, UserColumn column) {
  return set.test(static_cast<size_t>(column));
}

// The values to write. `values` carries the fields named by `columns` as the
// API validated them, username and email already in NFC; each row of
// kUserFields (storage/user_fields.h) says how its field is bound. What a
// User cannot carry travels beside it: the uniqueness keys of username and
// email (IdentifierKey), which the unique indexes cover, and the password's
// PHC hash (values.password is always empty).
struct UserChanges {
  UserColumnSet columns;
  v1::User values;
  std::string username_key;   // NFKC_Casefold of values.username
  std::string email_key;      // NFKC_Casefold of values.email
  std::string password_hash;  // a PHC string
};

}  // namespace users

#endif  // USERS_STORAGE_USER_COLUMNS_H_
