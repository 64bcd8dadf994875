#include "storage/postgres_rows.h"

#include <pqxx/pqxx>
#include <stdexcept>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "nlohmann/json.hpp"
#include "storage/user_fields.h"

namespace users {

// Whether the user row `u` has a suspension in force (stored shape: see
// 0001_init.sql). An empty array, the usual case, costs no unnesting; a NULL
// (no user) is not suspended.
const char kUserSuspendedSql[] = R"sql(
(u.suspensions <> '[]' AND EXISTS (
   SELECT FROM jsonb_array_elements(u.suspensions) AS s
    WHERE s.value->>'expire_time' IS NULL
       OR (s.value->>'expire_time')::timestamptz > now()))
)sql";

// An API key's output columns, in ToApiKeyRecord order.
const char kApiKeyOutputSql[] = R"sql(
       project_id, id, scopes::text, user_id,
       floor(extract(epoch FROM create_time))::bigint,
       floor(extract(epoch FROM expire_time))::bigint, is_operator
)sql";

const char kIdempotencyRecordOutputSql[] = R"sql(
SELECT project_id, actor, request_id, method, encode(request_hash, 'hex'),
       encode(caller_token_hash, 'hex'), ended_caller_token,
       coalesce(password_hash, ''), encode(response, 'hex'), session_id
  FROM idempotency_records
)sql";

namespace {

// The output columns of a user row `u`: first these, in OutputColumn order,
// then the outputs of kUserFields in table order (see UserOutputSql). Never
// password_hash or secure_metadata. Suspensions: those still in force, in
// stored order, times in microseconds.
constexpr char kUserOutputHead[] = R"sql(
       u.project_id, u.id, u.version, u.email_verified,
       (SELECT coalesce(jsonb_agg(jsonb_build_object(
                 'reason', coalesce(s.value->>'reason', ''),
                 'create_us', (extract(epoch FROM
                     (s.value->>'create_time')::timestamptz) * 1000000)::bigint,
                 'expire_us', (extract(epoch FROM
                     (s.value->>'expire_time')::timestamptz) * 1000000)::bigint)
                 ORDER BY s.ordinality), '[]')
          FROM jsonb_array_elements(u.suspensions) WITH ORDINALITY AS s
         WHERE s.value->>'expire_time' IS NULL
            OR (s.value->>'expire_time')::timestamptz > now())::text,
       (extract(epoch FROM u.create_time) * 1000000)::bigint,
       (extract(epoch FROM u.update_time) * 1000000)::bigint)sql";

enum OutputColumn {
  kOutProjectId = 0,
  kOutId,
  kOutVersion,
  kOutEmailVerified,
  kOutSuspensions,
  kOutCreateMicros,
  kOutUpdateMicros,
  kOutFirstField,
};

void SetMicros(int64_t micros, google::protobuf::Timestamp* timestamp) {
  int64_t seconds = micros / 1000000;
  int64_t rest = micros % 1000000;
  if (rest < 0) {
    rest += 1000000;
    --seconds;
  }
  timestamp->set_seconds(seconds);
  timestamp->set_nanos(static_cast<int32_t>(rest * 1000));
}

nlohmann::json ParseJson(const pqxx::field& field, const char* what) {
  nlohmann::json json = nlohmann::json::parse(
      field.c_str(), field.c_str() + field.size(), nullptr, false);
  if (json.is_discarded()) {
    throw std::runtime_error(absl::StrCat("stored ", what, " is not JSON"));
  }
  return json;
}

constexpr int kMaxFieldOutputs = 3;
constexpr bool OutputsFit() {
  for (const UserField& field : kUserFields) {
    if (field.outputs > kMaxFieldOutputs) return false;
  }
  return true;
}
static_assert(OutputsFit(), "a field has more outputs than ToUserRecord reads");

// Reads a project's settings (webhook_uri, webhook_secret,
// password_min_length, password_max_length) from the columns at `first`.
void ReadProjectSettings(const pqxx::row& row, int first,
                         ProjectRecord& project) {
  project.webhook_uri = row[first].as<std::string>();
  project.webhook_secret = row[first + 1].as<std::string>();
  project.password_min_length = row[first + 2].as<int>();
  project.password_max_length = row[first + 3].as<int>();
}

// The columns of ToTokenRecord's row where `suspended`, the milliseconds
// left and the project's settings are.
constexpr int kTokenSuspendedColumn = 7;
constexpr int kTokenExpiresInColumn = 8;
constexpr int kTokenProjectColumn = 9;

}  // namespace

// The select list of a user row: kUserOutputHead, then each field's output.
const std::string& UserOutputSql() {
  static const std::string* sql = [] {
    auto* text = new std::string(kUserOutputHead);
    for (const UserField& field : kUserFields) {
      if (field.output != nullptr) {
        absl::StrAppend(text, ",\n       ", field.output);
      }
    }
    absl::StrAppend(text, "\n");
    return text;
  }();
  return *sql;
}

