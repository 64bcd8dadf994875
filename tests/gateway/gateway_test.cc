#include "gateway/gateway.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "gateway/rpc_error.h"
#include "gtest/gtest.h"
#include "tests/gateway/gateway_test_util.h"

namespace users::gateway {
namespace {

const std::pair<std::string, std::string> kMedamaCookie = {"Cookie",
                                                           "_me_sess=t"};
const std::pair<std::string, std::string> kNeptunCookie = {"Cookie",
                                                           "neptun-session=t"};
const std::pair<std::string, std::string> kBearer = {"Authorization",
                                                     "Bearer t"};

// One request per contract, each with a valid body.
struct ContractRequest {
  std::string name;
  std::string method;
  std::string target;
  std::string body;
  std::pair<std::string, std::string> credential;
};

std::vector<ContractRequest> ContractRequests() {
  return {
      {"medama", "PATCH", "/user", R"({"username":"abc"})", kMedamaCookie},
      {"v1", "PATCH", "/v1/users/usr_1", R"({"username":"abc"})", kBearer},
      {"project", "PATCH", "/proj1/users/1", R"({"update":{"bio":"b"}})",
       kBearer},
      {"neptun", "PATCH", "/api/users/1", R"({"email":"a@b.co"})",
       kNeptunCookie},
  };
}

// The HTTP status inside an error body, whatever the contract's shape.
int StatusInBody(const std::string& contract, const nlohmann::json& body) {
  if (contract == "medama") return body["error"]["code"].get<int>();
  if (contract == "neptun") return body["statusCode"].get<int>();
  return -1;
}

// True when `body` has the contract's error shape.
bool HasContractShape(const std::string& contract, const nlohmann::json& body) {
  if (contract == "medama") {
    return body.contains("error") && body["error"].is_object() &&
           body["error"].contains("code") && body["error"].contains("message");
  }
  if (contract == "v1") {
    return body["error"].is_string() && body["message"].is_string();
  }
  if (contract == "project") {
    return body["error"].is_string() && body["code"].is_string() &&
           body["code"].get<std::string>().rfind("user/", 0) == 0;
  }
  return body["statusCode"].is_number() && body["statusMessage"].is_string() &&
         body["message"].is_string();
}

TEST(GatewayTest, CommonBodyChecksAnswerInEachContractsShape) {
  struct Check {
    std::string name;
    std::string content_type;
    std::string body;
    int status;
  };
  const Check checks[] = {
      {"text/plain", "text/plain", R"({"a":1})", 415},
      {"no content type", "", R"({"a":1})", 415},
      {"form", "application/x-www-form-urlencoded", "a=1", 415},
      {"malformed", "application/json", R"({"a":)", 400},
      {"duplicate key", "application/json", R"({"a":1,"a":2})", 400},
      {"invalid UTF-8", "application/json", "{\"a\":\"\xfe\"}", 400},
      {"array", "application/json", "[]", 400},
      {"too deep", "application/json",
       std::string(40, '[') + std::string(40, ']'), 400},
      {"too large", "application/json",
       "{\"a\":\"" + std::string(70000, 'x') + "\"}", 413},
  };
  for (const ContractRequest& contract : ContractRequests()) {
    for (const Check& check : checks) {
      GatewayHarness harness;
      HttpRequest request;
      request.method = contract.method;
      request.target = contract.target;
      request.body = check.body;
      request.headers.push_back(contract.credential);
      if (!check.content_type.empty()) {
        request.headers.emplace_back("Content-Type", check.content_type);
      }
      HttpResponse response = harness.Send(request);
      std::string label = contract.name + ": " + check.name;
      EXPECT_EQ(response.status, check.status) << label;
      nlohmann::json body = BodyJson(response);
      EXPECT_TRUE(HasContractShape(contract.name, body))
          << label << " " << response.body;
      int in_body = StatusInBody(contract.name, body);
      if (in_body != -1) {
        EXPECT_EQ(in_body, check.status) << label;
      }
      EXPECT_TRUE(harness.backend().calls.empty()) << label;
      EXPECT_FALSE(response.Header("X-Request-Id").empty()) << label;
      EXPECT_EQ(response.HasHeader("X-Api-Commit"), contract.name == "medama")
          << label;
    }
  }
}

TEST(GatewayTest, AmbiguousCredentialsAndLengthsAre400InEachContractsShape) {
  using Headers = std::vector<std::pair<std::string, std::string>>;
  for (const ContractRequest& contract : ContractRequests()) {
    const bool cookie = contract.name == "medama" || contract.name == "neptun";
    const std::string cookie_name =
        contract.name == "medama" ? "_me_sess" : "neptun-session";
    struct Case {
      std::string name;
      Headers headers;
    };
    std::vector<Case> cases = {
        {"two Authorization headers",
         {contract.credential,
          {"Authorization", "Bearer t"},
          {"Authorization", "Bearer garbage"}}},
        {"two equal Content-Length headers",
         {contract.credential,
          {"Content-Length", std::to_string(contract.body.size())},
          {"Content-Length", std::to_string(contract.body.size())}}},
        {"a Content-Length list",
         {contract.credential,
          {"Content-Length", std::to_string(contract.body.size()) + ", " +
                                 std::to_string(contract.body.size())}}},
    };
    if (cookie) {
      cases.push_back(
          {"the session cookie twice in one header",
           {{"Cookie", absl::StrCat(cookie_name, "=t; ", cookie_name, "=u")}}});
      cases.push_back({"the session cookie in two headers",
                       {{"Cookie", cookie_name + "=t"},
                        {"Cookie", "other=1; " + cookie_name + "=u"}}});
    }
    for (const Case& c : cases) {
      GatewayHarness harness;
      HttpResponse response = harness.Send(JsonRequest(
          contract.method, contract.target, contract.body, c.headers));
      const std::string label = contract.name + ": " + c.name;
      EXPECT_EQ(response.status, 400) << label;
      nlohmann::json body = BodyJson(response);
      EXPECT_TRUE(HasContractShape(contract.name, body))
          << label << " " << response.body;
      int in_body = StatusInBody(contract.name, body);
      if (in_body != -1) {
        EXPECT_EQ(in_body, 400) << label;
      }
      EXPECT_TRUE(response.close_connection) << label;
      EXPECT_TRUE(harness.backend().calls.empty()) << label;
    }
    // One of each is fine, and so are other cookies beside the session one.
    GatewayHarness harness;
    Headers one = {{"Content-Length", std::to_string(contract.body.size())}};
    if (cookie) {
      one.emplace_back("Cookie", "a=1; " + cookie_name + "=t; b=2");
      one.emplace_back("Cookie", "c=3");
    } else {
      one.push_back(contract.credential);
    }
    HttpResponse response = harness.Send(
        JsonRequest(contract.method, contract.target, contract.body, one));
    EXPECT_EQ(response.status, 200) << contract.name << " " << response.body;
    EXPECT_FALSE(response.close_connection) << contract.name;
    EXPECT_EQ(harness.backend().calls.size(), 1u) << contract.name;
  }
}

TEST(GatewayTest, TwoContentLengthsAre400OutsideTheContractsToo) {
  GatewayHarness harness;
  HttpResponse response = harness.Send(
      JsonRequest("GET", "/healthz", "",
                  {{"Content-Length", "0"}, {"Content-Length", "0"}}));
  EXPECT_EQ(response.status, 400);
  EXPECT_EQ(BodyJson(response)["status"], 400);
  // Two Authorization headers mean nothing to a route without credentials.
  EXPECT_EQ(harness
                .Send(JsonRequest("GET", "/healthz", "",
                                  {{"Authorization", "Bearer a"},
                                   {"Authorization", "Bearer b"}}))
                .status,
            200);
}

TEST(GatewayTest, CharsetParameterIsAccepted) {
  GatewayHarness harness;
  HttpRequest request =
      JsonRequest("PATCH", "/user", R"({"username":"abc"})", {kMedamaCookie});
  request.headers.front().second = "application/json; charset=utf-8";
  EXPECT_EQ(harness.Send(request).status, 200);
  request.headers.front().second = "Application/JSON;charset=UTF-8";
  EXPECT_EQ(harness.Send(request).status, 200);
}

TEST(GatewayTest, MaxBodyBytesIsConfigurable) {
  GatewayConfig config = GatewayHarness::DefaultConfig();
  config.max_body_bytes = 16;
  GatewayHarness harness(config);
  EXPECT_EQ(
      harness
          .Send(JsonRequest("PATCH", "/user", R"({"username":"abcdefgh"})",
                            {kMedamaCookie}))
          .status,
      413);
  EXPECT_EQ(harness
                .Send(JsonRequest("PATCH", "/user", R"({"username":"a"})",
                                  {kMedamaCookie}))
                .status,
            400);  // fits, then fails the length check
}

TEST(GatewayTest, UnknownRoutesAre404InTheNeutralShape) {
  GatewayHarness harness;
  HttpResponse response =
      harness.Send(JsonRequest("GET", "/nope", "", {{"X-Request-Id", "r1"}}));
  EXPECT_EQ(response.status, 404);
  EXPECT_EQ(BodyJson(response),
            nlohmann::json::parse(R"({"status":404,"error":"Not Found",)"
                                  R"("message":"no route for GET /nope",)"
                                  R"("request_id":"r1"})"));
  EXPECT_EQ(response.Header("X-Request-Id"), "r1");
}

TEST(GatewayTest, WrongMethodIs405WithAllow) {
  GatewayHarness harness;
  HttpResponse response =
      harness.Send(JsonRequest("DELETE", "/api/users/7", "", {kNeptunCookie}));
  EXPECT_EQ(response.status, 405);
  EXPECT_EQ(response.Header("Allow"), "PATCH, GET");
  EXPECT_EQ(BodyJson(response)["statusCode"], 405);

  HttpResponse medama = harness.Send(JsonRequest("PUT", "/user", "{}"));
  EXPECT_EQ(medama.status, 405);
  EXPECT_EQ(medama.Header("X-Api-Commit"), "97dd2ae");
}

TEST(GatewayTest, StaticSegmentsBeatProjectIds) {
  GatewayHarness harness;
  harness.backend().user = MakeUser("default", 7);
  harness.Send(JsonRequest("GET", "/api/users/7", "", {kNeptunCookie}));
  EXPECT_EQ(harness.backend().get_request.name(), "projects/default/users/7");
  EXPECT_TRUE(harness.backend().last_options.self_only);
  harness.Send(JsonRequest("GET", "/apx/users/7", "", {kBearer}));
  EXPECT_EQ(harness.backend().get_request.name(), "projects/apx/users/7");
  EXPECT_FALSE(harness.backend().last_options.self_only);
}

TEST(GatewayTest, CookieContractsRefuseForeignOrigins) {
  for (const ContractRequest& contract : ContractRequests()) {
    GatewayHarness harness;
    HttpResponse foreign = harness.Send(
        JsonRequest(contract.method, contract.target, contract.body,
                    {contract.credential, {"Origin", "https://evil.example"}}));
    HttpResponse allowed = harness.Send(JsonRequest(
        contract.method, contract.target, contract.body,
        {contract.credential, {"Origin", "https://app.example.com"}}));
    HttpResponse none =
        harness.Send(JsonRequest(contract.method, contract.target,
                                 contract.body, {contract.credential}));
    bool cookie = contract.name == "medama" || contract.name == "neptun";
    EXPECT_EQ(foreign.status, cookie ? 403 : 200) << contract.name;
    if (cookie) {
      EXPECT_TRUE(HasContractShape(contract.name, BodyJson(foreign)));
    }
    EXPECT_EQ(allowed.status, 200) << contract.name;
    EXPECT_EQ(none.status, 200) << contract.name;
    EXPECT_EQ(harness.backend().calls.size(), cookie ? 2u : 3u)
        << contract.name;
  }
}

TEST(GatewayTest, LoginsAreOriginCheckedToo) {
  GatewayHarness harness;
  HttpResponse response = harness.Send(
      JsonRequest("POST", "/auth/login", R"({"username":"a","password":"b"})",
                  {{"Origin", "null"}}));
  EXPECT_EQ(response.status, 403);
  EXPECT_TRUE(harness.backend().calls.empty());
}

TEST(GatewayTest, RequestIdIsEchoedOrGeneratedAndSentToUserd) {
  GatewayHarness harness;
  HttpResponse echoed = harness.Send(
      JsonRequest("PATCH", "/user", R"({"username":"abc"})",
                  {kMedamaCookie, {"X-Request-Id", "client-id-1"}}));
  EXPECT_EQ(echoed.Header("X-Request-Id"), "client-id-1");
  EXPECT_EQ(harness.backend().last_options.request_id, "client-id-1");
  HttpResponse generated = harness.Send(
      JsonRequest("PATCH", "/user", R"({"username":"abc"})", {kMedamaCookie}));
  EXPECT_EQ(generated.Header("X-Request-Id").size(), 32u);
  EXPECT_EQ(harness.backend().last_options.request_id,
            generated.Header("X-Request-Id"));
}

TEST(GatewayTest, ClientRateLimitIs429WithRetryAfter) {
  GatewayConfig config = GatewayHarness::DefaultConfig();
  config.client_rps = 1;
  config.client_burst = 2;
  GatewayHarness harness(config);
  for (int i = 0; i < 2; ++i) {
    EXPECT_EQ(harness
                  .Send(JsonRequest("PATCH", "/v1/users/usr_1",
                                    R"({"username":"abc"})", {kBearer}))
                  .status,
              200);
  }
  HttpResponse limited = harness.Send(JsonRequest(
      "PATCH", "/v1/users/usr_1", R"({"username":"abc"})", {kBearer}));
  EXPECT_EQ(limited.status, 429);
  EXPECT_EQ(limited.Header("Retry-After"), "1");
  EXPECT_EQ(BodyJson(limited)["error"], "rate_limited");
  EXPECT_EQ(harness.backend().calls.size(), 2u);
  // Another client address has its own bucket.
  HttpRequest other = JsonRequest("PATCH", "/v1/users/usr_1",
                                  R"({"username":"abc"})", {kBearer});
  other.remote_address = "192.0.2.99";
  EXPECT_EQ(harness.Send(other).status, 200);
}

TEST(GatewayTest, PrincipalRateLimitFollowsTheCredential) {
  GatewayConfig config = GatewayHarness::DefaultConfig();
  config.principal_rps = 1;
  config.principal_burst = 1;
  GatewayHarness harness(config);
  HttpRequest first = JsonRequest("PATCH", "/api/users/1",
                                  R"({"email":"a@b.co"})", {kNeptunCookie});
  EXPECT_EQ(harness.Send(first).status, 200);
  HttpRequest second = first;
  second.remote_address = "192.0.2.50";  // same cookie, other address
  HttpResponse limited = harness.Send(second);
  EXPECT_EQ(limited.status, 429);
  EXPECT_EQ(BodyJson(limited)["statusMessage"], "Too Many Requests.");
  EXPECT_FALSE(limited.Header("Retry-After").empty());
  HttpRequest other =
      JsonRequest("PATCH", "/api/users/1", R"({"email":"a@b.co"})",
                  {{"Cookie", "neptun-session=u"}});
  EXPECT_EQ(harness.Send(other).status, 200);
}

TEST(GatewayTest, HealthAndReadiness) {
  GatewayHarness harness;
  EXPECT_EQ(harness.Send(JsonRequest("GET", "/healthz", "")).status, 200);
  EXPECT_EQ(harness.Send(JsonRequest("GET", "/readyz", "")).status, 200);
  harness.backend().serving = false;
  EXPECT_EQ(harness.Send(JsonRequest("GET", "/readyz", "")).status, 503);
  EXPECT_EQ(harness.Send(JsonRequest("GET", "/healthz", "")).status, 200);
}

TEST(GatewayTest, CredentialsWithUnsafeCharactersAreIgnored) {
  GatewayHarness harness;
  HttpResponse response = harness.Send(JsonRequest("PATCH", "/v1/users/usr_1",
                                                   R"({"username":"abc"})",
                                                   {{"Authorization",
                                                     "Bearer a\x01"
                                                     "b"}}));
  EXPECT_EQ(response.status, 401);
  EXPECT_TRUE(harness.backend().calls.empty());
}

TEST(GatewayTest, TransportErrorsUseTheOwningContract) {
  GatewayHarness harness;
  HttpResponse medama = harness.gateway().RenderTransportError(
      "PATCH", "/user", "rid", GatewayError{413, "too large", 0, ""});
  EXPECT_EQ(medama.status, 413);
  EXPECT_EQ(BodyJson(medama)["error"]["code"], 413);
  EXPECT_EQ(medama.Header("X-Api-Commit"), "97dd2ae");
  EXPECT_EQ(medama.Header("X-Request-Id"), "rid");
  HttpResponse neutral = harness.gateway().RenderTransportError(
      "", "", "", GatewayError{431, "headers", 0, ""});
  EXPECT_EQ(neutral.status, 431);
  EXPECT_EQ(BodyJson(neutral)["status"], 431);
}

// Every route that takes an Idempotency-Key, and where its request_id lands
// in the fake backend.
struct KeyedRoute {
  std::string name;
  std::string contract;
  std::string method;
  std::string target;
  std::string body;
  std::pair<std::string, std::string> credential;
  std::string call;  // the users.v1 call it makes
};

std::vector<KeyedRoute> KeyedRoutes() {
  std::vector<KeyedRoute> routes;
  for (const ContractRequest& c : ContractRequests()) {
    routes.push_back({c.name + " PATCH", c.name, c.method, c.target, c.body,
                      c.credential, "UpdateUser"});
  }
  routes.push_back({"v1 POST /v1/users", "v1", "POST", "/v1/users",
                    R"({"username":"abc","email":"a@b.co","password":"pw-1"})",
                    kBearer, "CreateUser"});
  routes.push_back({"v1 DELETE /v1/sessions/current", "v1", "DELETE",
                    "/v1/sessions/current", "", kBearer, "DeleteSession"});
  routes.push_back({"medama POST /auth/logout", "medama", "POST",
                    "/auth/logout", "", kMedamaCookie, "DeleteSession"});
  routes.push_back({"neptun POST /api/auth/logout", "neptun", "POST",
                    "/api/auth/logout", "", kNeptunCookie, "DeleteSession"});
  return routes;
}

// The request_id of the last `call` the fake backend received.
std::string SentRequestId(const FakeUserBackend& backend,
                          const std::string& call) {
  if (call == "UpdateUser") return backend.update_request.request_id();
  if (call == "CreateUser") return backend.create_request.request_id();
  return backend.delete_session_request.request_id();
}

TEST(GatewayTest, IdempotencyKeyBecomesTheCallsRequestId) {
  for (const KeyedRoute& route : KeyedRoutes()) {
    GatewayHarness harness;
    harness.backend().user = MakeUser("default", 1);
    HttpResponse keyed = harness.Send(JsonRequest(
        route.method, route.target, route.body,
        {route.credential,
         {"Idempotency-Key", "  7c9e6679-7425-40de-944b-e07fc1f90ae7	"},
         {"X-Request-Id", "trace-1"}}));
    EXPECT_LT(keyed.status, 300) << route.name << " " << keyed.body;
    ASSERT_EQ(harness.backend().calls, std::vector<std::string>{route.call})
        << route.name;
    EXPECT_EQ(SentRequestId(harness.backend(), route.call),
              "7c9e6679-7425-40de-944b-e07fc1f90ae7")
        << route.name;
    // X-Request-Id stays the tracing id, apart from the idempotency key.
    EXPECT_EQ(harness.backend().last_options.request_id, "trace-1")
        << route.name;

    HttpResponse plain = harness.Send(JsonRequest(
        route.method, route.target, route.body, {route.credential}));
    EXPECT_LT(plain.status, 300) << route.name;
    ASSERT_EQ(harness.backend().calls.size(), 2u) << route.name;
    EXPECT_EQ(SentRequestId(harness.backend(), route.call), "") << route.name;
  }
}

TEST(GatewayTest, MalformedOrRepeatedIdempotencyKeyIs400InEachContractsShape) {
  using Headers = std::vector<std::pair<std::string, std::string>>;
  struct Case {
    std::string name;
    Headers headers;
  };
  const std::vector<Case> cases = {
      {"two headers", {{"Idempotency-Key", "k1"}, {"Idempotency-Key", "k2"}}},
      {"two equal headers",
       {{"Idempotency-Key", "k1"}, {"idempotency-key", "k1"}}},
      {"256 characters", {{"Idempotency-Key", std::string(256, 'k')}}},
      {"a control character", {{"Idempotency-Key", "ky"}}},
      {"empty", {{"Idempotency-Key", " "}}},
      {"non-ASCII", {{"Idempotency-Key", "clÃ©"}}},
  };
  for (const KeyedRoute& route : KeyedRoutes()) {
    for (const Case& c : cases) {
      GatewayHarness harness;
      Headers headers = c.headers;
      headers.push_back(route.credential);
      HttpResponse response = harness.Send(
          JsonRequest(route.method, route.target, route.body, headers));
      const std::string label = route.name + ": " + c.name;
      EXPECT_EQ(response.status, 400) << label;
      nlohmann::json body = BodyJson(response);
      EXPECT_TRUE(HasContractShape(route.contract, body))
          << label << " " << response.body;
      int in_body = StatusInBody(route.contract, body);
      if (in_body != -1) {
        EXPECT_EQ(in_body, 400) << label;
      }
      EXPECT_NE(response.body.find("Idempotency-Key"), std::string::npos)
          << label << " " << response.body;
      EXPECT_TRUE(harness.backend().calls.empty()) << label;
      EXPECT_FALSE(response.close_connection) << label;
    }
  }
}

TEST(GatewayTest, ReadsIgnoreTheIdempotencyKey) {
  const std::pair<std::string, std::string> reads[] = {
      {"/user", "medama"},
      {"/v1/users/usr_1", "v1"},
      {"/proj1/users/1", "project"},
      {"/api/users/1", "neptun"}};
  for (const auto& [target, contract] : reads) {
    GatewayHarness harness;
    harness.backend().user = MakeUser("default", 1);
    std::pair<std::string, std::string> credential =
        contract == "medama"   ? kMedamaCookie
        : contract == "neptun" ? kNeptunCookie
                               : kBearer;
    HttpResponse response = harness.Send(
        JsonRequest("GET", target, "",
                    {credential, {"Idempotency-Key", std::string(300, 'k')}}));
    EXPECT_EQ(response.status, 200) << contract << " " << response.body;
    EXPECT_EQ(harness.backend().calls, std::vector<std::string>{"GetUser"});
  }
}

TEST(GatewayTest, ReusedIdempotencyKeyIs422InEachContractsShape) {
  for (const KeyedRoute& route : KeyedRoutes()) {
    GatewayHarness harness;
    harness.backend().status = MakeRpcStatus(
        grpc::StatusCode::INVALID_ARGUMENT,
        "request_id was used for a different request", "REQUEST_ID_REUSED");
    HttpResponse response = harness.Send(
        JsonRequest(route.method, route.target, route.body,
                    {route.credential, {"Idempotency-Key", "k1"}}));
    EXPECT_EQ(response.status, 422) << route.name;
    EXPECT_EQ(BodyJson(response),
              Golden(route.contract + "_422_idempotency_key.json"))
        << route.name << " " << response.body;
    // A refused logout keeps the session: its cookie is not expired.
    EXPECT_FALSE(response.HasHeader("Set-Cookie")) << route.name;
    EXPECT_EQ(response.HasHeader("X-Api-Commit"), route.contract == "medama")
        << route.name;
  }
}

TEST(GatewayTest, AReplayedRotationHandsOutTheFreshCredentialAgain) {
  // userd answers a retry of a session-rotating update like the first call:
  // the user and the rotated session in the initial metadata. The adapters
  // treat it as any answer, so the client holding the old cookie or token
  // gets a working one.
  struct Case {
    std::string contract;
    std::string target;
    std::string body;
    std::pair<std::string, std::string> old_credential;
  };
  const Case cases[] = {
      {"medama",
       "/user",
       R"({"password":"new-pass-1234"})",
       {"Cookie", "_me_sess=old"}},
      {"neptun",
       "/api/users/1",
       R"({"password":"new-pass-1234"})",
       {"Cookie", "neptun-session=old"}},
      {"v1",
       "/v1/users/usr_1",
       R"({"email":"new@example.com"})",
       {"Authorization", "Bearer old"}},
  };
  for (const Case& c : cases) {
    GatewayHarness harness;
    harness.backend().user = MakeUser("default", 1);
    harness.backend().initial_metadata = {
        {"x-session-token", "fresh"},
        {"x-session-expire-time", "2999-01-01T00:00:00Z"}};
    HttpResponse response = harness.Send(
        JsonRequest("PATCH", c.target, c.body,
                    {c.old_credential, {"Idempotency-Key", "k1"}}));
    EXPECT_EQ(response.status, 200) << c.contract << " " << response.body;
    EXPECT_EQ(harness.backend().last_options.bearer_token, "old");
    EXPECT_EQ(harness.backend().update_request.request_id(), "k1");
    if (c.contract == "v1") {
      EXPECT_EQ(response.Header("X-Session-Token"), "fresh");
    } else {
      std::string cookie(response.Header("Set-Cookie"));
      std::string name = c.contract == "medama" ? "_me_sess" : "neptun-session";
      EXPECT_EQ(cookie.rfind(name + "=fresh;", 0), 0u)
          << c.contract << " " << cookie;
    }
  }
}

TEST(GatewayTest, BehindATrustedProxyTheForwardedClientIsCounted) {
  GatewayConfig config = GatewayHarness::DefaultConfig();
  config.client_rps = 1;
  config.client_burst = 1;
  config.trusted_proxies = *TrustedProxies::Parse("192.0.2.0/24");
  GatewayHarness harness(config);
  // Two clients behind one Ingress (192.0.2.1) each get their own bucket.
  for (const char* client : {"198.51.100.1", "198.51.100.2"}) {
    HttpRequest request = JsonRequest(
        "POST", "/v1/sessions", R"({"login":"jane","password":"pw-12345678"})",
        {{"X-Forwarded-For", std::string("6.6.6.6, ") + client}});
    EXPECT_EQ(harness.Send(request).status, 200) << client;
    EXPECT_EQ(harness.backend().last_options.client_address, client);
  }
  // The same client again is limited, whatever it puts in front.
  HttpRequest again = JsonRequest(
      "POST", "/v1/sessions", R"({"login":"jane","password":"pw-12345678"})",
      {{"X-Forwarded-For", "7.7.7.7"}, {"X-Forwarded-For", "198.51.100.1"}});
  EXPECT_EQ(harness.Send(again).status, 429);
}

}  // namespace
}  // namespace users::gateway
