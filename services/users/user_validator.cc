#include "services/users/user_validator.h"

#include <cmath>
#include <ctime>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "google/protobuf/util/json_util.h"
#include "services/users/identifier_rules.h"
#include "services/users/text_checks.h"
#include "storage/user_fields.h"

namespace users {
namespace {

// Checks UTF-8, control characters and length of a text field. Returns false
// (after recording the violation) when the text is bad.
bool CheckText(absl::string_view text, const std::string& field, int min,
               int max, bool multi_line, FieldViolations& violations) {
  std::optional<size_t> length = CountCodePoints(text);
  if (!length.has_value()) {
    violations.Add(field, "INVALID_CHARACTERS", "is not valid UTF-8");
    return false;
  }
  if (HasControlCharacters(text, multi_line)) {
    violations.Add(field, "INVALID_CHARACTERS",
                   "contains NUL or control characters");
    return false;
  }
  if (static_cast<int>(*length) < min) {
    violations.Add(
        field, min == 1 && *length == 0 ? "REQUIRED" : "TOO_SHORT",
        absl::StrCat("length ", *length, " is less than the minimum ", min));
    return false;
  }
  if (static_cast<int>(*length) > max) {
    violations.Add(
        field, "TOO_LONG",
        absl::StrCat("length ", *length, " is greater than the maximum ", max));
    return false;
  }
  return true;
}

// Records the flaw of a username that passed CheckText, if any.
void CheckUsernameRules(absl::string_view username, const std::string& field,
                        FieldViolations& violations) {
  switch (FindUsernameFlaw(username)) {
    case UsernameFlaw::kNone:
      return;
    case UsernameFlaw::kInvalidUtf8:
      violations.Add(field, "INVALID_CHARACTERS", "is not valid UTF-8");
      return;
    case UsernameFlaw::kControlCharacter:
      violations.Add(field, "INVALID_CHARACTERS",
                     "contains NUL or control characters");
      return;
    case UsernameFlaw::kBidiControl:
      violations.Add(field, "INVALID_CHARACTERS",
                     "contains a bidirectional control character");
      return;
    case UsernameFlaw::kDefaultIgnorable:
      violations.Add(field, "INVALID_CHARACTERS",
                     "contains an invisible (default-ignorable) character");
      return;
    case UsernameFlaw::kAtSign:
      violations.Add(field, "INVALID_CHARACTERS",
                     "contains \"@\" (a username cannot be an email address)");
      return;
    case UsernameFlaw::kKeyTooLong:
      violations.Add(field, "TOO_LONG",
                     absl::StrCat("is longer than ", kUsernameKeyMax,
                                  " characters once case-folded"));
      return;
    case UsernameFlaw::kMixedScripts:
      violations.Add(field, "MIXED_SCRIPTS",
                     "mixes scripts whose letters can be confused, such as "
                     "Latin and Cyrillic");
      return;
  }
}

bool IsAtext(char c) {
  return absl::ascii_isalnum(static_cast<unsigned char>(c)) ||
         absl::string_view("!#$%&'*+-/=?^_`{|}~").find(c) !=
             absl::string_view::npos;
}

bool IsDateValid(const google::type::Date& date) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30,
                                  31, 31, 30, 31, 30, 31};
  if (date.year() < 1 || date.year() > 9999) return false;
  if (date.month() < 1 || date.month() > 12) return false;
  int days = kDays[date.month() - 1];
  bool leap = (date.year() % 4 == 0 && date.year() % 100 != 0) ||
              date.year() % 400 == 0;
  if (date.month() == 2 && leap) days = 29;
  return date.day() >= 1 && date.day() <= days;
}

bool IsInFuture(const google::type::Date& date) {
  std::time_t now = std::time(nullptr);
  std::tm today;
  gmtime_r(&now, &today);
  int y = today.tm_year + 1900, m = today.tm_mon + 1, d = today.tm_mday;
  if (date.year() != y) return date.year() > y;
  if (date.month() != m) return date.month() > m;
  return date.day() > d;
}

// What metadata may not hold: NUL (jsonb cannot store it), control
// characters in keys, and numbers JSON cannot represent (NaN, infinities).
enum class StructFlaw { kNone, kBadCharacters, kNotJson };

StructFlaw FindFlaw(const google::protobuf::Value& value);

