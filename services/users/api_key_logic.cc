#include "services/users/api_key_logic.h"

#include <ctime>
#include <set>

#include "absl/strings/str_cat.h"
#include "google/protobuf/util/time_util.h"
#include "services/users/api_error.h"
#include "services/users/authenticator.h"
#include "services/users/authorizer.h"
#include "services/users/page_request.h"
#include "services/users/resource_names.h"
#include "services/users/tokens.h"

namespace users {
namespace {

using google::protobuf::util::TimeUtil;

constexpr char kDefaultProjectId[] = "default";

v1::ApiKey ToProto(const ApiKeyRecord& record) {
  v1::ApiKey key;
  key.set_name(FormatApiKeyName(record.project_id, record.id));
  for (const std::string& scope : record.scopes) key.add_scopes(scope);
  if (record.user_id.has_value()) {
    key.set_user(FormatUserName(record.project_id, *record.user_id));
  }
  *key.mutable_create_time() =
      TimeUtil::SecondsToTimestamp(record.create_time_unix);
  if (record.expire_time_unix.has_value()) {
    *key.mutable_expire_time() =
        TimeUtil::SecondsToTimestamp(*record.expire_time_unix);
  }
  return key;
}

// The key `request` asks for, as `principal` may create it; violations and
// denials as the RPC returns them. The project is already authorized.
absl::StatusOr<NewApiKey> PlanKey(const v1::CreateApiKeyRequest& request,
                                  const Principal& principal,
                                  const std::string& project_id) {
  FieldViolations violations;
  std::set<std::string> scopes;
  for (const std::string& scope : request.scopes()) {
    if (scope != "read" && scope != "write" && scope != "admin") {
      violations.Add(
          "scopes", "INVALID_FORMAT",
          absl::StrCat("\"", scope, "\" is not one of read, write, admin"));
    }
    scopes.insert(scope);
  }
  if (request.scopes().empty()) {
    violations.Add("scopes", "REQUIRED", "needs at least one scope");
  }
  NewApiKey key;
  key.project_id = project_id;
  if (!request.user().empty()) {
    absl::StatusOr<UserName> user =
        ParseUserName(request.user(), principal, "user");
    if (!user.ok()) return user.status();
    if (user->project_id != project_id) {
      violations.Add("user", "INVALID_FORMAT",
                     "must be a user of the parent project");
    }
    key.user_id = user->user_id;
  }
  if (request.has_expire_time()) {
    int64_t expire = TimeUtil::TimestampToSeconds(request.expire_time());
    if (expire <= std::time(nullptr)) {
      violations.Add("expire_time", "OUT_OF_RANGE", "must be in the future");
    }
    key.expire_time_unix = expire;
  }
  if (!violations.empty()) return violations.ToStatus();
  for (const std::string& scope : scopes) {
    if (absl::Status s = AuthorizeScopeGrant(principal, scope); !s.ok()) {
      return s;
    }
  }
  // A user's credentials mint keys of that user only.
  if (principal.user_id.has_value()) {
    if (key.user_id.has_value() && *key.user_id != *principal.user_id) {
      return ApiError(absl::StatusCode::kPermissionDenied, "NOT_SELF",
                      "a user's credentials create keys of that user only");
    }
    key.user_id = principal.user_id;
  }
  key.scopes.assign(scopes.begin(), scopes.end());
  return key;
}

}  // namespace

void ApiKeyLogic::CreateApiKey(const CallContext& call,
                               const v1::CreateApiKeyRequest& request,
                               const Callback<v1::ApiKey>& done) {
  RunAuthenticated(
      deps_, call,
      [request, done](Stores& stores, const Principal& principal) {
        absl::StatusOr<std::string> project_id =
            ParseProjectName(request.parent(), principal, "parent");
        if (!project_id.ok()) return done(project_id.status());
        if (absl::Status s = AuthorizeProjectManagement(principal, *project_id);
            !s.ok()) {
          return done(s);
        }
        absl::StatusOr<NewApiKey> key =
            PlanKey(request, principal, *project_id);
        if (!key.ok()) return done(key.status());
        std::string token = NewToken();
        key->token_hash = TokenHash(token);
        absl::StatusOr<ApiKeyRecord> created =
            stores.credentials.CreateApiKey(*key);
        if (!created.ok()) return done(created.status());
        v1::ApiKey result = ToProto(*created);
        result.set_token(token);
        done(std::move(result));
      },
      done);
}

void ApiKeyLogic::ListApiKeys(const CallContext& call,
                              const v1::ListApiKeysRequest& request,
                              const Callback<v1::ListApiKeysResponse>& done) {
  RunAuthenticated(
      deps_, call,
      [request, done](Stores& stores, const Principal& principal) {
        absl::StatusOr<std::string> project_id =
            ParseProjectName(request.parent(), principal, "parent");
        if (!project_id.ok()) return done(project_id.status());
        if (absl::Status s = AuthorizeProjectManagement(principal, *project_id);
            !s.ok()) {
          return done(s);
        }
        FieldViolations violations;
        PageRequest page = ParsePageRequest(request.page_size(),
                                            request.page_token(), violations);
        if (!violations.empty()) return done(violations.ToStatus());
        absl::StatusOr<std::vector<ApiKeyRecord>> keys =
            stores.credentials.ListApiKeys(*project_id, page.after_id,
                                           page.size + 1);
        if (!keys.ok()) return done(keys.status());
        v1::ListApiKeysResponse response;
        response.set_next_page_token(
            TakePage(*keys, page, [&](const ApiKeyRecord& key) {
              *response.add_api_keys() = ToProto(key);
            }));
        done(std::move(response));
      },
      done);
}

void ApiKeyLogic::DeleteApiKey(const CallContext& call,
                               const v1::DeleteApiKeyRequest& request,
                               const Callback<google::protobuf::Empty>& done) {
  RunAuthenticated(
      deps_, call,
      [this, request, done](Stores& stores, const Principal& principal) {
        absl::StatusOr<ApiKeyName> name =
            ParseApiKeyName(request.name(), principal, "name");
        if (!name.ok()) return done(name.status());
        if (absl::Status s =
                AuthorizeProjectManagement(principal, name->project_id);
            !s.ok()) {
          return done(s);
        }
        absl::StatusOr<ApiKeyRecord> key =
            stores.credentials.GetApiKey(name->project_id, name->key_id);
        if (!key.ok()) return done(key.status());
        if (key->is_operator && !principal.is_operator) {
          return done(ApiError(absl::StatusCode::kPermissionDenied,
                               "OPERATOR_KEY",
                               "only the operator deletes the operator's key"));
        }
        if (absl::Status s =
                stores.credentials.DeleteApiKey(name->project_id, name->key_id);
            !s.ok()) {
          return done(s);
        }
        // The key's hash is not known here: forget the project's tokens.
        if (deps_.principal_cache != nullptr) {
          deps_.principal_cache->EvictProject(name->project_id);
        }
        done(google::protobuf::Empty());
      },
      done);
}

absl::Status InstallOperatorKey(const Stores& stores,
                                const std::string& token) {
  if (absl::Status s = stores.projects.EnsureProject(kDefaultProjectId);
      !s.ok()) {
    return s;
  }
  return stores.credentials.InstallOperatorKey(TokenHash(token));
}

}  // namespace users
