#ifndef USERS_STORAGE_POSTGRES_ROWS_H_
#define USERS_STORAGE_POSTGRES_ROWS_H_

#include <cstdint>
#include <optional>
#include <pqxx/row>
#include <string>
#include <vector>

#include "storage/credential_store.h"
#include "storage/project_store.h"
#include "storage/session_store.h"
#include "storage/user_store.h"

namespace users {

// Row mapping: how the stores' result rows become records and protos, and
// how values become the text parameters the statements cast. Every mapping
// throws (std::runtime_error, or what libpqxx throws) on malformed stored
// data; the connection translates it into Internal.

// Whether the user row `u` has a suspension in force (stored shape: see
// 0001_init.sql). An empty array, the usual case, costs no unnesting; a NULL
// (no user) is not suspended.
extern const char kUserSuspendedSql[];

// The select list of a user row `u`: the columns ToUserRecord reads. Never
// password_hash or secure_metadata. Suspensions: those still in force.
const std::string& UserOutputSql();

// Maps a row of UserOutputSql(): the User with its name, etag and every
// output field filled in.
UserRecord ToUserRecord(const pqxx::row& row);

// Maps a row of id, webhook_uri, webhook_secret, password_min_length,
// password_max_length.
ProjectRecord ToProjectRecord(const pqxx::row& row);

// Maps a row of kApiKeyOutputSql.
extern const char kApiKeyOutputSql[];
ApiKeyRecord ToApiKeyRecord(const pqxx::row& row);

// Maps a row of kind ('session' or 'api_key'), project_id, id, user_id,
// role, scopes (JSON text), is_operator, suspended, then the project's
// webhook_uri, webhook_secret, password_min_length, password_max_length.
TokenRecord ToTokenRecord(const pqxx::row& row);

// Maps a row of kIdempotencyRecordOutputSql.
extern const char kIdempotencyRecordOutputSql[];
IdempotencyRecord ToIdempotencyRecord(const pqxx::row& row);

// Parameters: bytes as hex (decode($n, 'hex')), strings as a JSON array,
// and "" for none (NULLIF($n, '')).
std::string Hex(const std::string& bytes);
std::string JsonStrings(const std::vector<std::string>& values);
std::string OptionalNumber(std::optional<int64_t> value);

}  // namespace users

#endif  // USERS_STORAGE_POSTGRES_ROWS_H_