StructFlaw FindFlaw(const google::protobuf::Struct& object) {
  for (const auto& [key, value] : object.fields()) {
    if (HasControlCharacters(key, false)) return StructFlaw::kBadCharacters;
    if (StructFlaw flaw = FindFlaw(value); flaw != StructFlaw::kNone) {
      return flaw;
    }
  }
  return StructFlaw::kNone;
}

StructFlaw FindFlaw(const google::protobuf::Value& value) {
  switch (value.kind_case()) {
    case google::protobuf::Value::kNumberValue:
      return std::isfinite(value.number_value()) ? StructFlaw::kNone
                                                 : StructFlaw::kNotJson;
    case google::protobuf::Value::kStringValue:
      return value.string_value().find('\0') != std::string::npos
                 ? StructFlaw::kBadCharacters
                 : StructFlaw::kNone;
    case google::protobuf::Value::kStructValue:
      return FindFlaw(value.struct_value());
    case google::protobuf::Value::kListValue:
      for (const auto& item : value.list_value().values()) {
        if (StructFlaw flaw = FindFlaw(item); flaw != StructFlaw::kNone) {
          return flaw;
        }
      }
      return StructFlaw::kNone;
    default:
      return StructFlaw::kNone;
  }
}

void CheckStruct(const google::protobuf::Struct& object,
                 const std::string& field, FieldViolations& violations) {
  switch (FindFlaw(object)) {
    case StructFlaw::kBadCharacters:
      violations.Add(field, "INVALID_CHARACTERS",
                     "contains NUL, or control characters in a key");
      return;
    case StructFlaw::kNotJson:
      violations.Add(field, "INVALID_FORMAT",
                     "holds a number JSON cannot represent (NaN or infinity)");
      return;
    case StructFlaw::kNone:
      break;
  }
  std::string json;
  if (!google::protobuf::util::MessageToJsonString(object, &json).ok()) {
    violations.Add(field, "INVALID_FORMAT", "is not representable as JSON");
    return;
  }
  if (json.size() > kMetadataMaxBytes) {
    violations.Add(
        field, "TOO_LARGE",
        absl::StrCat("serialized size ", json.size(),
                     " bytes is greater than the maximum ", kMetadataMaxBytes));
  }
}

void CheckLanguage(absl::string_view language, const std::string& field,
                   FieldViolations& violations) {
  if (language.empty()) return;  // clears the preference
  if (static_cast<int>(language.size()) > kLanguageMax) {
    violations.Add(field, "TOO_LONG",
                   absl::StrCat("length ", language.size(),
                                " is greater than the maximum ", kLanguageMax));
    return;
  }
  for (absl::string_view subtag : absl::StrSplit(language, '-')) {
    bool ok = !subtag.empty() && subtag.size() <= 8;
    for (char c : subtag) ok = ok && absl::ascii_isalnum(c);
    if (!ok) {
      violations.Add(field, "INVALID_FORMAT",
                     "is not a language tag such as \"en\" or \"pt-BR\"");
      return;
    }
  }
}

void CheckScriptTypes(
    const google::protobuf::RepeatedPtrField<std::string>& script_types,
    const std::string& field, FieldViolations& violations) {
  if (script_types.size() > kScriptTypesMax) {
    violations.Add(
        field, "TOO_LONG",
        absl::StrCat(script_types.size(), " items is more than the maximum ",
                     kScriptTypesMax));
    return;
  }
  std::set<std::string> seen;
  for (int i = 0; i < script_types.size(); ++i) {
    std::string item_field = absl::StrCat(field, "[", i, "]");
    if (!CheckText(script_types[i], item_field, 1, kScriptTypeMax, false,
                   violations)) {
      return;
    }
    if (!seen.insert(script_types[i]).second) {
      violations.Add(item_field, "DUPLICATE_ITEM",
                     absl::StrCat("\"", script_types[i], "\" is repeated"));
      return;
    }
  }
}

// An IANA name ("Europe/Berlin") that absl's time zone database knows.
// The name is checked for its shape first: it becomes a file path there.
void CheckTimeZone(absl::string_view name, const std::string& field,
                   FieldViolations& violations) {
  if (name.empty()) return;  // clears it
  if (static_cast<int>(name.size()) > kTimeZoneMax) {
    violations.Add(field, "TOO_LONG",
                   absl::StrCat("length ", name.size(),
                                " is greater than the maximum ", kTimeZoneMax));
    return;
  }
  bool shaped = name.front() != '/' && name.back() != '/';
  for (absl::string_view part : absl::StrSplit(name, '/')) {
    shaped = shaped && !part.empty() && part != "." && part != "..";
    for (char c : part) {
      shaped = shaped && (absl::ascii_isalnum(static_cast<unsigned char>(c)) ||
                          c == '_' || c == '-' || c == '+' || c == '.');
    }
  }
  absl::TimeZone zone;
  if (!shaped || !absl::LoadTimeZone(std::string(name), &zone)) {
    violations.Add(field, "INVALID_FORMAT",
                   "is not a known time zone such as \"Europe/Berlin\"");
  }
}

