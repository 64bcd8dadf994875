#ifndef USERS_STORAGE_CREDENTIAL_STORE_H_
#define USERS_STORAGE_CREDENTIAL_STORE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "storage/project_store.h"

namespace users {

// What a bearer token resolves to.
struct TokenRecord {
  enum class Kind { kSession, kApiKey };
  Kind kind = Kind::kSession;
  std::string project_id;
  int64_t id = 0;                   // session or key id
  std::optional<int64_t> user_id;   // always set for sessions
  int user_role = 0;                // users.v1.User.Role of user_id, if any
  std::vector<std::string> scopes;  // API keys only
  bool is_operator = false;         // the operator's key (API keys only)
  // user_id has a suspension in force (see UserStore::SuspendUser).
  bool user_suspended = false;
  // How long the token stays valid after it was read, by the database's
  // clock, rounded down; nullopt when it has no end.
  std::optional<int64_t> expires_in_ms;
  // The settings of project_id, read with the token: an update needs them,
  // and this saves it a round trip.
  ProjectRecord project;
};

struct NewApiKey {
  std::string project_id;
  std::string token_hash;  // raw SHA-256 bytes
  std::vector<std::string> scopes;
  std::optional<int64_t> user_id;
  std::optional<int64_t> expire_time_unix;
};

// A stored API key (never its token or hash).
struct ApiKeyRecord {
  std::string project_id;
  int64_t id = 0;
  std::vector<std::string> scopes;
  std::optional<int64_t> user_id;
  int64_t create_time_unix = 0;
  std::optional<int64_t> expire_time_unix;
  bool is_operator = false;
};

// Credentials: what bearer tokens (session tokens and API keys) resolve to,
// and the API keys themselves. Errors as in storage/store_error.h.
class CredentialStore {
 public:
  virtual ~CredentialStore() = default;

  // Resolves a token hash to a live session or an unexpired API key;
  // NotFound (tokens) if none. A read only: it changes nothing (no last-use
  // time, no sliding expiry), so its answer may be cached until a change to
  // the token, its user or its project is announced (0008_principal_changes).
  virtual absl::StatusOr<TokenRecord> FindToken(
      const std::string& token_hash) = 0;
  // AlreadyExists when the hash is taken; NotFound (projects, users) when
  // the project or user does not exist.
  virtual absl::StatusOr<ApiKeyRecord> CreateApiKey(const NewApiKey& key) = 0;
  // NotFound (api_keys) when the project has no such key.
  virtual absl::StatusOr<ApiKeyRecord> GetApiKey(const std::string& project_id,
                                                 int64_t key_id) = 0;
  // Keys with id > after_id in id order, at most `limit`.
  virtual absl::StatusOr<std::vector<ApiKeyRecord>> ListApiKeys(
      const std::string& project_id, int64_t after_id, int limit) = 0;
  // NotFound (api_keys) when the project has no such key.
  virtual absl::Status DeleteApiKey(const std::string& project_id,
                                    int64_t key_id) = 0;
  // Makes the key with `token_hash` the operator's key of project "default"
  // (admin, read and write; created when missing) and deletes any other
  // operator key, in one transaction.
  virtual absl::Status InstallOperatorKey(const std::string& token_hash) = 0;
};

}  // namespace users

#endif  // USERS_STORAGE_CREDENTIAL_STORE_H_
