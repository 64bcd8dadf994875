#include "gateway/project_adapter.h"

#include <string>

#include "gateway/rpc_error.h"
#include "gateway/struct_json.h"
#include "gtest/gtest.h"
#include "services/common/json_struct.h"
#include "tests/gateway/gateway_test_util.h"

namespace users::gateway {
namespace {

const std::pair<std::string, std::string> kBearer = {"Authorization",
                                                     "Bearer tok"};

users::v1::User John() {
  users::v1::User user = MakeUser("proj1234", 67890);
  user.set_username("new_username");
  user.set_display_name("John Doe");
  user.set_avatar_uri("https://example.com/avatar.jpg");
  user.set_bio("New bio text");
  user.mutable_birth_date()->set_year(1990);
  user.mutable_birth_date()->set_month(1);
  user.mutable_birth_date()->set_day(1);
  user.mutable_location()->set_longitude(34.05);
  user.mutable_location()->set_latitude(-118.25);  // as in the document
  *user.mutable_metadata() = *JsonObjectToStruct({{"theme", "dark"}});
  *user.mutable_secure_metadata() = *JsonObjectToStruct({{"secret", "s3"}});
  return user;
}

class ProjectAdapterTest : public ::testing::Test {
 protected:
  HttpResponse Patch(const std::string& body,
                     const std::string& target = "/proj1234/users/67890") {
    return harness_.Send(JsonRequest("PATCH", target, body, {kBearer}));
  }
  GatewayHarness harness_;
};

TEST_F(ProjectAdapterTest, DocumentExampleIsRefusedForItsLatitude) {
  HttpResponse response = Patch(Golden("project_request.json").dump());
  EXPECT_EQ(response.status, 400);
  EXPECT_EQ(BodyJson(response), Golden("project_400_location.json"));
  EXPECT_TRUE(harness_.backend().calls.empty());
}

TEST_F(ProjectAdapterTest, ValidUpdateMapsEveryField) {
  harness_.backend().user = John();
  HttpResponse response = Patch(R"({"update":{
      "name":"John Doe","username":"  new user-name! ",
      "avatar":"https://example.com/avatar.jpg","bio":"New bio text",
      "birthdate":"1990-01-01T00:00:00.000Z",
      "location":{"longitude":34.05,"latitude":-18.25},
      "metadata":{"theme":"dark","n":1},"secureMetadata":{"k":"v"},
      "unknownKey":true}})");
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(BodyJson(response), Golden("project_200.json"));
  EXPECT_EQ(response.body.find("secure"), std::string::npos);
  ASSERT_EQ(harness_.backend().calls, std::vector<std::string>{"UpdateUser"});
  const auto& request = harness_.backend().update_request;
  const users::v1::User& user = request.user();
  EXPECT_EQ(user.name(), "projects/proj1234/users/67890");
  EXPECT_EQ(user.display_name(), "John Doe");
  EXPECT_EQ(user.username(), "newusername");
  EXPECT_EQ(user.avatar_uri(), "https://example.com/avatar.jpg");
  EXPECT_EQ(user.bio(), "New bio text");
  EXPECT_EQ(user.birth_date().year(), 1990);
  EXPECT_EQ(user.birth_date().month(), 1);
  EXPECT_EQ(user.birth_date().day(), 1);
  EXPECT_DOUBLE_EQ(user.location().longitude(), 34.05);
  EXPECT_DOUBLE_EQ(user.location().latitude(), -18.25);
  EXPECT_EQ(StructToJson(user.metadata()),
            nlohmann::ordered_json::parse(R"({"n":1,"theme":"dark"})"));
  EXPECT_EQ(StructToJson(user.secure_metadata()),
            nlohmann::ordered_json::parse(R"({"k":"v"})"));
  std::vector<std::string> paths(request.update_mask().paths().begin(),
                                 request.update_mask().paths().end());
  EXPECT_EQ(paths,
            (std::vector<std::string>{"display_name", "username", "avatar_uri",
                                      "bio", "birth_date", "location",
                                      "metadata", "secure_metadata"}));
  EXPECT_EQ(harness_.backend().last_options.bearer_token, "tok");
}

TEST_F(ProjectAdapterTest, MissingOrEmptyUpdateIsMissingData) {
  for (const char* body :
       {"{}", R"({"update":{}})", R"({"update":null})", R"({"other":1})"}) {
    GatewayHarness harness;
    HttpResponse response = harness.Send(
        JsonRequest("PATCH", "/proj1234/users/67890", body, {kBearer}));
    EXPECT_EQ(response.status, 400) << body;
    EXPECT_EQ(BodyJson(response), Golden("project_400_missing.json")) << body;
    EXPECT_TRUE(harness.backend().calls.empty());
  }
}