// The text of a string field of `user` ("given_name"), by reflection.
const std::string& TextOf(const v1::User& user, const UserField& field) {
  const google::protobuf::FieldDescriptor* descriptor =
      v1::User::descriptor()->FindFieldByName(field.path);
  return user.GetReflection()->GetStringReference(user, descriptor, nullptr);
}

// Checks one writable field; `field_path` names it in violations.
void ValidateField(const v1::User& user, const UserField& field,
                   const PasswordPolicy& policy, const std::string& field_path,
                   FieldViolations& violations) {
  switch (field.check) {
    case FieldCheck::kUsername:
      if (CheckText(user.username(), field_path, kUsernameMin, kUsernameMax,
                    false, violations)) {
        CheckUsernameRules(user.username(), field_path, violations);
      }
      return;
    case FieldCheck::kEmail:
      if (user.email().empty()) {
        violations.Add(field_path, "REQUIRED", "is required");
      } else if (HasDefaultIgnorable(user.email())) {
        violations.Add(field_path, "INVALID_CHARACTERS",
                       "contains an invisible (default-ignorable) character");
      } else if (static_cast<int>(user.email().size()) > kEmailMax) {
        violations.Add(
            field_path, "TOO_LONG",
            absl::StrCat("length ", user.email().size(),
                         " is greater than the maximum ", kEmailMax));
      } else if (!IsValidEmail(user.email())) {
        violations.Add(field_path, "INVALID_FORMAT",
                       "is not a valid email address");
      }
      return;
    case FieldCheck::kPassword:
      CheckText(user.password(), field_path, policy.min_length,
                policy.max_length, false, violations);
      return;
    case FieldCheck::kName:
      CheckText(TextOf(user, field), field_path, 0, kNameMax, false,
                violations);
      return;
    case FieldCheck::kRole:
      if (user.role() == v1::User::ROLE_UNSPECIFIED) {
        violations.Add(field_path, "REQUIRED",
                       "must be ROLE_USER or ROLE_ADMIN");
      } else if (!v1::User::Role_IsValid(user.role())) {
        violations.Add(field_path, "OUT_OF_RANGE", "is not a known role");
      }
      return;
    case FieldCheck::kHttpUrl:
      if (!user.avatar_uri().empty() &&
          CheckText(user.avatar_uri(), field_path, 0, kUriMax, false,
                    violations) &&
          !IsAbsoluteHttpUrl(user.avatar_uri())) {
        violations.Add(field_path, "INVALID_FORMAT",
                       "is not an absolute http(s) URL");
      }
      return;
    case FieldCheck::kBio:
      CheckText(user.bio(), field_path, 0, kBioMax, true, violations);
      return;
    case FieldCheck::kDate:
      if (!user.has_birth_date()) return;
      if (!IsDateValid(user.birth_date())) {
        violations.Add(field_path, "INVALID_FORMAT",
                       "is not a valid calendar date");
      } else if (IsInFuture(user.birth_date())) {
        violations.Add(field_path, "OUT_OF_RANGE", "is in the future");
      }
      return;
    case FieldCheck::kLatLng: {
      if (!user.has_location()) return;
      double latitude = user.location().latitude();
      double longitude = user.location().longitude();
      if (!std::isfinite(latitude) || latitude < -90 || latitude > 90) {
        violations.Add(absl::StrCat(field_path, ".latitude"), "OUT_OF_RANGE",
                       "must be between -90 and 90");
      }
      if (!std::isfinite(longitude) || longitude < -180 || longitude > 180) {
        violations.Add(absl::StrCat(field_path, ".longitude"), "OUT_OF_RANGE",
                       "must be between -180 and 180");
      }
      return;
    }
    case FieldCheck::kStruct:
      CheckStruct(field.column == UserColumn::kMetadata
                      ? user.metadata()
                      : user.secure_metadata(),
                  field_path, violations);
      return;
    case FieldCheck::kLanguageTag:
      CheckLanguage(user.settings().language(), field_path, violations);
      return;
    case FieldCheck::kScriptTypes:
      CheckScriptTypes(user.settings().script_types(), field_path, violations);
      return;
    case FieldCheck::kTimeZone:
      CheckTimeZone(user.time_zone(), field_path, violations);
      return;
  }
}

}  // namespace

