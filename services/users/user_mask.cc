#include "services/users/user_mask.h"

#include <algorithm>
#include <map>
#include <set>

#include "absl/strings/str_cat.h"
#include "services/common/api_error.h"

namespace users {
namespace {

const std::map<std::string, UserColumn>& ColumnsByPath() {
  static const auto* columns = new std::map<std::string, UserColumn>{
      {"username", UserColumn::kUsername},
      {"email", UserColumn::kEmail},
      {"password", UserColumn::kPasswordHash},
      {"given_name", UserColumn::kGivenName},
      {"family_name", UserColumn::kFamilyName},
      {"display_name", UserColumn::kDisplayName},
      {"role", UserColumn::kRole},
      {"avatar_uri", UserColumn::kAvatarUri},
      {"bio", UserColumn::kBio},
      {"birth_date", UserColumn::kBirthDate},
      {"location", UserColumn::kLocation},
      {"metadata", UserColumn::kMetadata},
      {"secure_metadata", UserColumn::kSecureMetadata},
      {"settings.language", UserColumn::kLanguage},
      {"settings.script_types", UserColumn::kScriptTypes},
  };
  return *columns;
}

const std::set<std::string>& OutputOnlyFields() {
  static const auto* fields = new std::set<std::string>{
      "name",        "email_verified", "suspensions",
      "create_time", "update_time",    "etag"};
  return *fields;
}

bool IsWellFormed(const std::string& path) {
  if (path.empty() || path.front() == '.' || path.back() == '.') return false;
  for (size_t i = 0; i < path.size(); ++i) {
    char c = path[i];
    bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
              (c == '.' && path[i + 1] != '.');
    if (!ok) return false;
  }
  return true;
}

void AddPath(ResolvedMask& resolved, const std::string& path) {
  UserColumn column = ColumnsByPath().at(path);
  if (Has(resolved.columns, column)) return;
  Add(resolved.columns, column);
  resolved.paths.push_back(path);
}

ResolvedMask FromPopulatedFields(const v1::User& user) {
  ResolvedMask resolved;
  if (!user.username().empty()) AddPath(resolved, "username");
  if (!user.email().empty()) AddPath(resolved, "email");
  if (!user.password().empty()) AddPath(resolved, "password");
  if (!user.given_name().empty()) AddPath(resolved, "given_name");
  if (!user.family_name().empty()) AddPath(resolved, "family_name");
  if (!user.display_name().empty()) AddPath(resolved, "display_name");
  if (user.role() != v1::User::ROLE_UNSPECIFIED) AddPath(resolved, "role");
  if (!user.avatar_uri().empty()) AddPath(resolved, "avatar_uri");
  if (!user.bio().empty()) AddPath(resolved, "bio");
  if (user.has_birth_date()) AddPath(resolved, "birth_date");
  if (user.has_location()) AddPath(resolved, "location");
  if (user.has_metadata()) AddPath(resolved, "metadata");
  if (user.has_secure_metadata()) AddPath(resolved, "secure_metadata");
  if (user.has_settings()) {
    const auto& settings = user.settings();
    bool empty = settings.language().empty() && settings.script_types().empty();
    if (empty || !settings.language().empty()) {
      AddPath(resolved, "settings.language");
    }
    if (empty || !settings.script_types().empty()) {
      AddPath(resolved, "settings.script_types");
    }
  }
  return resolved;
}

}  // namespace

const std::vector<std::string>& WritableUserPaths() {
  static const auto* paths = new std::vector<std::string>{
      "username",   "email",           "password",          "given_name",
      "family_name", "display_name",   "role",              "avatar_uri",
      "bio",        "birth_date",      "location",          "metadata",
      "secure_metadata", "settings.language", "settings.script_types"};
  return *paths;
}

absl::StatusOr<ResolvedMask> ResolveUpdateMask(
    const v1::User& user, const google::protobuf::FieldMask* mask) {
  if (mask == nullptr || mask->paths().empty()) {
    return FromPopulatedFields(user);
  }
  ResolvedMask resolved;
  FieldViolations violations;
  for (const std::string& path : mask->paths()) {
    if (path == "*") {
      for (const std::string& writable : WritableUserPaths()) {
        if (writable == "password" && user.password().empty()) continue;
        AddPath(resolved, writable);
      }
      continue;
    }
    if (!IsWellFormed(path)) {
      violations.Add("update_mask", "INVALID_FORMAT",
                     absl::StrCat("\"", path, "\" is not a field path"));
      continue;
    }
    std::string top = path.substr(0, path.find('.'));
    if (OutputOnlyFields().count(top) > 0) continue;
    if (path == "settings") {
      AddPath(resolved, "settings.language");
      AddPath(resolved, "settings.script_types");
      continue;
    }
    if (ColumnsByPath().count(path) > 0) {
      AddPath(resolved, path);
      continue;
    }
    if (ColumnsByPath().count(top) > 0) {
      violations.Add("update_mask", "UNKNOWN_FIELD",
                     absl::StrCat("\"", path, "\": ", top,
                                  " can only be updated as a whole"));
      continue;
    }
    violations.Add("update_mask", "UNKNOWN_FIELD",
                   absl::StrCat("\"", path, "\" is not a field of User"));
  }
  if (!violations.empty()) return violations.ToStatus();
  return resolved;
}

}  // namespace users