TEST_F(ProjectAdapterTest, InvalidFieldsAreInvalidData) {
  struct Case {
    std::string update;
    std::string message;
  };
  const Case cases[] = {
      {R"("x")", "Invalid update: must be an object"},
      {R"({"username":"  !!  "})",
       "Invalid username: nothing left after keeping only letters, digits, "
       "'.' and '_'"},
      {R"({"username":5})", "Invalid username: must be a string"},
      {R"({"name":[]})", "Invalid name: must be a string"},
      {R"({"birthdate":"1990-13-01"})",
       "Invalid birthdate: must be an ISO 8601 date or date-time"},
      {R"({"birthdate":19900101})",
       "Invalid birthdate: must be an ISO 8601 date or date-time"},
      {R"({"location":"here"})",
       "Invalid location: must be an object with longitude and latitude"},
      {R"({"location":{"longitude":1}})",
       "Invalid location: longitude and latitude must be numbers"},
      {R"({"location":{"longitude":"1","latitude":2}})",
       "Invalid location: longitude and latitude must be numbers"},
      {R"({"location":{"longitude":181,"latitude":0}})",
       "Invalid location: longitude must be between -180 and 180"},
      {R"({"location":{"longitude":0,"latitude":90.5}})",
       "Invalid location: latitude must be between -90 and 90"},
      {R"({"metadata":[1]})", "Invalid metadata: must be an object"},
      {R"({"secureMetadata":"s"})",
       "Invalid secureMetadata: must be an object"},
  };
  for (const Case& c : cases) {
    GatewayHarness harness;
    HttpResponse response =
        harness.Send(JsonRequest("PATCH", "/proj1234/users/67890",
                                 "{\"update\":" + c.update + "}", {kBearer}));
    EXPECT_EQ(response.status, 400) << c.update;
    EXPECT_EQ(BodyJson(response)["code"], "user/invalid-data") << c.update;
    EXPECT_EQ(BodyJson(response)["error"], c.message) << c.update;
    EXPECT_TRUE(harness.backend().calls.empty()) << c.update;
  }
}

TEST_F(ProjectAdapterTest, NullClearsOptionalFields) {
  Patch(R"({"update":{"bio":null,"location":null}})");
  const auto& request = harness_.backend().update_request;
  EXPECT_FALSE(request.user().has_location());
  EXPECT_EQ(request.user().bio(), "");
  ASSERT_EQ(request.update_mask().paths_size(), 2);
  EXPECT_EQ(request.update_mask().paths(0), "bio");
  EXPECT_EQ(request.update_mask().paths(1), "location");
}

TEST_F(ProjectAdapterTest, ServiceErrors) {
  struct Case {
    grpc::Status status;
    int http;
    nlohmann::json body;
  };
  const Case cases[] = {
      {MakeRpcStatus(grpc::StatusCode::NOT_FOUND, "no", "USER_NOT_FOUND"), 404,
       Golden("project_404.json")},
      {grpc::Status(grpc::StatusCode::INTERNAL, "pq: broken pipe"), 500,
       Golden("project_500.json")},
      {MakeRpcStatus(grpc::StatusCode::INVALID_ARGUMENT, "webhook said no",
                     "WEBHOOK_REJECTED", {},
                     {{"message", "Username is reserved"}}),
       400,
       {{"error", "Username is reserved"}, {"code", "user/validation-failed"}}},
      {MakeRpcStatus(grpc::StatusCode::INVALID_ARGUMENT, "webhook said no",
                     "WEBHOOK_REJECTED"),
       400,
       {{"error", "The update was rejected by validation"},
        {"code", "user/validation-failed"}}},
      {MakeRpcStatus(grpc::StatusCode::UNAVAILABLE, "timeout",
                     "WEBHOOK_UNAVAILABLE"),
       503,
       {{"error", "The validation webhook is unavailable"},
        {"code", "user/webhook-unavailable"}}},
      {MakeRpcStatus(grpc::StatusCode::PERMISSION_DENIED, "no", "NOT_SELF"),
       403,
       {{"error", "Not authorized to access this user"},
        {"code", "user/not-authorized"}}},
      {MakeRpcStatus(grpc::StatusCode::UNAUTHENTICATED, "no", "TOKEN_INVALID"),
       401,
       {{"error", "Unauthorized"}, {"code", "user/unauthorized"}}},
      {MakeRpcStatus(grpc::StatusCode::ALREADY_EXISTS, "taken",
                     "USERNAME_TAKEN"),
       409,
       {{"error", "Username already taken"}, {"code", "user/conflict"}}},
      {MakeRpcStatus(grpc::StatusCode::INVALID_ARGUMENT, "bad", "INVALID_FIELD",
                     {{"user.avatar_uri", "must be an absolute http(s) URL",
                       "INVALID_FORMAT"}}),
       400,
       {{"error", "Invalid avatar: must be an absolute http(s) URL"},
        {"code", "user/invalid-data"}}},
  };
  for (const Case& c : cases) {
    GatewayHarness harness;
    harness.backend().status = c.status;
    HttpResponse response = harness.Send(JsonRequest(
        "PATCH", "/proj1234/users/67890", R"({"update":{"bio":"x"}})",
        {kBearer, {"X-Request-Id", "req-500"}}));
    EXPECT_EQ(response.status, c.http) << c.body;
    EXPECT_EQ(BodyJson(response), c.body) << response.body;
  }
}

