#include "gateway/neptun_adapter.h"

#include <string>

#include "gateway/rpc_error.h"
#include "gateway/time_format.h"
#include "gtest/gtest.h"
#include "tests/gateway/gateway_test_util.h"

namespace users::gateway {
namespace {

const std::pair<std::string, std::string> kCookie = {"Cookie",
                                                     "neptun-session=sess1"};

users::v1::User User123() {
  users::v1::User user = MakeUser("default", 123);
  user.set_email("newemail@example.com");
  return user;
}

class NeptunAdapterTest : public ::testing::Test {
 protected:
  HttpResponse Patch(const std::string& body,
                     const std::string& target = "/api/users/123") {
    return harness_.Send(JsonRequest("PATCH", target, body, {kCookie}));
  }
  GatewayHarness harness_;
};

TEST_F(NeptunAdapterTest, DocumentExampleUpdatesTheEmail) {
  harness_.backend().user = User123();
  HttpResponse response = Patch(R"({"email":"newemail@example.com"})");
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(BodyJson(response), Golden("neptun_200.json"));
  ASSERT_EQ(harness_.backend().calls, std::vector<std::string>{"UpdateUser"});
  const auto& request = harness_.backend().update_request;
  EXPECT_EQ(request.user().name(), "projects/default/users/123");
  EXPECT_EQ(request.user().email(), "newemail@example.com");
  ASSERT_EQ(request.update_mask().paths_size(), 1);
  EXPECT_EQ(request.update_mask().paths(0), "email");
  EXPECT_TRUE(harness_.backend().last_options.self_only);
  EXPECT_EQ(harness_.backend().last_options.bearer_token, "sess1");
  // The session cookie is re-issued on every 200.
  EXPECT_EQ(std::string(response.Header("Set-Cookie"))
                .rfind("neptun-session=sess1; Path=/", 0),
            0u);
}

TEST_F(NeptunAdapterTest, RotatedSessionIsReissuedWithItsLifetime) {
  harness_.backend().user = User123();
  google::protobuf::Timestamp expire;
  expire.set_seconds(NowUnixSeconds() + 600);
  harness_.backend().initial_metadata = {
      {"x-session-token", "sess2"},
      {"x-session-expire-time", FormatRfc3339Seconds(expire)}};
  HttpResponse response =
      Patch(R"({"email":"newemail@example.com","password":"correct horse"})");
  EXPECT_EQ(response.status, 200);
  std::string cookie(response.Header("Set-Cookie"));
  EXPECT_EQ(cookie.rfind("neptun-session=sess2; Path=/; Max-Age=", 0), 0u)
      << cookie;
  EXPECT_NE(cookie.find("HttpOnly; Secure; SameSite=Lax"), std::string::npos);
  const auto& request = harness_.backend().update_request;
  EXPECT_EQ(request.update_mask().paths_size(), 2);
  EXPECT_EQ(request.user().password(), "correct horse");
}

TEST_F(NeptunAdapterTest, GoldenBadEmail) {
  HttpResponse response = Patch(R"({"email":"not-an-email"})");
  EXPECT_EQ(response.status, 400);
  EXPECT_EQ(BodyJson(response), Golden("neptun_400.json"));
  EXPECT_TRUE(harness_.backend().calls.empty());
}

TEST_F(NeptunAdapterTest, GoldenNeitherField) {
  for (const char* body : {"{}", R"({"name":"x"})"}) {
    GatewayHarness harness;
    HttpResponse response =
        harness.Send(JsonRequest("PATCH", "/api/users/123", body, {kCookie}));
    EXPECT_EQ(response.status, 400);
    EXPECT_EQ(BodyJson(response), Golden("neptun_400_missing.json"));
    EXPECT_FALSE(BodyJson(response).contains("data"));
    EXPECT_TRUE(harness.backend().calls.empty());
  }
}

TEST_F(NeptunAdapterTest, IssuesPerFailingField) {
  struct Case {
    std::string body;
    std::vector<std::string> codes;  // of data.issues, in order
    std::vector<std::string> paths;
  };
  const Case cases[] = {
      {R"({"email":5})", {"invalid_type"}, {"email"}},
      {R"({"email":null})", {"invalid_type"}, {"email"}},
      {R"({"email":"a@b"})",
       {"invalid_string", "too_small"},
       {"email", "email"}},
      {"{\"email\":\"" + std::string(250, 'a') + "@example.com\"}",
       {"invalid_string", "too_big"},
       {"email", "email"}},
      {R"({"password":""})", {"too_small"}, {"password"}},
      {R"({"password":12345678})", {"invalid_type"}, {"password"}},
      {R"({"email":"bad-address","password":false})",
       {"invalid_string", "invalid_type"},
       {"email", "password"}},
  };
  for (const Case& c : cases) {
    GatewayHarness harness;
    HttpResponse response =
        harness.Send(JsonRequest("PATCH", "/api/users/123", c.body, {kCookie}));
    EXPECT_EQ(response.status, 400) << c.body;
    nlohmann::json body = BodyJson(response);
    EXPECT_EQ(body["message"], NeptunAdapter::kBodyMessage);
    const nlohmann::json& issues = body["data"]["issues"];
    ASSERT_EQ(issues.size(), c.codes.size()) << c.body << " " << body;
    for (size_t i = 0; i < issues.size(); ++i) {
      EXPECT_EQ(issues[i]["code"], c.codes[i]) << c.body;
      EXPECT_EQ(issues[i]["path"], nlohmann::json::array({c.paths[i]}))
          << c.body;
    }
    EXPECT_TRUE(harness.backend().calls.empty()) << c.body;
  }
}

TEST_F(NeptunAdapterTest, UserIdMustBeAPositiveInteger) {
  for (const char* id : {"abc", "0", "-1", "1.5", "user123", "007"}) {
    GatewayHarness harness;
    HttpResponse response = harness.Send(
        JsonRequest("PATCH", std::string("/api/users/") + id,
                    R"({"email":"newemail@example.com"})", {kCookie}));
    EXPECT_EQ(response.status, 400) << id;
    EXPECT_EQ(BodyJson(response)["statusMessage"], "Bad Request.");
    EXPECT_TRUE(harness.backend().calls.empty()) << id;
  }
}

TEST_F(NeptunAdapterTest, AnotherUsersIdIs401) {
  harness_.backend().status =
      MakeRpcStatus(grpc::StatusCode::PERMISSION_DENIED, "no", "NOT_SELF");
  HttpResponse response =
      Patch(R"({"email":"newemail@example.com"})", "/api/users/124");
  EXPECT_EQ(response.status, 401);
  EXPECT_EQ(BodyJson(response), Golden("neptun_401.json"));
  EXPECT_FALSE(response.HasHeader("Set-Cookie"));
}

TEST_F(NeptunAdapterTest, ServiceErrors) {
  struct Case {
    grpc::Status status;
    int http;
    std::string status_message;
  };
  const Case cases[] = {
      {MakeRpcStatus(grpc::StatusCode::UNAUTHENTICATED, "no", "TOKEN_INVALID"),
       401, "Unauthorized."},
      {MakeRpcStatus(grpc::StatusCode::NOT_FOUND, "no", "USER_NOT_FOUND"), 404,
       "Not Found."},
      {MakeRpcStatus(grpc::StatusCode::ALREADY_EXISTS, "taken", "EMAIL_TAKEN"),
       409, "Conflict."},
      {MakeRpcStatus(grpc::StatusCode::RESOURCE_EXHAUSTED, "busy",
                     "HASH_QUEUE_FULL"),
       429, "Too Many Requests."},
      {grpc::Status(grpc::StatusCode::INTERNAL, "secret detail"), 500,
       "Internal Server Error."},
  };
  for (const Case& c : cases) {
    GatewayHarness harness;
    harness.backend().status = c.status;
    HttpResponse response = harness.Send(JsonRequest(
        "PATCH", "/api/users/123", R"({"email":"newemail@example.com"})",
        {kCookie, {"X-Request-Id", "rid-9"}}));
    EXPECT_EQ(response.status, c.http);
    nlohmann::json body = BodyJson(response);
    EXPECT_EQ(body["statusCode"], c.http);
    EXPECT_EQ(body["statusMessage"], c.status_message);
    EXPECT_FALSE(body.contains("data"));
    EXPECT_EQ(response.body.find("secret"), std::string::npos);
    if (c.http == 500) {
      EXPECT_NE(response.body.find("rid-9"), std::string::npos);
    }
  }
}

TEST_F(NeptunAdapterTest, PasswordPolicyViolationNamesTheField) {
  harness_.backend().status = MakeRpcStatus(
      grpc::StatusCode::INVALID_ARGUMENT, "bad", "INVALID_FIELD",
      {{"user.password", "length 3 is less than the minimum 8", "TOO_SHORT"}});
  HttpResponse response = Patch(R"({"password":"abc"})");
  EXPECT_EQ(response.status, 400);
  nlohmann::json body = BodyJson(response);
  EXPECT_EQ(body["message"], NeptunAdapter::kBodyMessage);
  EXPECT_EQ(
      body["data"]["issues"],
      nlohmann::json::parse(
          R"([{"code":"too_small","message":"length 3 is less than the minimum 8","path":["password"]}])"));
}

TEST_F(NeptunAdapterTest, MissingCookieIs401) {
  HttpResponse response = harness_.Send(JsonRequest(
      "PATCH", "/api/users/123", R"({"email":"newemail@example.com"})"));
  EXPECT_EQ(response.status, 401);
  EXPECT_EQ(BodyJson(response), Golden("neptun_401.json"));
  EXPECT_TRUE(harness_.backend().calls.empty());
}

TEST_F(NeptunAdapterTest, LoginAndLogout) {
  harness_.backend().session.set_token("sess9");
  harness_.backend().session.mutable_expire_time()->set_seconds(
      NowUnixSeconds() + 86400);
  *harness_.backend().session.mutable_user() = User123();
  HttpResponse login = harness_.Send(JsonRequest(
      "POST", "/api/auth/login",
      R"({"email":"newemail@example.com","password":"pw-12345678"})"));
  EXPECT_EQ(login.status, 200);
  EXPECT_EQ(BodyJson(login), Golden("neptun_200.json"));
  std::string cookie(login.Header("Set-Cookie"));
  EXPECT_EQ(cookie.rfind("neptun-session=sess9; Path=/; Max-Age=", 0), 0u);
  EXPECT_EQ(harness_.backend().session_request.parent(), "projects/default");
  EXPECT_EQ(harness_.backend().session_request.login(), "newemail@example.com");

  HttpResponse logout =
      harness_.Send(JsonRequest("POST", "/api/auth/logout", "", {kCookie}));
  EXPECT_EQ(logout.status, 204);
  EXPECT_EQ(std::string(logout.Header("Set-Cookie"))
                .rfind("neptun-session=; Path=/; Max-Age=0", 0),
            0u);
  EXPECT_EQ(harness_.backend().last_options.bearer_token, "sess1");
}

TEST_F(NeptunAdapterTest, BadCredentialsAre401) {
  harness_.backend().status =
      MakeRpcStatus(grpc::StatusCode::UNAUTHENTICATED, "no", "BAD_CREDENTIALS");
  HttpResponse login = harness_.Send(
      JsonRequest("POST", "/api/auth/login",
                  R"({"email":"newemail@example.com","password":"wrong"})"));
  EXPECT_EQ(login.status, 401);
  EXPECT_EQ(BodyJson(login), Golden("neptun_401.json"));
}

TEST_F(NeptunAdapterTest, UsesTheConfiguredProject) {
  GatewayConfig config = GatewayHarness::DefaultConfig();
  config.neptun_project = "neptun";
  GatewayHarness harness(config);
  harness.Send(JsonRequest("PATCH", "/api/users/5",
                           R"({"email":"newemail@example.com"})", {kCookie}));
  EXPECT_EQ(harness.backend().update_request.user().name(),
            "projects/neptun/users/5");
}

TEST_F(NeptunAdapterTest, AThrottledLoginIs429WithTheServersDelay) {
  harness_.backend().status = ThrottledLogin(899, 1);  // rounded up
  HttpResponse login = harness_.Send(
      JsonRequest("POST", "/api/auth/login",
                  R"({"email":"newemail@example.com","password":"pw"})"));
  EXPECT_EQ(login.status, 429);
  EXPECT_EQ(login.Header("Retry-After"), "900");
  EXPECT_EQ(
      BodyJson(login),
      nlohmann::json::parse(
          R"({"statusCode":429,"statusMessage":"Too Many Requests.","message":"Too many login attempts."})"));
}

TEST_F(NeptunAdapterTest, ASuspendedUsersRightPasswordIs403WithoutCookie) {
  harness_.backend().status = MakeRpcStatus(grpc::StatusCode::PERMISSION_DENIED,
                                            "suspended", "USER_SUSPENDED");
  HttpResponse login = harness_.Send(
      JsonRequest("POST", "/api/auth/login",
                  R"({"email":"newemail@example.com","password":"right"})"));
  EXPECT_EQ(login.status, 403);
  EXPECT_EQ(BodyJson(login), Golden("neptun_403_suspended.json"));
  EXPECT_FALSE(login.HasHeader("Set-Cookie"));
  // PATCH's other denials stay 401 (AnotherUsersIdIs401 above); a suspension
  // is 403 there too.
  HttpResponse patch =
      Patch(R"({"email":"newemail@example.com"})", "/api/users/123");
  EXPECT_EQ(patch.status, 403);
  EXPECT_EQ(BodyJson(patch), Golden("neptun_403_suspended.json"));
}

}  // namespace
}  // namespace users::gateway
