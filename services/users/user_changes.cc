#include "services/users/user_changes.h"

#include <utility>

#include "services/users/identifier_keys.h"
#include "services/users/identifier_rules.h"

namespace users {

UserChanges ToUserChanges(v1::User user, const UserColumnSet& columns,
                          std::string password_hash) {
  UserChanges changes;
  changes.columns = columns;
  changes.values = std::move(user);
  changes.values.clear_password();
  changes.values.set_username(NfcNormalize(changes.values.username()));
  changes.values.set_email(NfcNormalize(changes.values.email()));
  changes.username_key = IdentifierKey(changes.values.username());
  changes.email_key = IdentifierKey(changes.values.email());
  changes.password_hash = std::move(password_hash);
  return changes;
}

}  // namespace users
