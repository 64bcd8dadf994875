// API keys through a real server: who may create which key, listing,
// revocation, expiry, and the operator's key.

#include "google/protobuf/util/time_util.h"
#include "tests/grpc/userd_fixture.h"

namespace users {
namespace test {
namespace {

using google::protobuf::util::TimeUtil;

class ApiKeysTest : public UserdFixture {
 protected:
  static grpc::Status TryCreateKey(const std::string& token,
                                   const std::string& parent,
                                   const std::vector<std::string>& scopes,
                                   v1::ApiKey* key,
                                   const std::string& user = "") {
    v1::CreateApiKeyRequest request;
    request.set_parent(parent);
    for (const auto& scope : scopes) request.add_scopes(scope);
    request.set_user(user);
    grpc::ClientContext context;
    Authorize(context, token);
    return Projects()->CreateApiKey(&context, request, key);
  }
  static grpc::Status CreateProject(const std::string& token,
                                    const std::string& id) {
    v1::CreateProjectRequest request;
    request.set_project_id(id);
    v1::Project project;
    grpc::ClientContext context;
    Authorize(context, token);
    return Projects()->CreateProject(&context, request, &project);
  }
  static grpc::Status GetSelf(const std::string& token) {
    v1::User out;
    return Get(token, "projects/-/users/me", &out);
  }
  static grpc::Status GetAnyone(const std::string& token,
                                const std::string& name) {
    v1::User out;
    return Get(token, name, &out);
  }
  static v1::User MakeAdmin(const std::string& username) {
    v1::User user = CreateUser(username);
    v1::User change;
    change.set_name(user.name());
    change.set_role(v1::User::ROLE_ADMIN);
    v1::User out;
    EXPECT_TRUE(Update(kAdminToken, change, {"role"}, &out).ok());
    return out;
  }
};

TEST_F(ApiKeysTest, AKeyGetsAtMostItsCreatorsScopes) {
  std::string admin_only = CreateKey({"admin"});
  v1::ApiKey key;
  CallError error = ParseError(
      TryCreateKey(admin_only, "projects/default", {"admin", "write"}, &key));
  EXPECT_EQ(error.code, grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(error.reason, "SCOPE_NOT_HELD");
  EXPECT_EQ(error.metadata["scope"], "write");
  EXPECT_TRUE(
      TryCreateKey(admin_only, "projects/default", {"admin"}, &key).ok());
}

TEST_F(ApiKeysTest, AnAdminOfDefaultIsNotTheOperator) {
  std::string admin_key = CreateKey({"admin", "read", "write"});
  CallError error = ParseError(CreateProject(admin_key, "minted-by-admin"));
  EXPECT_EQ(error.reason, "OPERATOR_ONLY");
  ASSERT_TRUE(CreateProject(kAdminToken, "other-project").ok());
  v1::ApiKey key;
  error = ParseError(
      TryCreateKey(admin_key, "projects/other-project", {"read"}, &key));
  EXPECT_EQ(error.reason, "OTHER_PROJECT");
  // The operator creates keys anywhere.
  EXPECT_TRUE(
      TryCreateKey(kAdminToken, "projects/other-project", {"read"}, &key).ok());
  EXPECT_EQ(key.name().rfind("projects/other-project/apiKeys/", 0), 0u);
}

TEST_F(ApiKeysTest, AKeyMadeWithASessionBelongsToItsUser) {
  v1::User admin = MakeAdmin("key_maker");
  v1::User other = CreateUser("key_victim");
  std::string session = Login("key_maker");
  v1::ApiKey key;
  ASSERT_TRUE(TryCreateKey(session, "projects/default", {"read"}, &key).ok());
  EXPECT_EQ(key.user(), admin.name());
  EXPECT_TRUE(key.has_create_time());
  // Not for another user.
  CallError error = ParseError(
      TryCreateKey(session, "projects/default", {"read"}, &key, other.name()));
  EXPECT_EQ(error.reason, "NOT_SELF");
}

TEST_F(ApiKeysTest, ABoundKeyHasNoMoreThanItsUsersCurrentRole) {
  v1::User admin = MakeAdmin("demoted_admin");
  v1::User bystander = CreateUser("bystander_of_keys");
  std::string key = CreateKey({"admin", "read", "write"}, admin.name());
  EXPECT_TRUE(GetAnyone(key, bystander.name()).ok());
  v1::User change;
  change.set_name(admin.name());
  change.set_role(v1::User::ROLE_USER);
  v1::User out;
  ASSERT_TRUE(Update(kAdminToken, change, {"role"}, &out).ok());
  EXPECT_EQ(ParseError(GetAnyone(key, bystander.name())).reason, "NOT_SELF");
  EXPECT_TRUE(GetSelf(key).ok());
}

TEST_F(ApiKeysTest, ListNeverShowsTokensAndDeleteRevokesAtOnce) {
  v1::ApiKey made;
  ASSERT_TRUE(
      TryCreateKey(kAdminToken, "projects/default", {"read"}, &made).ok());
  ASSERT_FALSE(made.token().empty());
  v1::User me = CreateUser("listed_key_user");
  std::string user_key = CreateKey({"read"}, me.name());
  ASSERT_TRUE(GetSelf(user_key).ok());

  std::vector<std::string> names;
  std::string page_token;
  do {
    v1::ListApiKeysRequest request;
    request.set_parent("projects/default");
    request.set_page_size(1);
    request.set_page_token(page_token);
    v1::ListApiKeysResponse response;
    grpc::ClientContext context;
    Authorize(context, kAdminToken);
    ASSERT_TRUE(Projects()->ListApiKeys(&context, request, &response).ok());
    for (const v1::ApiKey& key : response.api_keys()) {
      EXPECT_TRUE(key.token().empty());
      names.push_back(key.name());
    }
    page_token = response.next_page_token();
  } while (!page_token.empty());
  EXPECT_GE(names.size(), 3u);  // the operator's, `made`, and the user's
  EXPECT_NE(std::find(names.begin(), names.end(), made.name()), names.end());

  // Delete the user's key: its next call fails.
  auto rows = TestDatabase::Get().Query(
      "SELECT id FROM api_keys WHERE user_id IS NOT NULL");
  ASSERT_EQ(rows.size(), 1u);
  v1::DeleteApiKeyRequest request;
  request.set_name("projects/default/apiKeys/" + rows[0][0].as<std::string>());
  google::protobuf::Empty empty;
  grpc::ClientContext context;
  Authorize(context, kAdminToken);
  ASSERT_TRUE(Projects()->DeleteApiKey(&context, request, &empty).ok());
  EXPECT_EQ(ParseError(GetSelf(user_key)).reason, "TOKEN_INVALID");
  grpc::ClientContext again;
  Authorize(again, kAdminToken);
  EXPECT_EQ(
      ParseError(Projects()->DeleteApiKey(&again, request, &empty)).reason,
      "API_KEY_NOT_FOUND");
}

TEST_F(ApiKeysTest, OnlyTheOperatorDeletesTheOperatorsKey) {
  std::string admin_key = CreateKey({"admin", "read", "write"});
  auto rows =
      TestDatabase::Get().Query("SELECT id FROM api_keys WHERE is_operator");
  ASSERT_EQ(rows.size(), 1u);
  v1::DeleteApiKeyRequest request;
  request.set_name("projects/default/apiKeys/" + rows[0][0].as<std::string>());
  google::protobuf::Empty empty;
  grpc::ClientContext context;
  Authorize(context, admin_key);
  EXPECT_EQ(
      ParseError(Projects()->DeleteApiKey(&context, request, &empty)).reason,
      "OPERATOR_KEY");
  EXPECT_TRUE(CreateProject(kAdminToken, "still-operator").ok());
}

TEST_F(ApiKeysTest, KeysExpire) {
  v1::CreateApiKeyRequest request;
  request.set_parent("projects/default");
  request.add_scopes("read");
  *request.mutable_expire_time() = TimeUtil::SecondsToTimestamp(
      TimeUtil::TimestampToSeconds(TimeUtil::GetCurrentTime()) - 10);
  v1::ApiKey key;
  grpc::ClientContext past;
  Authorize(past, kAdminToken);
  CallError error = ParseError(Projects()->CreateApiKey(&past, request, &key));
  EXPECT_EQ(error.code, grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(error.fields, std::vector<std::string>{"expire_time"});

  v1::User owner = CreateUser("expiring_owner");
  request.set_user(owner.name());
  *request.mutable_expire_time() = TimeUtil::SecondsToTimestamp(
      TimeUtil::TimestampToSeconds(TimeUtil::GetCurrentTime()) + 3600);
  grpc::ClientContext future;
  Authorize(future, kAdminToken);
  ASSERT_TRUE(Projects()->CreateApiKey(&future, request, &key).ok());
  EXPECT_TRUE(key.has_expire_time());
  EXPECT_TRUE(GetSelf(key.token()).ok());
  TestDatabase::Get().Query(
      "UPDATE api_keys SET expire_time = now() - interval '1 second' "
      "WHERE user_id IS NOT NULL");
  EXPECT_TRUE(Eventually([&] {
    return ParseError(GetSelf(key.token())).reason == "TOKEN_INVALID";
  }));
}

TEST_F(ApiKeysTest, ANewBootstrapTokenRevokesThePreviousOne) {
  UserdConfig config;
  config.listen = "127.0.0.1:0";
  config.database_url = TestDatabase::Get().connection_string();
  config.argon2 = Argon2Params{1024, 1, 1};
  config.bootstrap_token = "a-rotated-bootstrap-token-0123456789";
  UserdServer rotated(config);
  ASSERT_TRUE(rotated.Start().ok());
  // The shared server learns of the new key from the database.
  EXPECT_TRUE(Eventually([&] {
    return ParseError(GetSelf(kAdminToken)).reason == "TOKEN_INVALID";
  }));
  EXPECT_EQ(ParseError(CreateProject(kAdminToken, "old-operator")).reason,
            "TOKEN_INVALID");
  EXPECT_TRUE(CreateProject(config.bootstrap_token, "new-operator").ok());
  rotated.Shutdown(std::chrono::seconds(1));
}

}  // namespace
}  // namespace test
}  // namespace users
