#ifndef USERS_STORAGE_USER_COLUMNS_H_
#define USERS_STORAGE_USER_COLUMNS_H_

#include <bitset>
#include <cstdint>
#include <optional>
#include <string>

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

// The values to write, in storage form. Only the members whose column is in
// `columns` are read. A username or email is written together with its
// uniqueness key (IdentifierKey), which the unique indexes cover.
struct UserChanges {
  UserColumnSet columns;
  std::string username;       // NFC
  std::string username_key;   // NFKC_Casefold
  std::string email;          // NFC
  std::string email_key;      // NFKC_Casefold
  std::string password_hash;  // a PHC string
  std::string given_name;
  std::string family_name;
  std::string display_name;
  int role = 1;
  std::string avatar_uri;
  std::string bio;
  std::string birth_date;          // "YYYY-MM-DD" or "" for none
  std::optional<double> latitude;  // both set or both empty
  std::optional<double> longitude;
  std::string metadata_json = "{}";
  std::string secure_metadata_json = "{}";
  std::string language;
  std::string script_types_json = "[]";
  std::string time_zone;  // an IANA name or "" for none
};

}  // namespace users

#endif  // USERS_STORAGE_USER_COLUMNS_H_