UserRecord ToUserRecord(const pqxx::row& row) {
  UserRecord record;
  record.project_id = row[kOutProjectId].as<std::string>();
  record.id = row[kOutId].as<int64_t>();
  record.version = row[kOutVersion].as<int64_t>();
  v1::User& user = record.user;
  user.set_name(
      absl::StrCat("projects/", record.project_id, "/users/", record.id));
  user.set_etag(std::to_string(record.version));
  user.set_email_verified(row[kOutEmailVerified].as<bool>());
  int next = kOutFirstField;
  StoredCell cells[kMaxFieldOutputs];
  for (const UserField& field : kUserFields) {
    if (field.output == nullptr) continue;
    for (int i = 0; i < field.outputs; ++i) {
      const pqxx::field& cell = row[next + i];
      cells[i].null = cell.is_null();
      cells[i].text = absl::string_view(cell.c_str(), cell.size());
    }
    field.read(cells, user);
    next += field.outputs;
  }
  for (const nlohmann::json& stored :
       ParseJson(row[kOutSuspensions], "suspensions")) {
    v1::User::Suspension* suspension = user.add_suspensions();
    suspension->set_reason(stored.value("reason", ""));
    if (stored.contains("create_us") && stored["create_us"].is_number()) {
      SetMicros(stored["create_us"].get<int64_t>(),
                suspension->mutable_create_time());
    }
    if (stored.contains("expire_us") && stored["expire_us"].is_number()) {
      SetMicros(stored["expire_us"].get<int64_t>(),
                suspension->mutable_expire_time());
    }
  }
  SetMicros(row[kOutCreateMicros].as<int64_t>(), user.mutable_create_time());
  SetMicros(row[kOutUpdateMicros].as<int64_t>(), user.mutable_update_time());
  return record;
}

ProjectRecord ToProjectRecord(const pqxx::row& row) {
  ProjectRecord project;
  project.id = row[0].as<std::string>();
  ReadProjectSettings(row, 1, project);
  return project;
}

TokenRecord ToTokenRecord(const pqxx::row& row) {
  TokenRecord token;
  token.kind = row[0].as<std::string>() == "session"
                   ? TokenRecord::Kind::kSession
                   : TokenRecord::Kind::kApiKey;
  token.project_id = row[1].as<std::string>();
  token.id = row[2].as<int64_t>();
  if (!row[3].is_null()) token.user_id = row[3].as<int64_t>();
  token.user_role = row[4].as<int>();
  token.user_suspended = row[kTokenSuspendedColumn].as<bool>();
  if (!row[kTokenExpiresInColumn].is_null()) {
    token.expires_in_ms = row[kTokenExpiresInColumn].as<int64_t>();
  }
  for (const nlohmann::json& scope : ParseJson(row[5], "scopes")) {
    if (scope.is_string()) token.scopes.push_back(scope.get<std::string>());
  }
  token.is_operator = row[6].as<bool>();
  token.project.id = token.project_id;
  ReadProjectSettings(row, kTokenProjectColumn, token.project);
  return token;
}

std::string OptionalNumber(std::optional<int64_t> value) {
  return value.has_value() ? std::to_string(*value) : std::string();
}

ApiKeyRecord ToApiKeyRecord(const pqxx::row& row) {
  ApiKeyRecord key;
  key.project_id = row[0].as<std::string>();
  key.id = row[1].as<int64_t>();
  for (const nlohmann::json& scope : ParseJson(row[2], "scopes")) {
    if (scope.is_string()) key.scopes.push_back(scope.get<std::string>());
  }
  if (!row[3].is_null()) key.user_id = row[3].as<int64_t>();
  key.create_time_unix = row[4].as<int64_t>();
  if (!row[5].is_null()) key.expire_time_unix = row[5].as<int64_t>();
  key.is_operator = row[6].as<bool>();
  return key;
}

IdempotencyRecord ToIdempotencyRecord(const pqxx::row& row) {
  IdempotencyRecord record;
  record.key.project_id = row[0].as<std::string>();
  record.key.actor = row[1].as<std::string>();
  record.key.request_id = row[2].as<std::string>();
  record.method = row[3].as<std::string>();
  record.request_hash = absl::HexStringToBytes(row[4].as<std::string>());
  record.caller_token_hash = absl::HexStringToBytes(row[5].as<std::string>());
  record.ended_caller_token = row[6].as<bool>();
  record.password_hash = row[7].as<std::string>();
  record.response = absl::HexStringToBytes(row[8].as<std::string>());
  if (!row[9].is_null()) record.session_id = row[9].as<int64_t>();
  return record;
}

std::string Hex(const std::string& bytes) {
  return absl::BytesToHexString(bytes);
}

std::string JsonStrings(const std::vector<std::string>& values) {
  return nlohmann::json(values).dump(-1, ' ', false,
                                     nlohmann::json::error_handler_t::replace);
}

}  // namespace users
