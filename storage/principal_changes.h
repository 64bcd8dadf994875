#ifndef USERS_STORAGE_PRINCIPAL_CHANGES_H_
#define USERS_STORAGE_PRINCIPAL_CHANGES_H_

#include <cstdint>
#include <optional>
#include <string>

#include "absl/strings/string_view.h"

namespace users {

// The NOTIFY channel on which the database announces, at commit, every
// change to what a bearer token resolves to (migration
// 0008_principal_changes).
inline constexpr char kPrincipalChangesChannel[] = "principal_changes";

// One announcement: which cached principals it makes stale.
struct PrincipalChange {
  enum class Kind {
    kToken,    // the session or API key of token_hash
    kUser,     // every token of user_id in project_id
    kProject,  // every token of project_id (its settings changed)
    kAll,      // everything (a table was truncated)
  };
  Kind kind = Kind::kAll;
  std::string token_hash;  // raw SHA-256 bytes (kToken)
  std::string project_id;  // kUser, kProject
  int64_t user_id = 0;     // kUser
};

// Parses a payload of kPrincipalChangesChannel: "token:<64 hex digits>",
// "user:<id>:<project id>", "project:<project id>" or "all:". nullopt for
// anything else (the caller treats that as kAll: a payload it does not
// understand must not leave a stale entry behind).
std::optional<PrincipalChange> ParsePrincipalChange(absl::string_view payload);

}  // namespace users

#endif  // USERS_STORAGE_PRINCIPAL_CHANGES_H_
