#include "services/users/user_changes.h"

#include "services/users/identifier_keys.h"
#include "services/users/identifier_rules.h"

namespace users {

UserChanges ToUserChanges(const v1::User& user, const UserColumnSet& columns,
                          std::string password_hash) {
  UserChanges changes;
  changes.columns = columns;
  changes.values = user;
  changes.values.clear_password();
  changes.values.set_username(NfcNormalize(user.username()));
  changes.values.set_email(NfcNormalize(user.email()));
  changes.username_key = IdentifierKey(changes.values.username());
  changes.email_key = IdentifierKey(changes.values.email());
  changes.password_hash = std::move(password_hash);
  return changes;
}

}  // namespace users
