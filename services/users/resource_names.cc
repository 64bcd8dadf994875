#include "services/users/resource_names.h"

#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "services/users/api_error.h"

namespace users {
namespace {

absl::Status Malformed(const std::string& field, absl::string_view expected) {
  FieldViolations violations;
  violations.Add(field, "INVALID_FORMAT",
                 absl::StrCat("must look like \"", expected, "\""));
  return violations.ToStatus();
}

// "-" (the principal's project) or a valid project id.
bool ParseProjectSegment(absl::string_view segment, const Principal& principal,
                         std::string* project_id) {
  if (segment == "-") {
    *project_id = principal.project_id;
    return true;
  }
  if (!IsValidProjectId(segment)) return false;
  *project_id = std::string(segment);
  return true;
}

// A canonical positive decimal id: no sign, no leading zero, fits in int64.
bool ParseIdSegment(absl::string_view segment, int64_t* id) {
  bool digits_only =
      !segment.empty() && segment.size() <= 19 && segment.front() != '0';
  for (char c : segment) digits_only = digits_only && c >= '0' && c <= '9';
  return digits_only && absl::SimpleAtoi(segment, id) && *id > 0;
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
  if (!ParseProjectSegment(parts[1], principal, &result.project_id)) {
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
  if (!ParseIdSegment(parts[3], &result.user_id)) {
    return Malformed(field, kPattern);
  }
  return result;
}

absl::StatusOr<ApiKeyName> ParseApiKeyName(absl::string_view name,
                                           const Principal& principal,
                                           const std::string& field) {
  static constexpr absl::string_view kPattern =
      "projects/{project}/apiKeys/{key}";
  std::vector<absl::string_view> parts = absl::StrSplit(name, '/');
  ApiKeyName result;
  if (parts.size() != 4 || parts[0] != "projects" || parts[2] != "apiKeys" ||
      !ParseProjectSegment(parts[1], principal, &result.project_id) ||
      !ParseIdSegment(parts[3], &result.key_id)) {
    return Malformed(field, kPattern);
  }
  return result;
}

std::string FormatApiKeyName(const std::string& project_id, int64_t key_id) {
  return absl::StrCat("projects/", project_id, "/apiKeys/", key_id);
}

std::string FormatUserName(const std::string& project_id, int64_t user_id) {
  return absl::StrCat("projects/", project_id, "/users/", user_id);
}

}  // namespace users
