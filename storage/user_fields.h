#ifndef USERS_STORAGE_USER_FIELDS_H_
#define USERS_STORAGE_USER_FIELDS_H_

#include <cstdio>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/util/json_util.h"
#include "nlohmann/json.hpp"
#include "services/common/json_struct.h"
#include "storage/user_columns.h"
#include "users/v1/user.pb.h"

namespace users {

// The writable fields of users.v1.User, one row each, in UserColumn order.
//
// Why a table: a field used to be spelled out in the mask resolver, the
// validator, the INSERT, the UPDATE whitelist, the parameter binding and the
// row mapping, and only one of those was checked. Every list is now derived
// from this one (tests/services/users/user_fields_test.cc checks it against
// User's descriptor). What does not fit a plain row is said so on the row:
// - username and email are written with their uniqueness keys (two
//   parameters each), and a changed email key clears email_verified, so their
//   SET patterns are hand-written rather than "column = $n";
// - location is two nullable columns (latitude, longitude), birth_date is
//   read back as three integers;
// - settings.* are sub-paths: an empty `settings` message in a mask-less
//   update means both of its fields (see `present`);
// - password and secure_metadata are input-only: no output, never read back.
// A row binds its field straight from the validated User in UserChanges
// (`bind`), so the storage form of a value is written once, here; only the
// identifier keys and the password hash, which a User cannot carry, are
// members of their own. Validation rules are named here (FieldCheck) and
// written out in services/users/user_validator.cc, which keeps the error
// reasons.

// One column value of a returned row, as text.
struct StoredCell {
  bool null = true;
  absl::string_view text;
};

using SqlParams = std::vector<std::string>;

// The validation a field gets; services/users/user_validator.cc implements
// each one.
enum class FieldCheck {
  kUsername,
  kEmail,
  kPassword,
  kName,  // 0 to kNameMax characters, one line
  kRole,
  kHttpUrl,
  kBio,
  kDate,
  kLatLng,
  kStruct,
  kLanguageTag,
  kScriptTypes,
  kTimeZone,
};

struct UserField {
  UserColumn column;
  const char* path;  // the update-mask path
  FieldCheck check;
  // Whether `user` sets the field (what a mask-less update writes).
  bool (*present)(const v1::User& user);
  // INSERT: the columns, and their values as an absl::Substitute pattern
  // where $$$0 (and $$$1) are this field's parameters.
  const char* insert_columns;
  const char* insert_values;
  // UPDATE: the SET assignments, same pattern convention.
  const char* assignments;
  int parameters;
  // Appends the `parameters` values (text) of this field from `changes`.
  // An unset field binds its cleared form, which for a new user is the
  // schema's default.
  void (*bind)(const UserChanges& changes, SqlParams& params);
  // The SELECT expressions over the row `u` (nullptr: never returned), how
  // many, and how to set them on a User.
  const char* output;
  int outputs;
  void (*read)(const StoredCell* cells, v1::User& user);
};

namespace user_fields_internal {

inline std::string DoubleText(double value) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.17g", value);
  return buffer;
}

// "YYYY-MM-DD", or "" for no date (bound through NULLIF).
inline std::string DateText(const v1::User& user) {
  if (!user.has_birth_date()) return "";
  const google::type::Date& date = user.birth_date();
  char text[16];
  std::snprintf(text, sizeof text, "%04d-%02d-%02d", date.year(), date.month(),
                date.day());
  return text;
}

inline std::string StructJson(const google::protobuf::Struct& object) {
  std::string json;
  if (!google::protobuf::util::MessageToJsonString(object, &json).ok()) {
    return "{}";  // unreachable after validation (NaN/Inf are refused)
  }
  return json;
}

inline std::string StringsJson(
    const google::protobuf::RepeatedPtrField<std::string>& strings) {
  nlohmann::json array = nlohmann::json::array();
  for (const std::string& text : strings) array.push_back(text);
  return array.dump();
}

inline std::string Text(const StoredCell& cell) {
  return std::string(cell.text);
}

inline int Int(const StoredCell& cell) {
  int value = 0;
  if (!absl::SimpleAtoi(cell.text, &value)) {
    throw std::runtime_error("stored integer is malformed");
  }
  return value;
}

inline double Double(const StoredCell& cell) {
  double value = 0;
  if (!absl::SimpleAtod(cell.text, &value)) {
    throw std::runtime_error("stored number is malformed");
  }
  return value;
}

// The stored jsonb text of a google.protobuf.Struct. Parsed with nlohmann
// rather than JsonStringToMessage: protobuf's JSON parser sets up a type
// resolver and a stream converter on every call, which cost a tenth of
// userd's CPU per UpdateUser (tests/bench/RESULTS.md). Reads exactly what a
// request could have carried (JsonObjectToStruct);
// tests/services/users/user_fields_test.cc holds it to protobuf's parser.
inline void ReadStruct(const StoredCell& cell,
                       google::protobuf::Struct* object) {
  nlohmann::json json =
      nlohmann::json::parse(cell.text.begin(), cell.text.end(), nullptr, false);
  std::optional<google::protobuf::Struct> parsed =
      json.is_discarded() ? std::nullopt : JsonObjectToStruct(json);
  if (!parsed.has_value()) {
    throw std::runtime_error(
        "stored metadata is not a JSON object a request could carry");
  }
  *object = *std::move(parsed);
}

inline void ReadStrings(const StoredCell& cell,
                        google::protobuf::RepeatedPtrField<std::string>* out) {
  nlohmann::json json =
      nlohmann::json::parse(cell.text.begin(), cell.text.end(), nullptr, false);
  if (json.is_discarded() || !json.is_array()) {
    throw std::runtime_error("stored script_types is not an array");
  }
  for (const nlohmann::json& item : json) {
    if (item.is_string()) out->Add(item.get<std::string>());
  }
}

// An empty `settings` stands for all of its fields.
inline bool SettingsEmpty(const v1::User& user) {
  return user.settings().language().empty() &&
         user.settings().script_types().empty();
}

}  // namespace user_fields_internal

