#include "services/userd/grpc_status.h"

#include <ostream>
#include <string>

#include "absl/strings/cord.h"
#include "gmock/gmock.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "gtest/gtest.h"
#include "services/users/api_error.h"

namespace users {
namespace {

// The google.rpc.Status carried in the details of `status`.
google::rpc::Status Details(const grpc::Status& status) {
  google::rpc::Status details;
  EXPECT_TRUE(details.ParseFromString(status.error_details()));
  return details;
}

bool UnpackErrorInfo(const google::rpc::Status& details,
                     google::rpc::ErrorInfo* info) {
  for (const auto& any : details.details()) {
    if (any.Is<google::rpc::ErrorInfo>()) return any.UnpackTo(info);
  }
  return false;
}

bool UnpackBadRequest(const google::rpc::Status& details,
                      google::rpc::BadRequest* bad_request) {
  for (const auto& any : details.details()) {
    if (any.Is<google::rpc::BadRequest>()) return any.UnpackTo(bad_request);
  }
  return false;
}

TEST(ToGrpcStatusTest, OkIsOk) {
  grpc::Status status = ToGrpcStatus(absl::OkStatus());
  EXPECT_TRUE(status.ok());
  EXPECT_EQ(status.error_code(), grpc::StatusCode::OK);
  EXPECT_TRUE(status.error_details().empty());
}

struct CodeCase {
  absl::StatusCode absl_code;
  grpc::StatusCode grpc_code;
};

void PrintTo(const CodeCase& c, std::ostream* os) {
  *os << absl::StatusCodeToString(c.absl_code);
}

class CodeTest : public ::testing::TestWithParam<CodeCase> {};

TEST_P(CodeTest, KeepsCodeMessageAndErrorInfo) {
  const CodeCase& c = GetParam();
  absl::Status in =
      ApiError(c.absl_code, "SOME_REASON", "what happened", {{"k", "v"}});
  grpc::Status out = ToGrpcStatus(in);
  EXPECT_EQ(out.error_code(), c.grpc_code);
  EXPECT_EQ(out.error_message(), "what happened");
  google::rpc::Status details = Details(out);
  EXPECT_EQ(details.code(), static_cast<int>(c.grpc_code));
  EXPECT_EQ(details.message(), "what happened");
  google::rpc::ErrorInfo info;
  ASSERT_TRUE(UnpackErrorInfo(details, &info));
  EXPECT_EQ(info.reason(), "SOME_REASON");
  EXPECT_EQ(info.domain(), "users.v1");
  EXPECT_EQ(info.metadata().at("k"), "v");
}

INSTANTIATE_TEST_SUITE_P(
    Table, CodeTest,
    ::testing::Values(
        CodeCase{absl::StatusCode::kCancelled, grpc::StatusCode::CANCELLED},
        CodeCase{absl::StatusCode::kInvalidArgument,
                 grpc::StatusCode::INVALID_ARGUMENT},
        CodeCase{absl::StatusCode::kDeadlineExceeded,
                 grpc::StatusCode::DEADLINE_EXCEEDED},
        CodeCase{absl::StatusCode::kNotFound, grpc::StatusCode::NOT_FOUND},
        CodeCase{absl::StatusCode::kAlreadyExists,
                 grpc::StatusCode::ALREADY_EXISTS},
        CodeCase{absl::StatusCode::kPermissionDenied,
                 grpc::StatusCode::PERMISSION_DENIED},
        CodeCase{absl::StatusCode::kResourceExhausted,
                 grpc::StatusCode::RESOURCE_EXHAUSTED},
        CodeCase{absl::StatusCode::kFailedPrecondition,
                 grpc::StatusCode::FAILED_PRECONDITION},
        CodeCase{absl::StatusCode::kAborted, grpc::StatusCode::ABORTED},
        CodeCase{absl::StatusCode::kOutOfRange, grpc::StatusCode::OUT_OF_RANGE},
        CodeCase{absl::StatusCode::kUnimplemented,
                 grpc::StatusCode::UNIMPLEMENTED},
        CodeCase{absl::StatusCode::kUnavailable, grpc::StatusCode::UNAVAILABLE},
        CodeCase{absl::StatusCode::kUnauthenticated,
                 grpc::StatusCode::UNAUTHENTICATED}),
    [](const auto& info) {
      return absl::StatusCodeToString(info.param.absl_code);
    });

TEST(ToGrpcStatusTest, FieldViolationsCarryBadRequest) {
  FieldViolations violations;
  violations.Add("user.username", "TOO_SHORT",
                 "length 2 is less than the minimum 3");
  violations.Add("user.settings.language", "INVALID_FORMAT",
                 "is not a language tag");
  grpc::Status out = ToGrpcStatus(violations.ToStatus());
  EXPECT_EQ(out.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  google::rpc::Status details = Details(out);
  EXPECT_EQ(details.code(),
            static_cast<int>(grpc::StatusCode::INVALID_ARGUMENT));
  google::rpc::ErrorInfo info;
  ASSERT_TRUE(UnpackErrorInfo(details, &info));
  EXPECT_EQ(info.reason(), "INVALID_FIELD");
  EXPECT_EQ(info.domain(), "users.v1");
  EXPECT_EQ(info.metadata().at("user.username"), "TOO_SHORT");
  EXPECT_EQ(info.metadata().at("user.settings.language"), "INVALID_FORMAT");
  google::rpc::BadRequest bad_request;
  ASSERT_TRUE(UnpackBadRequest(details, &bad_request));
  ASSERT_EQ(bad_request.field_violations_size(), 2);
  EXPECT_EQ(bad_request.field_violations(0).field(), "user.username");
  EXPECT_EQ(bad_request.field_violations(0).description(),
            "length 2 is less than the minimum 3");
  EXPECT_EQ(bad_request.field_violations(1).field(), "user.settings.language");
}

TEST(ToGrpcStatusTest, AlreadyExistsCarriesBadRequest) {
  grpc::Status out =
      ToGrpcStatus(FieldError(absl::StatusCode::kAlreadyExists, "EMAIL_TAKEN",
                              "user.email", "TAKEN", "the email is taken"));
  EXPECT_EQ(out.error_code(), grpc::StatusCode::ALREADY_EXISTS);
  google::rpc::Status details = Details(out);
  google::rpc::ErrorInfo info;
  ASSERT_TRUE(UnpackErrorInfo(details, &info));
  EXPECT_EQ(info.reason(), "EMAIL_TAKEN");
  EXPECT_EQ(info.metadata().at("user.email"), "TAKEN");
  google::rpc::BadRequest bad_request;
  ASSERT_TRUE(UnpackBadRequest(details, &bad_request));
  ASSERT_EQ(bad_request.field_violations_size(), 1);
  EXPECT_EQ(bad_request.field_violations(0).field(), "user.email");
}

TEST(ToGrpcStatusTest, InternalLosesItsMessageAndReason) {
  for (absl::StatusCode code :
       {absl::StatusCode::kInternal, absl::StatusCode::kUnknown,
        absl::StatusCode::kDataLoss}) {
    absl::Status in = ApiError(
        code, "SECRET_REASON",
        "ERROR: relation \"users\" violates constraint; password=hunter2",
        {{"sql", "SELECT 1"}});
    grpc::Status out = ToGrpcStatus(in);
    EXPECT_EQ(out.error_code(), grpc::StatusCode::INTERNAL);
    EXPECT_EQ(out.error_message(), "internal error");
    EXPECT_EQ(out.error_details().find("hunter2"), std::string::npos);
    EXPECT_EQ(out.error_details().find("SECRET_REASON"), std::string::npos);
    EXPECT_EQ(out.error_details().find("SELECT"), std::string::npos);
    google::rpc::Status details = Details(out);
    EXPECT_EQ(details.code(), static_cast<int>(grpc::StatusCode::INTERNAL));
    EXPECT_EQ(details.message(), "internal error");
    google::rpc::ErrorInfo info;
    ASSERT_TRUE(UnpackErrorInfo(details, &info));
    EXPECT_EQ(info.reason(), "INTERNAL");
    EXPECT_EQ(info.domain(), "users.v1");
    EXPECT_TRUE(info.metadata().empty());
  }
}

TEST(ToGrpcStatusTest, InternalWithoutErrorInfoGetsOne) {
  grpc::Status out = ToGrpcStatus(absl::InternalError("pqxx: broken pipe"));
  EXPECT_EQ(out.error_code(), grpc::StatusCode::INTERNAL);
  EXPECT_EQ(out.error_message(), "internal error");
  google::rpc::ErrorInfo info;
  ASSERT_TRUE(UnpackErrorInfo(Details(out), &info));
  EXPECT_EQ(info.reason(), "INTERNAL");
}

TEST(ToGrpcStatusTest, InternalDropsBadRequest) {
  absl::Status in = absl::InternalError("boom");
  google::rpc::BadRequest bad_request;
  bad_request.add_field_violations()->set_field("user.secret");
  in.SetPayload(kBadRequestTypeUrl,
                absl::Cord(bad_request.SerializeAsString()));
  google::rpc::Status details = Details(ToGrpcStatus(in));
  google::rpc::BadRequest out;
  EXPECT_FALSE(UnpackBadRequest(details, &out));
}

TEST(ToGrpcStatusTest, PlainStatusKeepsCodeAndMessage) {
  grpc::Status out = ToGrpcStatus(absl::NotFoundError("no such user"));
  EXPECT_EQ(out.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(out.error_message(), "no such user");
  google::rpc::Status details = Details(out);
  EXPECT_EQ(details.code(), static_cast<int>(grpc::StatusCode::NOT_FOUND));
  EXPECT_EQ(details.message(), "no such user");
}

}  // namespace
}  // namespace users