TEST_F(ProjectAdapterTest, BadPathSegmentsAreNotFound) {
  for (const char* target :
       {"/proj1234/users/abc", "/proj1234/users/0", "/pro%20j/users/1",
        "/Proj/users/1", "/pr/users/1", "/proj-/users/1", "/1proj/users/1"}) {
    GatewayHarness harness;
    HttpResponse response = harness.Send(
        JsonRequest("PATCH", target, R"({"update":{"bio":"x"}})", {kBearer}));
    EXPECT_EQ(response.status, 404) << target;
    EXPECT_EQ(BodyJson(response), Golden("project_404.json")) << target;
    EXPECT_TRUE(harness.backend().calls.empty());
  }
}

TEST_F(ProjectAdapterTest, GetRendersWithoutSecureMetadata) {
  harness_.backend().user = John();
  HttpResponse response =
      harness_.Send(JsonRequest("GET", "/proj1234/users/67890", "", {kBearer}));
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(BodyJson(response), Golden("project_200.json"));
  EXPECT_EQ(harness_.backend().get_request.name(),
            "projects/proj1234/users/67890");
}

TEST_F(ProjectAdapterTest, RendersActiveSuspensions) {
  users::v1::User user = John();
  auto* suspension = user.add_suspensions();
  suspension->set_reason("spam");
  suspension->mutable_create_time()->set_seconds(1672574400);
  harness_.backend().user = user;
  HttpResponse response =
      harness_.Send(JsonRequest("GET", "/proj1234/users/67890", "", {kBearer}));
  EXPECT_EQ(BodyJson(response)["suspensions"],
            nlohmann::json::parse(R"([{"reason":"spam",)"
                                  R"("startDate":"2023-01-01T12:00:00.000Z",)"
                                  R"("endDate":null}])"));
}

TEST_F(ProjectAdapterTest, ASuspendedCallerIs403UserSuspended) {
  harness_.backend().status = MakeRpcStatus(grpc::StatusCode::PERMISSION_DENIED,
                                            "suspended", "USER_SUSPENDED");
  for (const char* method : {"PATCH", "GET"}) {
    HttpResponse response = harness_.Send(JsonRequest(
        method, "/proj1234/users/67890",
        std::string(method) == "GET" ? "" : R"({"update":{"bio":"x"}})",
        {kBearer}));
    EXPECT_EQ(response.status, 403) << method;
    EXPECT_EQ(BodyJson(response), Golden("project_403_suspended.json"))
        << method;
  }
}

TEST_F(ProjectAdapterTest, RendersASuspensionsEndDate) {
  users::v1::User user = John();
  auto* suspension = user.add_suspensions();
  suspension->set_reason("cool down");
  suspension->mutable_create_time()->set_seconds(1672574400);
  suspension->mutable_expire_time()->set_seconds(1672660800);
  suspension->mutable_expire_time()->set_nanos(250000000);
  harness_.backend().user = user;
  HttpResponse response =
      harness_.Send(JsonRequest("GET", "/proj1234/users/67890", "", {kBearer}));
  EXPECT_EQ(BodyJson(response)["suspensions"],
            nlohmann::json::parse(R"([{"reason":"cool down",)"
                                  R"("startDate":"2023-01-01T12:00:00.000Z",)"
                                  R"("endDate":"2023-01-02T12:00:00.250Z"}])"));
}

}  // namespace
}  // namespace users::gateway
