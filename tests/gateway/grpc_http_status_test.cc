#include "gateway/grpc_http_status.h"

#include <string>

#include "gtest/gtest.h"

namespace users::gateway {
namespace {

struct Case {
  grpc::StatusCode code;
  int http;
  std::string name;
};

TEST(GrpcHttpStatusTest, EveryCanonicalCodeMapsToItsHttpStatus) {
  const Case cases[] = {
      {grpc::StatusCode::OK, 200, "OK"},
      {grpc::StatusCode::CANCELLED, 503, "CANCELLED"},
      {grpc::StatusCode::UNKNOWN, 500, "UNKNOWN"},
      {grpc::StatusCode::INVALID_ARGUMENT, 400, "INVALID_ARGUMENT"},
      {grpc::StatusCode::DEADLINE_EXCEEDED, 504, "DEADLINE_EXCEEDED"},
      {grpc::StatusCode::NOT_FOUND, 404, "NOT_FOUND"},
      {grpc::StatusCode::ALREADY_EXISTS, 409, "ALREADY_EXISTS"},
      {grpc::StatusCode::PERMISSION_DENIED, 403, "PERMISSION_DENIED"},
      {grpc::StatusCode::RESOURCE_EXHAUSTED, 429, "RESOURCE_EXHAUSTED"},
      {grpc::StatusCode::FAILED_PRECONDITION, 400, "FAILED_PRECONDITION"},
      {grpc::StatusCode::ABORTED, 409, "ABORTED"},
      {grpc::StatusCode::OUT_OF_RANGE, 400, "OUT_OF_RANGE"},
      {grpc::StatusCode::UNIMPLEMENTED, 501, "UNIMPLEMENTED"},
      {grpc::StatusCode::INTERNAL, 500, "INTERNAL"},
      {grpc::StatusCode::UNAVAILABLE, 503, "UNAVAILABLE"},
      {grpc::StatusCode::DATA_LOSS, 500, "DATA_LOSS"},
      {grpc::StatusCode::UNAUTHENTICATED, 401, "UNAUTHENTICATED"},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(HttpStatusFromGrpc(c.code), c.http) << c.name;
    EXPECT_EQ(GrpcCodeName(c.code), c.name);
  }
}

TEST(GrpcHttpStatusTest, CodesOutsideTheCanonicalSetAre500) {
  EXPECT_EQ(HttpStatusFromGrpc(static_cast<grpc::StatusCode>(42)), 500);
  EXPECT_EQ(HttpStatusFromGrpc(static_cast<grpc::StatusCode>(-1)), 500);
}

}  // namespace
}  // namespace users::gateway
