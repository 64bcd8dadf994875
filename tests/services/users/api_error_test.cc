#include "services/users/api_error.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/services/status_checks.h"

namespace users {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::Pair;

TEST(ApiErrorTest, CarriesCodeMessageAndErrorInfo) {
  absl::Status status =
      ApiError(absl::StatusCode::kPermissionDenied, "SCOPE_MISSING",
               "the credentials lack the write scope", {{"scope", "write"}});
  EXPECT_EQ(status.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(status.message(), "the credentials lack the write scope");
  google::rpc::ErrorInfo info;
  ASSERT_TRUE(GetErrorInfo(status, &info));
  EXPECT_EQ(info.reason(), "SCOPE_MISSING");
  EXPECT_EQ(info.domain(), "users.v1");
  EXPECT_THAT(test::Metadata(status), ElementsAre(Pair("scope", "write")));
  google::rpc::BadRequest bad_request;
  EXPECT_FALSE(GetBadRequest(status, &bad_request));
}

TEST(ApiErrorTest, PlainStatusesHaveNoDetails) {
  absl::Status status = absl::NotFoundError("gone");
  google::rpc::ErrorInfo info;
  google::rpc::BadRequest bad_request;
  EXPECT_FALSE(GetErrorInfo(status, &info));
  EXPECT_FALSE(GetBadRequest(status, &bad_request));
  EXPECT_FALSE(GetErrorInfo(absl::OkStatus(), &info));
}

TEST(FieldViolationsTest, EmptyIsOk) {
  FieldViolations violations;
  EXPECT_TRUE(violations.empty());
  EXPECT_TRUE(violations.ToStatus().ok());
}

TEST(FieldViolationsTest, ListsEachViolationWithItsReason) {
  FieldViolations violations;
  violations.Add("user.username", "TOO_SHORT",
                 "length 2 is less than the minimum 3");
  violations.Add("user.email", "INVALID_FORMAT",
                 "is not a valid email address");
  EXPECT_FALSE(violations.empty());
  absl::Status status = violations.ToStatus();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message(),
            "invalid user.username: length 2 is less than the minimum 3 "
            "(and 1 more)");
  EXPECT_EQ(test::Reason(status), "INVALID_FIELD");
  EXPECT_EQ(test::Domain(status), "users.v1");
  EXPECT_THAT(test::Metadata(status),
              ElementsAre(Pair("user.email", "INVALID_FORMAT"),
                          Pair("user.username", "TOO_SHORT")));
  google::rpc::BadRequest bad_request;
  ASSERT_TRUE(GetBadRequest(status, &bad_request));
  ASSERT_EQ(bad_request.field_violations_size(), 2);
  EXPECT_EQ(bad_request.field_violations(0).field(), "user.username");
  EXPECT_EQ(bad_request.field_violations(0).description(),
            "length 2 is less than the minimum 3");
  EXPECT_EQ(bad_request.field_violations(1).field(), "user.email");
  EXPECT_EQ(bad_request.field_violations(1).description(),
            "is not a valid email address");
}

TEST(FieldViolationsTest, OneViolationHasNoCount) {
  FieldViolations violations;
  violations.Add("update_mask", "UNKNOWN_FIELD", "\"x\" is not a field");
  EXPECT_EQ(violations.ToStatus().message(),
            "invalid update_mask: \"x\" is not a field");
}

TEST(FieldErrorTest, NamesTheFieldUnderAnotherCode) {
  absl::Status status =
      FieldError(absl::StatusCode::kAlreadyExists, "USERNAME_TAKEN",
                 "user.username", "TAKEN", "the username is taken");
  EXPECT_EQ(status.code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(status.message(), "the username is taken");
  EXPECT_EQ(test::Reason(status), "USERNAME_TAKEN");
  EXPECT_EQ(test::Domain(status), "users.v1");
  EXPECT_THAT(test::Metadata(status),
              ElementsAre(Pair("user.username", "TAKEN")));
  EXPECT_THAT(test::ViolatedFields(status), ElementsAre("user.username"));
  EXPECT_EQ(test::ViolationDescription(status, "user.username"),
            "the username is taken");
}

TEST(ApiErrorTest, MetadataDefaultsToEmpty) {
  absl::Status status = ApiError(absl::StatusCode::kUnavailable,
                                 "DATABASE_UNAVAILABLE", "try again");
  EXPECT_EQ(test::Reason(status), "DATABASE_UNAVAILABLE");
  EXPECT_THAT(test::Metadata(status), IsEmpty());
}

}  // namespace
}  // namespace users