// clang-format off
inline constexpr UserField kUserFields[] = {
    {UserColumn::kUsername, "username", FieldCheck::kUsername,
     [](const v1::User& u) { return !u.username().empty(); },
     "username, username_key", "$$$0, $$$1",
     "username = $$$0,\n"
     "         username_key = $$$1", 2,
     [](const UserChanges& c, SqlParams& p) {
       p.push_back(c.values.username());
       p.push_back(c.username_key);
     },
     "u.username", 1,
     [](const StoredCell* s, v1::User& u) {
       u.set_username(user_fields_internal::Text(s[0]));
     }},
    // An email with a new key is unverified (every right-hand side sees the
    // row before the update).
    {UserColumn::kEmail, "email", FieldCheck::kEmail,
     [](const v1::User& u) { return !u.email().empty(); },
     "email, email_key", "$$$0, $$$1",
     "email_verified = email_verified AND email_key = $$$1,\n"
     "         email = $$$0,\n"
     "         email_key = $$$1", 2,
     [](const UserChanges& c, SqlParams& p) {
       p.push_back(c.values.email());
       p.push_back(c.email_key);
     },
     "u.email", 1,
     [](const StoredCell* s, v1::User& u) {
       u.set_email(user_fields_internal::Text(s[0]));
     }},
    {UserColumn::kPasswordHash, "password", FieldCheck::kPassword,
     [](const v1::User& u) { return !u.password().empty(); },
     "password_hash", "$$$0", "password_hash = $$$0", 1,
     [](const UserChanges& c, SqlParams& p) { p.push_back(c.password_hash); },
     nullptr, 0, nullptr},
    {UserColumn::kGivenName, "given_name", FieldCheck::kName,
     [](const v1::User& u) { return !u.given_name().empty(); },
     "given_name", "$$$0", "given_name = $$$0", 1,
     [](const UserChanges& c, SqlParams& p) {
       p.push_back(c.values.given_name());
     },
     "u.given_name", 1,
     [](const StoredCell* s, v1::User& u) {
       u.set_given_name(user_fields_internal::Text(s[0]));
     }},
    {UserColumn::kFamilyName, "family_name", FieldCheck::kName,
     [](const v1::User& u) { return !u.family_name().empty(); },
     "family_name", "$$$0", "family_name = $$$0", 1,
     [](const UserChanges& c, SqlParams& p) {
       p.push_back(c.values.family_name());
     },
     "u.family_name", 1,
     [](const StoredCell* s, v1::User& u) {
       u.set_family_name(user_fields_internal::Text(s[0]));
     }},
    {UserColumn::kDisplayName, "display_name", FieldCheck::kName,
     [](const v1::User& u) { return !u.display_name().empty(); },
     "display_name", "$$$0", "display_name = $$$0", 1,
     [](const UserChanges& c, SqlParams& p) {
       p.push_back(c.values.display_name());
     },
     "u.display_name", 1,
     [](const StoredCell* s, v1::User& u) {
       u.set_display_name(user_fields_internal::Text(s[0]));
     }},
    {UserColumn::kRole, "role", FieldCheck::kRole,
     [](const v1::User& u) { return u.role() != v1::User::ROLE_UNSPECIFIED; },
     "role", "$$$0::smallint", "role = $$$0::smallint", 1,
     [](const UserChanges& c, SqlParams& p) {
       // Validation refuses ROLE_UNSPECIFIED in a mask, so it only reaches
       // here from CreateUser's defaults for columns outside the set.
       p.push_back(std::to_string(
           c.values.role() == v1::User::ROLE_UNSPECIFIED ? v1::User::ROLE_USER
                                                         : c.values.role()));
     },
     "u.role", 1,
     [](const StoredCell* s, v1::User& u) {
       u.set_role(static_cast<v1::User::Role>(user_fields_internal::Int(s[0])));
     }},
    {UserColumn::kAvatarUri, "avatar_uri", FieldCheck::kHttpUrl,
     [](const v1::User& u) { return !u.avatar_uri().empty(); },
     "avatar_uri", "$$$0", "avatar_uri = $$$0", 1,
     [](const UserChanges& c, SqlParams& p) {
       p.push_back(c.values.avatar_uri());
     },
     "u.avatar_uri", 1,
     [](const StoredCell* s, v1::User& u) {
       u.set_avatar_uri(user_fields_internal::Text(s[0]));
     }},
    {UserColumn::kBio, "bio", FieldCheck::kBio,
     [](const v1::User& u) { return !u.bio().empty(); },
     "bio", "$$$0", "bio = $$$0", 1,
     [](const UserChanges& c, SqlParams& p) { p.push_back(c.values.bio()); },
     "u.bio", 1,
     [](const StoredCell* s, v1::User& u) {
       u.set_bio(user_fields_internal::Text(s[0]));
     }},
    // "" clears it; read back as year, month, day.
    {UserColumn::kBirthDate, "birth_date", FieldCheck::kDate,
     [](const v1::User& u) { return u.has_birth_date(); },
     "birth_date", "NULLIF($$$0, '')::date",
     "birth_date = NULLIF($$$0, '')::date", 1,
     [](const UserChanges& c, SqlParams& p) {
       p.push_back(user_fields_internal::DateText(c.values));
     },
     "extract(year FROM u.birth_date)::integer,\n"
     "       extract(month FROM u.birth_date)::integer,\n"
     "       extract(day FROM u.birth_date)::integer", 3,
     [](const StoredCell* s, v1::User& u) {
       if (s[0].null) return;
       google::type::Date* date = u.mutable_birth_date();
       date->set_year(user_fields_internal::Int(s[0]));
       date->set_month(user_fields_internal::Int(s[1]));
       date->set_day(user_fields_internal::Int(s[2]));
     }},
    // Two columns; one coordinate without the other counts as none.
    {UserColumn::kLocation, "location", FieldCheck::kLatLng,
     [](const v1::User& u) { return u.has_location(); },
     "latitude, longitude", "NULLIF($$$0, '')::float8, NULLIF($$$1, '')::float8",
     "latitude = NULLIF($$$0, '')::float8,\n"
     "         longitude = NULLIF($$$1, '')::float8", 2,
     [](const UserChanges& c, SqlParams& p) {
       // A present location at (0, 0) is a place, not "no location".
       const bool has = c.values.has_location();
       const google::type::LatLng& at = c.values.location();
       using user_fields_internal::DoubleText;
       p.push_back(has ? DoubleText(at.latitude()) : "");
       p.push_back(has ? DoubleText(at.longitude()) : "");
     },
     "u.latitude, u.longitude", 2,
     [](const StoredCell* s, v1::User& u) {
       if (s[0].null || s[1].null) return;
       u.mutable_location()->set_latitude(user_fields_internal::Double(s[0]));
       u.mutable_location()->set_longitude(user_fields_internal::Double(s[1]));
     }},
    {UserColumn::kMetadata, "metadata", FieldCheck::kStruct,
     [](const v1::User& u) { return u.has_metadata(); },
     "metadata", "$$$0::jsonb", "metadata = $$$0::jsonb", 1,
     [](const UserChanges& c, SqlParams& p) {
       p.push_back(user_fields_internal::StructJson(c.values.metadata()));
     },
     "u.metadata::text", 1,
     [](const StoredCell* s, v1::User& u) {
       user_fields_internal::ReadStruct(s[0], u.mutable_metadata());
     }},
    {UserColumn::kSecureMetadata, "secure_metadata", FieldCheck::kStruct,
     [](const v1::User& u) { return u.has_secure_metadata(); },
     "secure_metadata", "$$$0::jsonb", "secure_metadata = $$$0::jsonb", 1,
     [](const UserChanges& c, SqlParams& p) {
       p.push_back(
           user_fields_internal::StructJson(c.values.secure_metadata()));
     },
     nullptr, 0, nullptr},
    {UserColumn::kLanguage, "settings.language", FieldCheck::kLanguageTag,
     [](const v1::User& u) {
       return u.has_settings() && (!u.settings().language().empty() ||
                                   user_fields_internal::SettingsEmpty(u));
     },
     "language", "$$$0", "language = $$$0", 1,
     [](const UserChanges& c, SqlParams& p) {
       p.push_back(c.values.settings().language());
     },
     "u.language", 1,
     [](const StoredCell* s, v1::User& u) {
       u.mutable_settings()->set_language(user_fields_internal::Text(s[0]));
     }},
    {UserColumn::kScriptTypes, "settings.script_types",
     FieldCheck::kScriptTypes,
     [](const v1::User& u) {
       return u.has_settings() && (!u.settings().script_types().empty() ||
                                   user_fields_internal::SettingsEmpty(u));
     },
     "script_types", "$$$0::jsonb", "script_types = $$$0::jsonb", 1,
     [](const UserChanges& c, SqlParams& p) {
       p.push_back(user_fields_internal::StringsJson(
           c.values.settings().script_types()));
     },
     "u.script_types::text", 1,
     [](const StoredCell* s, v1::User& u) {
       user_fields_internal::ReadStrings(
           s[0], u.mutable_settings()->mutable_script_types());
     }},
    {UserColumn::kTimeZone, "time_zone", FieldCheck::kTimeZone,
     [](const v1::User& u) { return !u.time_zone().empty(); },
     "time_zone", "$$$0", "time_zone = $$$0", 1,
     [](const UserChanges& c, SqlParams& p) {
       p.push_back(c.values.time_zone());
     },
     "u.time_zone", 1,
     [](const StoredCell* s, v1::User& u) {
       u.set_time_zone(user_fields_internal::Text(s[0]));
     }},
};
// clang-format on

// The User fields that are never written: their mask paths are ignored.
inline constexpr const char* kOutputOnlyUserFields[] = {
    "name",        "email_verified", "suspensions",
    "create_time", "update_time",    "etag"};

// The row of `column`.
inline const UserField& UserFieldOf(UserColumn column) {
  return kUserFields[static_cast<size_t>(column)];
}

constexpr bool UserFieldsInColumnOrder() {
  for (size_t i = 0; i < std::size(kUserFields); ++i) {
    if (static_cast<size_t>(kUserFields[i].column) != i) return false;
  }
  return std::size(kUserFields) == static_cast<size_t>(UserColumn::kCount);
}
static_assert(UserFieldsInColumnOrder(),
              "kUserFields must list every UserColumn in order");

}  // namespace users

#endif  // USERS_STORAGE_USER_FIELDS_H_