bool IsValidEmail(absl::string_view email) {
  if (email.empty() || static_cast<int>(email.size()) > kEmailMax) return false;
  size_t at = email.rfind('@');
  if (at == absl::string_view::npos || at == 0 || at > 64) return false;
  absl::string_view local = email.substr(0, at);
  absl::string_view domain = email.substr(at + 1);
  // Local part: dot-atom.
  if (local.front() == '.' || local.back() == '.') return false;
  for (size_t i = 0; i < local.size(); ++i) {
    char c = local[i];
    if (c == '.') {
      if (local[i + 1] == '.') return false;
    } else if (!IsAtext(c)) {
      return false;
    }
  }
  // Domain: two or more LDH labels, each 1-63, no leading/trailing hyphen,
  // the last one not all digits.
  if (domain.empty() || domain.size() > 253) return false;
  std::vector<absl::string_view> labels = absl::StrSplit(domain, '.');
  if (labels.size() < 2) return false;
  for (absl::string_view label : labels) {
    if (label.empty() || label.size() > 63) return false;
    if (label.front() == '-' || label.back() == '-') return false;
    for (char c : label) {
      if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '-') {
        return false;
      }
    }
  }
  bool all_digits = true;
  for (char c : labels.back()) {
    all_digits = all_digits && absl::ascii_isdigit(c);
  }
  return !all_digits;
}

bool IsAbsoluteHttpUrl(absl::string_view uri) {
  absl::string_view rest;
  if (absl::StartsWithIgnoreCase(uri, "https://")) {
    rest = uri.substr(8);
  } else if (absl::StartsWithIgnoreCase(uri, "http://")) {
    rest = uri.substr(7);
  } else {
    return false;
  }
  for (char c : uri) {
    unsigned char u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u == 0x7F) return false;
  }
  size_t host_end = rest.find_first_of("/?#");
  absl::string_view authority = rest.substr(0, host_end);
  if (size_t at = authority.rfind('@'); at != absl::string_view::npos) {
    authority = authority.substr(at + 1);
  }
  absl::string_view host = authority;
  if (!host.empty() && host.front() == '[') {
    return host.find(']') != absl::string_view::npos && host.size() > 2;
  }
  if (size_t colon = host.find(':'); colon != absl::string_view::npos) {
    absl::string_view port = host.substr(colon + 1);
    host = host.substr(0, colon);
    for (char c : port) {
      if (!absl::ascii_isdigit(c)) return false;
    }
  }
  return !host.empty();
}

void ValidatePassword(absl::string_view password, const PasswordPolicy& policy,
                      const std::string& field, FieldViolations& violations) {
  CheckText(password, field, policy.min_length, policy.max_length, false,
            violations);
}

void ValidateUserFields(const v1::User& user, const UserColumnSet& columns,
                        const PasswordPolicy& policy, absl::string_view prefix,
                        FieldViolations& violations) {
  const auto path = [&](absl::string_view name) {
    return absl::StrCat(prefix, name);
  };
  for (const UserField& field : kUserFields) {
    if (Has(columns, field.column)) {
      ValidateField(user, field, policy, path(field.path), violations);
    }
  }
}

void ValidateSuspension(const v1::SuspendUserRequest& request,
                        int64_t now_micros, FieldViolations& violations) {
  CheckText(request.reason(), "reason", 1, kSuspensionReasonMax,
            /*multi_line=*/false, violations);
  if (!request.has_expire_time()) return;
  // The range of google.protobuf.Timestamp: years 1 to 9999.
  constexpr int64_t kMinSeconds = -62135596800;
  constexpr int64_t kMaxSeconds = 253402300799;
  const google::protobuf::Timestamp& expire = request.expire_time();
  if (expire.seconds() < kMinSeconds || expire.seconds() > kMaxSeconds ||
      expire.nanos() < 0 || expire.nanos() > 999999999) {
    violations.Add("expire_time", "INVALID_FORMAT", "is not a valid timestamp");
    return;
  }
  if (expire.seconds() * 1000000 + expire.nanos() / 1000 <= now_micros) {
    violations.Add("expire_time", "OUT_OF_RANGE", "must be in the future");
  }
}

}  // namespace users
