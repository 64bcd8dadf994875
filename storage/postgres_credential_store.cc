#include "storage/postgres_credential_store.h"

#include <pqxx/pqxx>

#include "absl/strings/str_cat.h"
#include "absl/strings/substitute.h"
#include "storage/postgres_rows.h"

namespace users {
namespace {

// Live sessions and API keys by the SHA-256 of their token (hex), whether
// their user is suspended, how many milliseconds they have left (floor; NULL
// for no end), and the settings of their project (see ToTokenRecord). $0 is
// kUserSuspendedSql.
constexpr char kFindTokenName[] = "find_token";
constexpr char kFindTokenPattern[] = R"sql(
SELECT t.*, p.webhook_uri, p.webhook_secret, p.password_min_length,
       p.password_max_length
  FROM (SELECT 'session' AS kind, s.project_id, s.id, s.user_id,
               u.role::integer, '[]' AS scopes, false AS is_operator,
               $0 AS suspended,
               floor(extract(epoch FROM s.expire_time - now()) * 1000)::bigint
          FROM sessions s
          JOIN users u ON u.project_id = s.project_id AND u.id = s.user_id
         WHERE s.token_hash = decode($$1, 'hex') AND s.expire_time > now()
        UNION ALL
        SELECT 'api_key', k.project_id, k.id, k.user_id,
               coalesce(u.role, 0)::integer, k.scopes::text, k.is_operator,
               coalesce($0, false),
               floor(extract(epoch FROM k.expire_time - now()) * 1000)::bigint
          FROM api_keys k
          LEFT JOIN users u ON u.project_id = k.project_id AND u.id = k.user_id
         WHERE k.token_hash = decode($$1, 'hex')
           AND (k.expire_time IS NULL OR k.expire_time > now())
         LIMIT 1) AS t
  JOIN projects p ON p.id = t.project_id
)sql";

constexpr char kCreateApiKeyName[] = "create_api_key";
constexpr char kCreateApiKeyHead[] = R"sql(
INSERT INTO api_keys (project_id, token_hash, scopes, user_id, expire_time)
VALUES ($1, decode($2, 'hex'), $3::jsonb, NULLIF($4, '')::bigint,
        to_timestamp(NULLIF($5, '')::bigint))
RETURNING
)sql";

constexpr char kGetApiKeyName[] = "get_api_key";
constexpr char kSelectApiKeys[] = R"sql(
SELECT
)sql";
constexpr char kGetApiKeyTail[] = R"sql(
  FROM api_keys WHERE project_id = $1 AND id = $2::bigint
)sql";

constexpr char kListApiKeysName[] = "list_api_keys";
constexpr char kListApiKeysTail[] = R"sql(
  FROM api_keys WHERE project_id = $1 AND id > $2::bigint
 ORDER BY id LIMIT $3::bigint
)sql";

constexpr char kDeleteApiKeyName[] = "delete_api_key";
constexpr char kDeleteApiKey[] = R"sql(
DELETE FROM api_keys WHERE project_id = $1 AND id = $2::bigint
)sql";

// Serialises operator-key installs of replicas starting at once.
constexpr char kLockOperatorKeyName[] = "lock_operator_key";
constexpr char kLockOperatorKey[] = R"sql(
SELECT pg_advisory_xact_lock(7573657274)
)sql";

constexpr char kRevokeOtherOperatorKeysName[] = "revoke_other_operator_keys";
constexpr char kRevokeOtherOperatorKeys[] = R"sql(
DELETE FROM api_keys WHERE is_operator AND token_hash <> decode($1, 'hex')
)sql";

constexpr char kUpsertOperatorKeyName[] = "upsert_operator_key";
constexpr char kUpsertOperatorKey[] = R"sql(
INSERT INTO api_keys (project_id, token_hash, scopes, is_operator)
VALUES ('default', decode($1, 'hex'), '["admin", "read", "write"]', true)
ON CONFLICT (token_hash) DO UPDATE
   SET project_id = 'default', scopes = EXCLUDED.scopes, user_id = NULL,
       expire_time = NULL, is_operator = true
)sql";

}  // namespace

