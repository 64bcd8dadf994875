#include "services/users/user_mask.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "services/users/api_error.h"
#include "storage/user_fields.h"

namespace users {
namespace {

// The writable field with mask path `path`, or nullptr.
const UserField* FieldAt(absl::string_view path) {
  for (const UserField& field : kUserFields) {
    if (path == field.path) return &field;
  }
  return nullptr;
}

bool IsOutputOnly(absl::string_view field) {
  for (const char* output_only : kOutputOnlyUserFields) {
    if (field == output_only) return true;
  }
  return false;
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

void AddField(ResolvedMask& resolved, const UserField& field) {
  if (Has(resolved.columns, field.column)) return;
  Add(resolved.columns, field.column);
  resolved.paths.push_back(field.path);
}

ResolvedMask FromPopulatedFields(const v1::User& user) {
  ResolvedMask resolved;
  for (const UserField& field : kUserFields) {
    if (field.present(user)) AddField(resolved, field);
  }
  return resolved;
}

}  // namespace

const std::vector<std::string>& WritableUserPaths() {
  static const auto* paths = [] {
    auto* list = new std::vector<std::string>;
    for (const UserField& field : kUserFields) list->push_back(field.path);
    return list;
  }();
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
      for (const UserField& field : kUserFields) {
        if (field.column == UserColumn::kPasswordHash &&
            user.password().empty()) {
          continue;
        }
        AddField(resolved, field);
      }
      continue;
    }
    if (!IsWellFormed(path)) {
      violations.Add("update_mask", "INVALID_FORMAT",
                     absl::StrCat("\"", path, "\" is not a field path"));
      continue;
    }
    std::string top = path.substr(0, path.find('.'));
    if (IsOutputOnly(top)) continue;
    if (const UserField* field = FieldAt(path)) {
      AddField(resolved, *field);
      continue;
    }
    // A message whose fields are written one by one ("settings") stands
    // for all of them.
    bool group = false;
    for (const UserField& field : kUserFields) {
      if (absl::StartsWith(field.path, absl::StrCat(path, "."))) {
        AddField(resolved, field);
        group = true;
      }
    }
    if (group) continue;
    if (FieldAt(top) != nullptr) {
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
