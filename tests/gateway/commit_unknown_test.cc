// A write whose commit outcome userd could not learn (UNAVAILABLE,
// ErrorInfo COMMIT_UNKNOWN) is 503 with Retry-After: 1 in every contract's
// shape (CONTRACTS.md, "Commit outcome unknown").
#include <string>
#include <utility>
#include <vector>

#include "gateway/rpc_error.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "gtest/gtest.h"
#include "tests/gateway/gateway_test_util.h"

namespace users::gateway {
namespace {

using Header = std::pair<std::string, std::string>;

// What userd answers: UNAVAILABLE, COMMIT_UNKNOWN and, when `retry_info`,
// a RetryInfo of 1 s.
grpc::Status CommitUnknown(bool retry_info = true) {
  grpc::Status base = MakeRpcStatus(
      grpc::StatusCode::UNAVAILABLE,
      "the database connection was lost while committing", "COMMIT_UNKNOWN");
  if (!retry_info) return base;
  google::rpc::Status details;
  details.ParseFromString(base.error_details());
  google::rpc::RetryInfo retry;
  retry.mutable_retry_delay()->set_seconds(1);
  details.add_details()->PackFrom(retry);
  return grpc::Status(base.error_code(), base.error_message(),
                      details.SerializeAsString());
}

struct ContractPatch {
  std::string contract;
  std::string target;
  std::string body;
  std::vector<Header> headers;
  nlohmann::json expected_body;  // without v1's "request_id"
};

std::vector<ContractPatch> Patches() {
  return {
      {"medama",
       "/user",
       R"({"username":"ayuhito"})",
       {{"Cookie", "_me_sess=tok123"}},
       nlohmann::json::parse(
           R"json({"error":{"code":503,"message":"internal server error (request id req-commit)"}})json")},
      {"v1",
       "/v1/users/usr_1",
       R"({"first_name":"Jane"})",
       {{"Authorization", "Bearer tok"}},
       nlohmann::json::parse(
           R"({"error":"service_unavailable","message":"Service unavailable"})")},
      {"project",
       "/proj1234/users/67890",
       R"({"update":{"bio":"x"}})",
       {{"Authorization", "Bearer tok"}},
       nlohmann::json::parse(
           R"({"error":"Service unavailable","code":"user/service-unavailable"})")},
      {"neptun",
       "/api/users/5",
       R"({"email":"newemail@example.com"})",
       {{"Cookie", "neptun-session=sess1"}},
       nlohmann::json::parse(
           R"({"statusCode":503,"statusMessage":"Service Unavailable.","message":"Service Unavailable. Request id: req-commit"})")},
  };
}

HttpResponse SendPatch(const ContractPatch& patch, grpc::Status status) {
  GatewayHarness harness;
  harness.backend().status = std::move(status);
  std::vector<Header> headers = patch.headers;
  headers.emplace_back("X-Request-Id", "req-commit");
  return harness.Send(
      JsonRequest("PATCH", patch.target, patch.body, std::move(headers)));
}

nlohmann::json WithoutRequestId(nlohmann::json body) {
  if (body.is_object()) body.erase("request_id");
  return body;
}

TEST(CommitUnknownTest, EveryContractAnswers503WithRetryAfterOne) {
  for (const ContractPatch& patch : Patches()) {
    HttpResponse response = SendPatch(patch, CommitUnknown());
    EXPECT_EQ(response.status, 503) << patch.contract;
    EXPECT_EQ(response.Header("Retry-After"), "1") << patch.contract;
    EXPECT_EQ(WithoutRequestId(BodyJson(response)), patch.expected_body)
        << patch.contract << ": " << response.body;
    EXPECT_EQ(response.body.find("database"), std::string::npos)
        << patch.contract << ": the server's message stays inside";
  }
}

TEST(CommitUnknownTest, RetryAfterIsOneEvenWithoutTheServersRetryInfo) {
  for (const ContractPatch& patch : Patches()) {
    HttpResponse response = SendPatch(patch, CommitUnknown(false));
    EXPECT_EQ(response.status, 503) << patch.contract;
    EXPECT_EQ(response.Header("Retry-After"), "1") << patch.contract;
  }
}

TEST(CommitUnknownTest, AnUnreachableDatabaseIs503WithoutRetryAfter) {
  for (const ContractPatch& patch : Patches()) {
    HttpResponse response = SendPatch(
        patch, MakeRpcStatus(grpc::StatusCode::UNAVAILABLE,
                             "database unavailable", "DATABASE_UNAVAILABLE"));
    EXPECT_EQ(response.status, 503) << patch.contract;
    EXPECT_FALSE(response.HasHeader("Retry-After")) << patch.contract;
    EXPECT_EQ(WithoutRequestId(BodyJson(response)), patch.expected_body)
        << patch.contract << ": " << response.body;
  }
}

TEST(CommitUnknownTest, RpcErrorDecodesTheDelay) {
  EXPECT_EQ(
      RpcError::FromStatus(CommitUnknown()).UnavailableRetryAfterSeconds(), 1);
  EXPECT_EQ(
      RpcError::FromStatus(CommitUnknown(false)).UnavailableRetryAfterSeconds(),
      1);
  EXPECT_EQ(RpcError::FromStatus(MakeRpcStatus(grpc::StatusCode::UNAVAILABLE,
                                               "down", "DATABASE_UNAVAILABLE"))
                .UnavailableRetryAfterSeconds(),
            0);
}

}  // namespace
}  // namespace users::gateway