std::vector<PreparedStatement> PostgresCredentialStore::Statements() {
  return {
      {kFindTokenName, absl::Substitute(kFindTokenPattern, kUserSuspendedSql)},
      {kCreateApiKeyName, absl::StrCat(kCreateApiKeyHead, kApiKeyOutputSql)},
      {kGetApiKeyName,
       absl::StrCat(kSelectApiKeys, kApiKeyOutputSql, kGetApiKeyTail)},
      {kListApiKeysName,
       absl::StrCat(kSelectApiKeys, kApiKeyOutputSql, kListApiKeysTail)},
      {kDeleteApiKeyName, kDeleteApiKey},
      {kLockOperatorKeyName, kLockOperatorKey},
      {kRevokeOtherOperatorKeysName, kRevokeOtherOperatorKeys},
      {kUpsertOperatorKeyName, kUpsertOperatorKey},
  };
}

absl::StatusOr<TokenRecord> PostgresCredentialStore::FindToken(
    const std::string& token_hash) {
  return connection_.Run(
      "FindToken",
      [&](pqxx::connection& connection) -> absl::StatusOr<TokenRecord> {
        pqxx::nontransaction transaction(connection);
        pqxx::result rows =
            transaction.exec_prepared(kFindTokenName, Hex(token_hash));
        if (rows.empty()) return NotFound("tokens");
        return ToTokenRecord(rows[0]);
      });
}

absl::StatusOr<ApiKeyRecord> PostgresCredentialStore::CreateApiKey(
    const NewApiKey& key) {
  return connection_.Run(
      "CreateApiKey",
      [&](pqxx::connection& connection) -> absl::StatusOr<ApiKeyRecord> {
        pqxx::nontransaction transaction(connection);
        return ToApiKeyRecord(transaction.exec_prepared1(
            kCreateApiKeyName, key.project_id, Hex(key.token_hash),
            JsonStrings(key.scopes), OptionalNumber(key.user_id),
            OptionalNumber(key.expire_time_unix)));
      });
}

absl::StatusOr<ApiKeyRecord> PostgresCredentialStore::GetApiKey(
    const std::string& project_id, int64_t key_id) {
  return connection_.Run(
      "GetApiKey",
      [&](pqxx::connection& connection) -> absl::StatusOr<ApiKeyRecord> {
        pqxx::nontransaction transaction(connection);
        pqxx::result rows = transaction.exec_prepared(
            kGetApiKeyName, project_id, std::to_string(key_id));
        if (rows.empty()) return NotFound("api_keys");
        return ToApiKeyRecord(rows[0]);
      });
}

absl::StatusOr<std::vector<ApiKeyRecord>> PostgresCredentialStore::ListApiKeys(
    const std::string& project_id, int64_t after_id, int limit) {
  return connection_.Run(
      "ListApiKeys",
      [&](pqxx::connection& connection)
          -> absl::StatusOr<std::vector<ApiKeyRecord>> {
        pqxx::nontransaction transaction(connection);
        std::vector<ApiKeyRecord> keys;
        for (const pqxx::row& row : transaction.exec_prepared(
                 kListApiKeysName, project_id, std::to_string(after_id),
                 std::to_string(limit))) {
          keys.push_back(ToApiKeyRecord(row));
        }
        return keys;
      });
}

absl::Status PostgresCredentialStore::DeleteApiKey(
    const std::string& project_id, int64_t key_id) {
  return connection_.Run(
      "DeleteApiKey", [&](pqxx::connection& connection) -> absl::Status {
        pqxx::nontransaction transaction(connection);
        pqxx::result rows = transaction.exec_prepared(
            kDeleteApiKeyName, project_id, std::to_string(key_id));
        if (rows.affected_rows() == 0) return NotFound("api_keys");
        return absl::OkStatus();
      });
}

absl::Status PostgresCredentialStore::InstallOperatorKey(
    const std::string& token_hash) {
  return connection_.Run(
      "InstallOperatorKey", [&](pqxx::connection& connection) -> absl::Status {
        pqxx::work transaction(connection);
        const std::string hash = Hex(token_hash);
        transaction.exec_prepared(kLockOperatorKeyName);
        transaction.exec_prepared0(kRevokeOtherOperatorKeysName, hash);
        transaction.exec_prepared0(kUpsertOperatorKeyName, hash);
        AtCommitPoint([&] { transaction.commit(); });
        return absl::OkStatus();
      });
}

}  // namespace users
