#include "services/users/resource_names.h"

#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "services/common/api_error.h"

namespace users {
namespace {

absl::Status Malformed(const std::string& field, absl::string_view expected) {
  FieldViolations violations;
  violations.Add(field, "INVALID_FORMAT",
                 absl::StrCat("must look like \"", expected, "\""));
  return violations.ToStatus();
}

}  // namespace

bool IsValidProjectId(absl::string_view id) {
  if (id.size() < 3 || id.size() > 63) return false;
  if (!(id.front() >= 'a' && id.front() <= 'z') || id.back() == '-') {
    return false;
  }
  for (char c : id) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) {
      return false;
    }
  }
  return true;
}

absl::StatusOr<std::string> ParseLiteralProjectName(absl::string_view name,
                                                    const std::string& field) {
  std::vector<absl::string_view> parts = absl::StrSplit(name, '/');
  if (parts.size() != 2 || parts[0] != "projects" ||
      !IsValidProjectId(parts[1])) {
    return Malformed(field, "projects/{project}");
  }
  return std::string(parts[1]);
}

absl::StatusOr<std::string> ParseProjectName(absl::string_view name,
                                             const Principal& principal,
                                             const std::string& field) {
  if (name == "projects/-") return principal.project_id;
  return ParseLiteralProjectName(name, field);
}

absl::StatusOr<UserName> ParseUserName(absl::string_view name,
                                       const Principal& principal,
                                       const std::string& field) {
  static constexpr absl::string_view kPattern =
      "projects/{project}/users/{user}";
  std::vector<absl::string_view> parts = absl::StrSplit(name, '/');
  if (parts.size() != 4 || parts[0] != "projects" || parts[2] != "users") {
    return Malformed(field, kPattern);
  }
  UserName result;
  if (parts[1] == "-") {
    result.project_id = principal.project_id;
  } else if (IsValidProjectId(parts[1])) {
    result.project_id = std::string(parts[1]);
  } else {
    return Malformed(field, kPattern);
  }
  if (parts[3] == "me") {
    if (!principal.user_id.has_value()) {
      FieldViolations violations;
      violations.Add(field, "INVALID_FORMAT",
                     "\"me\" needs credentials that belong to a user");
      return violations.ToStatus();
    }
    result.user_id = *principal.user_id;
    return result;
  }
  // Canonical decimal: no sign, no leading zero, fits in int64.
  bool digits_only = !parts[3].empty() && parts[3].size() <= 19 &&
                     parts[3].front() != '0';
  for (char c : parts[3]) digits_only = digits_only && c >= '0' && c <= '9';
  if (!digits_only || !absl::SimpleAtoi(parts[3], &result.user_id) ||
      result.user_id <= 0) {
    return Malformed(field, kPattern);
  }
  return result;
}

std::string FormatUserName(const std::string& project_id, int64_t user_id) {
  return absl::StrCat("projects/", project_id, "/users/", user_id);
}

}  // namespace users
