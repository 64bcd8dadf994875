#include "gateway/medama_adapter.h"

#include <string>

#include "gateway/rpc_error.h"
#include "gateway/time_format.h"
#include "gtest/gtest.h"
#include "tests/gateway/gateway_test_util.h"

namespace users::gateway {
namespace {

const std::pair<std::string, std::string> kCookie = {"Cookie",
                                                     "_me_sess=tok123"};

users::v1::User Ayuhito() {
  users::v1::User user = MakeUser("default", 5);
  user.set_username("ayuhito");
  user.mutable_settings()->set_language("en");
  user.mutable_settings()->add_script_types("default");
  user.mutable_settings()->add_script_types("click-events");
  user.mutable_create_time()->set_seconds(1672574400);
  user.mutable_update_time()->set_seconds(1672578000);
  return user;
}

class MedamaAdapterTest : public ::testing::Test {
 protected:
  HttpResponse Patch(const std::string& body) {
    return harness_.Send(JsonRequest("PATCH", "/user", body, {kCookie}));
  }
  GatewayHarness harness_;
};

TEST_F(MedamaAdapterTest, PatchUpdatesTheSessionUserAndRendersUserGet) {
  harness_.backend().user = Ayuhito();
  HttpResponse response = Patch(
      R"({"username":"ayuhito","settings":{"script_type":["default","click-events"]},"ignored":1})");
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(BodyJson(response), Golden("medama_200.json"));
  EXPECT_EQ(response.Header("X-Api-Commit"), "97dd2ae");
  EXPECT_FALSE(response.HasHeader("Set-Cookie"));
  ASSERT_EQ(harness_.backend().calls, std::vector<std::string>{"UpdateUser"});
  const auto& request = harness_.backend().update_request;
  EXPECT_EQ(request.user().name(), "projects/default/users/me");
  EXPECT_EQ(request.user().username(), "ayuhito");
  EXPECT_EQ(request.user().settings().language(), "en");
  ASSERT_EQ(request.user().settings().script_types_size(), 2);
  EXPECT_EQ(std::vector<std::string>(request.update_mask().paths().begin(),
                                     request.update_mask().paths().end()),
            (std::vector<std::string>{"username", "settings.language",
                                      "settings.script_types"}));
  EXPECT_EQ(harness_.backend().last_options.bearer_token, "tok123");
  EXPECT_FALSE(harness_.backend().last_options.self_only);
  EXPECT_FALSE(harness_.backend().last_options.request_id.empty());
  EXPECT_EQ(harness_.backend().last_options.request_id,
            response.Header("X-Request-Id"));
}

TEST_F(MedamaAdapterTest, UsesTheConfiguredProject) {
  GatewayConfig config = GatewayHarness::DefaultConfig();
  config.medama_project = "analytics";
  GatewayHarness harness(config);
  harness.Send(
      JsonRequest("PATCH", "/user", R"({"password":"hunter22"})", {kCookie}));
  EXPECT_EQ(harness.backend().update_request.user().name(),
            "projects/analytics/users/me");
  EXPECT_EQ(harness.backend().update_request.user().password(), "hunter22");
}

TEST_F(MedamaAdapterTest, EmptyPatchIsAReadOnlyNoOp) {
  harness_.backend().user = Ayuhito();
  HttpResponse response = Patch("{}");
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(BodyJson(response), Golden("medama_200.json"));
  EXPECT_EQ(harness_.backend().calls, std::vector<std::string>{"GetUser"});
  EXPECT_EQ(harness_.backend().get_request.name(), "projects/default/users/me");
}

TEST_F(MedamaAdapterTest, SettingsDefaultTheLanguageToEn) {
  Patch(R"({"settings":{}})");
  const auto& request = harness_.backend().update_request;
  EXPECT_EQ(request.user().settings().language(), "en");
  ASSERT_EQ(request.update_mask().paths_size(), 1);
  EXPECT_EQ(request.update_mask().paths(0), "settings.language");
}

TEST_F(MedamaAdapterTest, ShapeErrorsAre400NamingTheFieldAndCallNothing) {
  struct Case {
    std::string body;
    std::string message;
  };
  const Case cases[] = {
      {R"({"username":"ab"})",
       "invalid: username (string: len 2 less than minimum 3)"},
      {"{\"username\":\"" + std::string(121, 'x') + "\"}",
       "invalid: username (string: len 121 greater than maximum 120)"},
      {R"({"username":"\u00e9\u00e9"})",
       "invalid: username (string: len 2 less than minimum 3)"},
      {R"({"username":12})", "invalid: username (expected string, got number)"},
      {R"({"username":null})", "invalid: username (expected string, got null)"},
      {R"({"password":"abcd"})",
       "invalid: password (string: len 4 less than minimum 5)"},
      {"{\"password\":\"" + std::string(129, 'x') + "\"}",
       "invalid: password (string: len 129 greater than maximum 128)"},
      {R"({"settings":"en"})",
       "invalid: settings (expected object, got string)"},
      {R"({"settings":{"language":"fr"}})",
       "invalid: settings.language (invalid value: \"fr\", want one of "
       "[\"en\"])"},
      {R"({"settings":{"script_type":"default"}})",
       "invalid: settings.script_type (expected array, got string)"},
      {R"({"settings":{"script_type":["default","bogus"]}})",
       "invalid: settings.script_type[1] (invalid value: \"bogus\", want one "
       "of [\"default\", \"click-events\", \"page-events\"])"},
      {R"({"settings":{"script_type":["default","default"]}})",
       "invalid: settings.script_type (duplicate item \"default\")"},
  };
  for (const Case& c : cases) {
    GatewayHarness harness;
    HttpResponse response =
        harness.Send(JsonRequest("PATCH", "/user", c.body, {kCookie}));
    EXPECT_EQ(response.status, 400) << c.body;
    EXPECT_EQ(BodyJson(response)["error"]["code"], 400) << c.body;
    EXPECT_EQ(BodyJson(response)["error"]["message"], c.message) << c.body;
    EXPECT_EQ(response.Header("X-Api-Commit"), "97dd2ae");
    EXPECT_TRUE(harness.backend().calls.empty()) << c.body;
  }
}

TEST_F(MedamaAdapterTest, GoldenShortUsername) {
  HttpResponse response = Patch(R"({"username":"ab"})");
  EXPECT_EQ(BodyJson(response), Golden("medama_400_username.json"));
}

TEST_F(MedamaAdapterTest, RendersServiceErrors) {
  struct Case {
    grpc::Status status;
    int http;
    std::string message;
  };
  const Case cases[] = {
      {MakeRpcStatus(grpc::StatusCode::ALREADY_EXISTS, "taken",
                     "USERNAME_TAKEN",
                     {{"user.username", "already taken", "TAKEN"}}),
       409, "conflict: username already taken"},
      {MakeRpcStatus(grpc::StatusCode::INVALID_ARGUMENT, "bad", "INVALID_FIELD",
                     {{"user.password", "length 5 is less than the minimum 8",
                       "TOO_SHORT"}}),
       400, "invalid: password (length 5 is less than the minimum 8)"},
      {MakeRpcStatus(
           grpc::StatusCode::INVALID_ARGUMENT, "bad", "INVALID_FIELD",
           {{"user.settings.script_types[0]", "too long", "TOO_LONG"}}),
       400, "invalid: settings.script_type[0] (too long)"},
      {MakeRpcStatus(grpc::StatusCode::UNAUTHENTICATED, "no", "TOKEN_INVALID"),
       401, "unauthorised: session missing, invalid or expired"},
      {MakeRpcStatus(grpc::StatusCode::PERMISSION_DENIED, "no",
                     "SCOPE_MISSING"),
       403, "forbidden"},
      {MakeRpcStatus(grpc::StatusCode::NOT_FOUND, "no", "USER_NOT_FOUND"), 404,
       "user not found"},
  };
  for (const Case& c : cases) {
    GatewayHarness harness;
    harness.backend().status = c.status;
    HttpResponse response = harness.Send(
        JsonRequest("PATCH", "/user", R"({"username":"newname"})", {kCookie}));
    EXPECT_EQ(response.status, c.http) << c.message;
    EXPECT_EQ(BodyJson(response)["error"]["code"], c.http);
    EXPECT_EQ(BodyJson(response)["error"]["message"], c.message);
    EXPECT_EQ(response.Header("X-Api-Commit"), "97dd2ae");
  }
}

TEST_F(MedamaAdapterTest, GoldenConflict) {
  harness_.backend().status = MakeRpcStatus(grpc::StatusCode::ALREADY_EXISTS,
                                            "taken", "USERNAME_TAKEN");
  EXPECT_EQ(BodyJson(Patch(R"({"username":"taken"})")),
            Golden("medama_409.json"));
}

TEST_F(MedamaAdapterTest, InternalErrorsCarryTheRequestIdOnly) {
  harness_.backend().status =
      grpc::Status(grpc::StatusCode::INTERNAL, "pq: deadlock detected");
  HttpResponse response =
      harness_.Send(JsonRequest("PATCH", "/user", R"({"username":"newname"})",
                                {kCookie, {"X-Request-Id", "req-42"}}));
  EXPECT_EQ(response.status, 500);
  EXPECT_EQ(response.body.find("pq:"), std::string::npos);
  EXPECT_NE(response.body.find("req-42"), std::string::npos);
  EXPECT_EQ(response.Header("X-Request-Id"), "req-42");
  EXPECT_EQ(response.Header("X-Api-Commit"), "97dd2ae");
}

TEST_F(MedamaAdapterTest, RotatedSessionSetsTheCookie) {
  harness_.backend().user = Ayuhito();
  google::protobuf::Timestamp expire;
  expire.set_seconds(NowUnixSeconds() + 3600);
  harness_.backend().initial_metadata = {
      {"x-session-token", "newtok"},
      {"x-session-expire-time", FormatRfc3339Seconds(expire)}};
  HttpResponse response = Patch(R"({"password":"a-new-password"})");
  EXPECT_EQ(response.status, 200);
  std::string cookie(response.Header("Set-Cookie"));
  EXPECT_EQ(cookie.rfind("_me_sess=newtok; Path=/; Max-Age=", 0), 0u) << cookie;
  EXPECT_NE(cookie.find("; HttpOnly; Secure; SameSite=Lax"), std::string::npos);
  int64_t max_age = std::stoll(cookie.substr(cookie.find("Max-Age=") + 8));
  EXPECT_GE(max_age, 3590);
  EXPECT_LE(max_age, 3600);
}

TEST_F(MedamaAdapterTest, MissingCookieIs401WithoutACall) {
  HttpResponse response =
      harness_.Send(JsonRequest("PATCH", "/user", R"({"username":"abc"})"));
  EXPECT_EQ(response.status, 401);
  EXPECT_EQ(BodyJson(response)["error"]["code"], 401);
  EXPECT_EQ(response.Header("X-Api-Commit"), "97dd2ae");
  EXPECT_TRUE(harness_.backend().calls.empty());
}

TEST_F(MedamaAdapterTest, GetReadsTheSessionUser) {
  harness_.backend().user = Ayuhito();
  HttpRequest request = JsonRequest("GET", "/user", "", {kCookie});
  HttpResponse response = harness_.Send(request);
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(BodyJson(response), Golden("medama_200.json"));
  EXPECT_EQ(harness_.backend().get_request.name(), "projects/default/users/me");
}

TEST_F(MedamaAdapterTest, LoginSetsTheCookie) {
  harness_.backend().session.set_token("sess-token");
  harness_.backend().session.mutable_expire_time()->set_seconds(
      NowUnixSeconds() + 7200);
  HttpResponse response = harness_.Send(
      JsonRequest("POST", "/auth/login",
                  R"({"username":"ayuhito","password":"secret12"})"));
  EXPECT_EQ(response.status, 200);
  EXPECT_TRUE(response.body.empty());
  EXPECT_EQ(response.Header("X-Api-Commit"), "97dd2ae");
  std::string cookie(response.Header("Set-Cookie"));
  EXPECT_EQ(cookie.rfind("_me_sess=sess-token; Path=/; Max-Age=", 0), 0u);
  EXPECT_NE(cookie.find("HttpOnly; Secure; SameSite=Lax"), std::string::npos);
  const auto& request = harness_.backend().session_request;
  EXPECT_EQ(request.parent(), "projects/default");
  EXPECT_EQ(request.login(), "ayuhito");
  EXPECT_EQ(request.password(), "secret12");
  EXPECT_TRUE(harness_.backend().last_options.bearer_token.empty());
}

TEST_F(MedamaAdapterTest, InsecureCookiesDropSecure) {
  GatewayConfig config = GatewayHarness::DefaultConfig();
  config.insecure_cookies = true;
  GatewayHarness harness(config);
  harness.backend().session.set_token("t");
  HttpResponse response = harness.Send(
      JsonRequest("POST", "/auth/login",
                  R"({"username":"ayuhito","password":"secret12"})"));
  EXPECT_EQ(std::string(response.Header("Set-Cookie")).find("Secure"),
            std::string::npos);
}

TEST_F(MedamaAdapterTest, BadCredentialsAre401) {
  harness_.backend().status = MakeRpcStatus(grpc::StatusCode::UNAUTHENTICATED,
                                            "bad", "BAD_CREDENTIALS");
  HttpResponse response = harness_.Send(JsonRequest(
      "POST", "/auth/login", R"({"username":"ayuhito","password":"wrong"})"));
  EXPECT_EQ(response.status, 401);
  EXPECT_FALSE(response.HasHeader("Set-Cookie"));
}

TEST_F(MedamaAdapterTest, LoginNeedsBothFields) {
  HttpResponse response = harness_.Send(
      JsonRequest("POST", "/auth/login", R"({"username":"ayuhito"})"));
  EXPECT_EQ(response.status, 400);
  EXPECT_EQ(BodyJson(response)["error"]["message"],
            "invalid: password (field required)");
  EXPECT_TRUE(harness_.backend().calls.empty());
}

TEST_F(MedamaAdapterTest, LogoutEndsTheSessionAndExpiresTheCookie) {
  HttpResponse response =
      harness_.Send(JsonRequest("POST", "/auth/logout", "", {kCookie}));
  EXPECT_EQ(response.status, 204);
  EXPECT_TRUE(response.body.empty());
  EXPECT_EQ(harness_.backend().calls,
            std::vector<std::string>{"DeleteSession"});
  EXPECT_EQ(harness_.backend().last_options.bearer_token, "tok123");
  EXPECT_EQ(std::string(response.Header("Set-Cookie"))
                .rfind("_me_sess=; Path=/; Max-Age=0", 0),
            0u);
}

TEST_F(MedamaAdapterTest, AThrottledLoginIs429WithTheServersDelay) {
  harness_.backend().status = ThrottledLogin(17);
  HttpResponse response = harness_.Send(JsonRequest(
      "POST", "/auth/login", R"({"username":"ayuhito","password":"pw"})"));
  EXPECT_EQ(response.status, 429);
  EXPECT_EQ(response.Header("Retry-After"), "17");
  EXPECT_EQ(
      BodyJson(response),
      nlohmann::json::parse(
          R"({"error":{"code":429,"message":"too many login attempts"}})"));
  EXPECT_FALSE(response.HasHeader("Set-Cookie"));
}

TEST_F(MedamaAdapterTest, ASuspendedUsersRightPasswordIs403WithoutCookie) {
  harness_.backend().status = MakeRpcStatus(grpc::StatusCode::PERMISSION_DENIED,
                                            "suspended", "USER_SUSPENDED");
  HttpResponse response = harness_.Send(JsonRequest(
      "POST", "/auth/login", R"({"username":"ayuhito","password":"right"})"));
  EXPECT_EQ(response.status, 403);
  EXPECT_EQ(BodyJson(response), Golden("medama_403_suspended.json"));
  EXPECT_FALSE(response.HasHeader("Set-Cookie"));
  EXPECT_FALSE(response.Header("X-Api-Commit").empty());

  // Other denials keep their message.
  harness_.backend().status =
      MakeRpcStatus(grpc::StatusCode::PERMISSION_DENIED, "no", "NOT_SELF");
  response = Patch(R"({"username":"newname"})");
  EXPECT_EQ(response.status, 403);
  EXPECT_EQ(BodyJson(response)["error"]["message"], "forbidden");
}

}  // namespace
}  // namespace users::gateway
