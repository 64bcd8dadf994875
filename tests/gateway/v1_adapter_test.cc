#include "gateway/v1_adapter.h"

#include <fstream>
#include <sstream>
#include <string>

#include "gateway/rpc_error.h"
#include "gtest/gtest.h"
#include "tests/gateway/gateway_test_util.h"

namespace users::gateway {
namespace {

const std::pair<std::string, std::string> kBearer = {"Authorization",
                                                     "Bearer key123"};

users::v1::User Jane() {
  users::v1::User user = MakeUser("default", 123);
  user.set_email("newemail@example.com");
  user.set_email_verified(false);
  user.set_username("newusername");
  user.set_given_name("Jane");
  user.set_family_name("Smith");
  user.set_role(users::v1::User::ROLE_ADMIN);
  user.mutable_create_time()->set_seconds(1672574400);  // 2023-01-01T12:00Z
  user.mutable_update_time()->set_seconds(1672578000);  // 2023-01-01T13:00Z
  user.set_etag("v7");
  return user;
}

class V1AdapterTest : public ::testing::Test {
 protected:
  HttpResponse Patch(
      const std::string& body,
      std::vector<std::pair<std::string, std::string>> extra = {}) {
    extra.push_back(kBearer);
    return harness_.Send(
        JsonRequest("PATCH", "/v1/users/usr_123", body, std::move(extra)));
  }
  GatewayHarness harness_;
};

TEST_F(V1AdapterTest, DocumentExampleUpdatesAndRenders) {
  harness_.backend().user = Jane();
  HttpResponse response = Patch(Golden("v1_request.json").dump());
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(BodyJson(response), Golden("v1_200.json"));
  EXPECT_EQ(response.Header("ETag"), "\"v7\"");
  ASSERT_EQ(harness_.backend().calls, std::vector<std::string>{"UpdateUser"});
  const auto& request = harness_.backend().update_request;
  EXPECT_EQ(request.user().name(), "projects/-/users/123");
  EXPECT_EQ(request.user().email(), "newemail@example.com");
  EXPECT_EQ(request.user().given_name(), "Jane");
  EXPECT_EQ(request.user().family_name(), "Smith");
  EXPECT_EQ(request.user().role(), users::v1::User::ROLE_ADMIN);
  EXPECT_TRUE(request.user().etag().empty());
  std::vector<std::string> paths(request.update_mask().paths().begin(),
                                 request.update_mask().paths().end());
  std::sort(paths.begin(), paths.end());
  EXPECT_EQ(paths,
            (std::vector<std::string>{"email", "family_name", "given_name",
                                      "role", "username"}));
  EXPECT_EQ(harness_.backend().last_options.bearer_token, "key123");
}

TEST_F(V1AdapterTest, RotatedBearerSessionComesBackInHeaders) {
  harness_.backend().user = Jane();
  harness_.backend().initial_metadata = {
      {"x-session-token", "rotated-token"},
      {"x-session-expire-time", "2030-01-01T00:00:00Z"}};
  HttpResponse response = Patch(R"({"email":"new@example.com"})");
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.Header("X-Session-Token"), "rotated-token");
  EXPECT_EQ(response.Header("X-Session-Expire-Time"), "2030-01-01T00:00:00Z");
  EXPECT_FALSE(response.HasHeader("Set-Cookie"));
}

TEST_F(V1AdapterTest, NoSessionHeadersWithoutRotation) {
  harness_.backend().user = Jane();
  HttpResponse response = Patch(R"({"first_name":"Jane"})");
  EXPECT_EQ(response.status, 200);
  EXPECT_FALSE(response.HasHeader("X-Session-Token"));
}

TEST_F(V1AdapterTest, IfMatchBecomesTheEtag) {
  harness_.backend().user = Jane();
  Patch(R"({"first_name":"Jo"})", {{"If-Match", "\"v6\""}});
  EXPECT_EQ(harness_.backend().update_request.user().etag(), "v6");
  Patch(R"({"first_name":"Jo"})", {{"If-Match", "W/\"v5\""}});
  EXPECT_EQ(harness_.backend().update_request.user().etag(), "v5");
  Patch(R"({"first_name":"Jo"})", {{"If-Match", "*"}});
  EXPECT_EQ(harness_.backend().update_request.user().etag(), "");
}

TEST_F(V1AdapterTest, StaleEtagIs412) {
  harness_.backend().status =
      MakeRpcStatus(grpc::StatusCode::ABORTED, "etag", "ETAG_MISMATCH");
  HttpResponse response =
      Patch(R"({"first_name":"Jo"})", {{"If-Match", "\"old\""}});
  EXPECT_EQ(response.status, 412);
  EXPECT_EQ(BodyJson(response)["error"], "precondition_failed");
}

TEST_F(V1AdapterTest, PasswordIsRefused) {
  HttpResponse response = Patch(R"({"password":"hunter22"})");
  EXPECT_EQ(response.status, 400);
  EXPECT_EQ(BodyJson(response), Golden("v1_400_password.json"));
  EXPECT_TRUE(harness_.backend().calls.empty());
}

TEST_F(V1AdapterTest, BodyShapeErrors) {
  struct Case {
    std::string body;
    std::string field;
    std::string detail;
  };
  const Case cases[] = {
      {R"({"nickname":"x"})", "nickname", "Unknown field"},
      {R"({"email":"a@b.co","is_admin":true})", "is_admin", "Unknown field"},
      {R"({"email":5})", "email", "Must be a string"},
      {R"({"first_name":null})", "first_name", "Must be a string"},
      {R"({"role":"owner"})", "role", "Must be one of: user, admin"},
      {R"({"role":1})", "role", "Must be one of: user, admin"},
  };
  for (const Case& c : cases) {
    GatewayHarness harness;
    HttpResponse response = harness.Send(
        JsonRequest("PATCH", "/v1/users/usr_123", c.body, {kBearer}));
    EXPECT_EQ(response.status, 400) << c.body;
    nlohmann::json body = BodyJson(response);
    EXPECT_EQ(body["error"], "validation_error") << c.body;
    EXPECT_EQ(body["message"], "Invalid request parameters") << c.body;
    EXPECT_EQ(body["details"][c.field], nlohmann::json::array({c.detail}))
        << c.body;
    EXPECT_TRUE(harness.backend().calls.empty()) << c.body;
  }
}

TEST_F(V1AdapterTest, IdsMustBeUsrPrefixedIntegers) {
  for (const char* id : {"123", "usr_", "usr_abc", "usr_0", "usr_-1"}) {
    GatewayHarness harness;
    HttpResponse response =
        harness.Send(JsonRequest("PATCH", std::string("/v1/users/") + id,
                                 R"({"first_name":"J"})", {kBearer}));
    EXPECT_EQ(response.status, 404) << id;
    EXPECT_EQ(BodyJson(response), Golden("v1_404.json")) << id;
    EXPECT_TRUE(harness.backend().calls.empty());
  }
}

TEST_F(V1AdapterTest, GoldenServiceErrors) {
  struct Case {
    grpc::Status status;
    int http;
    std::string golden;
  };
  const Case cases[] = {
      {MakeRpcStatus(
           grpc::StatusCode::INVALID_ARGUMENT, "bad", "INVALID_FIELD",
           {{"user.email", "is not a valid email address", "INVALID_FORMAT"}}),
       400, "v1_400.json"},
      {MakeRpcStatus(grpc::StatusCode::NOT_FOUND, "no", "USER_NOT_FOUND"), 404,
       "v1_404.json"},
      {MakeRpcStatus(grpc::StatusCode::ALREADY_EXISTS, "taken",
                     "USERNAME_TAKEN",
                     {{"user.username", "already taken", "TAKEN"}}),
       409, "v1_409.json"},
  };
  for (const Case& c : cases) {
    GatewayHarness harness;
    harness.backend().status = c.status;
    HttpResponse response = harness.Send(JsonRequest(
        "PATCH", "/v1/users/usr_123", R"({"email":"x"})", {kBearer}));
    EXPECT_EQ(response.status, c.http) << c.golden;
    EXPECT_EQ(BodyJson(response), Golden(c.golden)) << response.body;
  }
}

TEST_F(V1AdapterTest, OtherServiceErrors) {
  struct Case {
    grpc::Status status;
    int http;
    std::string code;
    std::string message;
  };
  const Case cases[] = {
      {MakeRpcStatus(grpc::StatusCode::ALREADY_EXISTS, "taken", "EMAIL_TAKEN"),
       409, "conflict", "Email already taken"},
      {MakeRpcStatus(grpc::StatusCode::PERMISSION_DENIED, "no", "ROLE_CHANGE"),
       403, "forbidden", "Changing role requires the admin role"},
      {MakeRpcStatus(grpc::StatusCode::PERMISSION_DENIED, "no", "SCOPE_MISSING",
                     {}, {{"scope", "write"}}),
       403, "forbidden", "The token lacks the write scope"},
      {MakeRpcStatus(grpc::StatusCode::UNAUTHENTICATED, "no", "TOKEN_INVALID"),
       401, "unauthorized", "Invalid or expired token"},
      {MakeRpcStatus(grpc::StatusCode::INVALID_ARGUMENT, "bad", "INVALID_FIELD",
                     {{"user.given_name",
                       "length 300 is more than the "
                       "maximum 100",
                       "TOO_LONG"}}),
       400, "validation_error", "Invalid request parameters"},
  };
  for (const Case& c : cases) {
    GatewayHarness harness;
    harness.backend().status = c.status;
    HttpResponse response = harness.Send(JsonRequest(
        "PATCH", "/v1/users/usr_123", R"({"first_name":"x"})", {kBearer}));
    EXPECT_EQ(response.status, c.http) << c.message;
    EXPECT_EQ(BodyJson(response)["error"], c.code);
    EXPECT_EQ(BodyJson(response)["message"], c.message);
  }
  GatewayHarness harness;
  harness.backend().status =
      MakeRpcStatus(grpc::StatusCode::INVALID_ARGUMENT, "bad", "INVALID_FIELD",
                    {{"user.given_name", "too long", "TOO_LONG"}});
  HttpResponse response = harness.Send(JsonRequest(
      "PATCH", "/v1/users/usr_123", R"({"first_name":"x"})", {kBearer}));
  EXPECT_EQ(BodyJson(response)["details"]["first_name"],
            nlohmann::json::array({"too long"}));
}

TEST_F(V1AdapterTest, ResourceExhaustedIs429WithRetryAfter) {
  harness_.backend().status = MakeRpcStatus(
      grpc::StatusCode::RESOURCE_EXHAUSTED, "busy", "HASH_QUEUE_FULL");
  HttpResponse response = Patch(R"({"first_name":"x"})");
  EXPECT_EQ(response.status, 429);
  EXPECT_EQ(BodyJson(response)["error"], "rate_limited");
  EXPECT_EQ(response.Header("Retry-After"), "1");
}

TEST_F(V1AdapterTest, InternalErrorsHideTheCause) {
  harness_.backend().status =
      grpc::Status(grpc::StatusCode::INTERNAL, "SQLSTATE 42P01");
  HttpResponse response =
      Patch(R"({"first_name":"x"})", {{"X-Request-Id", "abc"}});
  EXPECT_EQ(response.status, 500);
  EXPECT_EQ(BodyJson(response)["error"], "internal_error");
  EXPECT_EQ(BodyJson(response)["request_id"], "abc");
  EXPECT_EQ(response.body.find("SQLSTATE"), std::string::npos);
}

TEST_F(V1AdapterTest, MissingBearerIs401) {
  HttpResponse response = harness_.Send(
      JsonRequest("PATCH", "/v1/users/usr_123", R"({"first_name":"x"})"));
  EXPECT_EQ(response.status, 401);
  EXPECT_EQ(BodyJson(response)["error"], "unauthorized");
  EXPECT_TRUE(harness_.backend().calls.empty());
}

TEST_F(V1AdapterTest, EmptyBodyReadsTheUser) {
  harness_.backend().user = Jane();
  HttpResponse response = Patch("{}");
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(harness_.backend().calls, std::vector<std::string>{"GetUser"});
  EXPECT_EQ(harness_.backend().get_request.name(), "projects/-/users/123");
  EXPECT_EQ(response.Header("ETag"), "\"v7\"");
}

TEST_F(V1AdapterTest, GetRendersTheUser) {
  harness_.backend().user = Jane();
  HttpResponse response =
      harness_.Send(JsonRequest("GET", "/v1/users/usr_123", "", {kBearer}));
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(BodyJson(response), Golden("v1_200.json"));
}

TEST_F(V1AdapterTest, CreateUserIs201AndTakesThePassword) {
  harness_.backend().user = Jane();
  HttpResponse response = harness_.Send(JsonRequest(
      "POST", "/v1/users",
      R"({"email":"newemail@example.com","username":"newusername","password":"pw-12345678","role":"admin"})",
      {kBearer}));
  EXPECT_EQ(response.status, 201);
  EXPECT_EQ(BodyJson(response), Golden("v1_200.json"));
  const auto& request = harness_.backend().create_request;
  EXPECT_EQ(request.parent(), "projects/-");
  EXPECT_EQ(request.user().password(), "pw-12345678");
  EXPECT_EQ(request.user().role(), users::v1::User::ROLE_ADMIN);
}

TEST_F(V1AdapterTest, SessionsAreCreatedAndDeleted) {
  harness_.backend().session.set_token("tok");
  harness_.backend().session.mutable_expire_time()->set_seconds(1672574400);
  HttpResponse created = harness_.Send(JsonRequest(
      "POST", "/v1/sessions",
      R"({"project":"acme","login":"jane","password":"pw-12345678"})"));
  EXPECT_EQ(created.status, 200);
  EXPECT_EQ(BodyJson(created),
            nlohmann::json::parse(
                R"({"token":"tok","expire_time":"2023-01-01T12:00:00Z"})"));
  EXPECT_EQ(harness_.backend().session_request.parent(), "projects/acme");
  EXPECT_EQ(harness_.backend().session_request.login(), "jane");

  harness_.Send(JsonRequest("POST", "/v1/sessions",
                            R"({"login":"jane","password":"pw-12345678"})"));
  EXPECT_EQ(harness_.backend().session_request.parent(), "projects/default");

  HttpResponse missing =
      harness_.Send(JsonRequest("POST", "/v1/sessions", R"({"login":"jane"})"));
  EXPECT_EQ(missing.status, 400);
  EXPECT_EQ(BodyJson(missing)["details"]["password"],
            nlohmann::json::array({"This field is required"}));

  HttpResponse deleted = harness_.Send(
      JsonRequest("DELETE", "/v1/sessions/current", "", {kBearer}));
  EXPECT_EQ(deleted.status, 204);
  EXPECT_EQ(harness_.backend().calls.back(), "DeleteSession");
  EXPECT_EQ(harness_.backend().last_options.bearer_token, "key123");
}

TEST_F(V1AdapterTest, DeletingTheSessionOfAnApiKeyIs400) {
  harness_.backend().status = MakeRpcStatus(
      grpc::StatusCode::FAILED_PRECONDITION, "not a session", "NOT_A_SESSION");
  HttpResponse response = harness_.Send(
      JsonRequest("DELETE", "/v1/sessions/current", "", {kBearer}));
  EXPECT_EQ(response.status, 400);
  EXPECT_EQ(BodyJson(response)["message"], "The token is not a session token");
}

TEST_F(V1AdapterTest, AThrottledLoginIs429WithTheServersDelay) {
  harness_.backend().status = ThrottledLogin(3);
  HttpResponse response = harness_.Send(JsonRequest(
      "POST", "/v1/sessions", R"({"login":"jane","password":"pw-12345678"})"));
  EXPECT_EQ(response.status, 429);
  EXPECT_EQ(response.Header("Retry-After"), "3");
  EXPECT_EQ(
      BodyJson(response),
      nlohmann::json::parse(
          R"({"error":"rate_limited","message":"Too many login attempts"})"));
}

TEST_F(V1AdapterTest, LoginsCarryTheClientAddressToUserd) {
  HttpRequest request = JsonRequest(
      "POST", "/v1/sessions", R"({"login":"jane","password":"pw-12345678"})",
      {{"X-Forwarded-For", "6.6.6.6"}});
  harness_.Send(request);
  // The default trusts no proxy: the peer is the client, whatever it says.
  EXPECT_EQ(harness_.backend().last_options.client_address, "192.0.2.1");
}

TEST_F(V1AdapterTest, ASuspendedUsersRightPasswordIs403) {
  harness_.backend().status = MakeRpcStatus(grpc::StatusCode::PERMISSION_DENIED,
                                            "suspended", "USER_SUSPENDED");
  HttpResponse response = harness_.Send(JsonRequest(
      "POST", "/v1/sessions", R"({"login":"jane","password":"pw-12345678"})"));
  EXPECT_EQ(response.status, 403);
  EXPECT_EQ(BodyJson(response), Golden("v1_403_suspended.json"));
  // The same for a suspended user's API key.
  response = Patch(R"({"first_name":"x"})");
  EXPECT_EQ(response.status, 403);
  EXPECT_EQ(BodyJson(response), Golden("v1_403_suspended.json"));
}

}  // namespace
}  // namespace users::gateway
