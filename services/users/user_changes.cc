#include "services/users/user_changes.h"

#include <cstdio>

#include "google/protobuf/util/json_util.h"
#include "nlohmann/json.hpp"
#include "services/users/identifier_keys.h"
#include "services/users/identifier_rules.h"

namespace users {
namespace {

std::string StructToJson(const google::protobuf::Struct& object) {
  std::string json;
  if (!google::protobuf::util::MessageToJsonString(object, &json).ok()) {
    return "{}";  // unreachable after validation (NaN/Inf are refused)
  }
  return json;
}

}  // namespace

UserChanges ToUserChanges(const v1::User& user, const UserColumnSet& columns,
                          std::string password_hash) {
  UserChanges changes;
  changes.columns = columns;
  changes.username = NfcNormalize(user.username());
  changes.username_key = IdentifierKey(changes.username);
  changes.email = NfcNormalize(user.email());
  changes.email_key = IdentifierKey(changes.email);
  changes.password_hash = std::move(password_hash);
  changes.given_name = user.given_name();
  changes.family_name = user.family_name();
  changes.display_name = user.display_name();
  changes.role = user.role();
  changes.avatar_uri = user.avatar_uri();
  changes.bio = user.bio();
  if (user.has_birth_date()) {
    char date[16];
    std::snprintf(date, sizeof date, "%04d-%02d-%02d", user.birth_date().year(),
                  user.birth_date().month(), user.birth_date().day());
    changes.birth_date = date;
  }
  if (user.has_location()) {
    changes.latitude = user.location().latitude();
    changes.longitude = user.location().longitude();
  }
  changes.metadata_json = StructToJson(user.metadata());
  changes.secure_metadata_json = StructToJson(user.secure_metadata());
  changes.language = user.settings().language();
  nlohmann::json script_types = nlohmann::json::array();
  for (const std::string& type : user.settings().script_types()) {
    script_types.push_back(type);
  }
  changes.script_types_json = script_types.dump();
  changes.time_zone = user.time_zone();
  return changes;
}

}  // namespace users
