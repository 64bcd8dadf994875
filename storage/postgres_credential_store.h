#ifndef USERS_STORAGE_POSTGRES_CREDENTIAL_STORE_H_
#define USERS_STORAGE_POSTGRES_CREDENTIAL_STORE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "storage/credential_store.h"
#include "storage/postgres_connection.h"

namespace users {

// The CredentialStore over a PostgresConnection (tables api_keys, and
// sessions for what a token resolves to).
class PostgresCredentialStore final : public CredentialStore {
 public:
  explicit PostgresCredentialStore(PostgresConnection& connection)
      : connection_(connection) {}

  // The statements this store runs, prepared on each new connection.
  static std::vector<PreparedStatement> Statements();

  absl::StatusOr<TokenRecord> FindToken(const std::string& token_hash) override;
  absl::StatusOr<ApiKeyRecord> CreateApiKey(const NewApiKey& key) override;
  absl::StatusOr<ApiKeyRecord> GetApiKey(const std::string& project_id,
                                         int64_t key_id) override;
  absl::StatusOr<std::vector<ApiKeyRecord>> ListApiKeys(
      const std::string& project_id, int64_t after_id, int limit) override;
  absl::Status DeleteApiKey(const std::string& project_id,
                            int64_t key_id) override;
  absl::Status InstallOperatorKey(const std::string& token_hash) override;

 private:
  PostgresConnection& connection_;
};

}  // namespace users

#endif  // USERS_STORAGE_POSTGRES_CREDENTIAL_STORE_H_
