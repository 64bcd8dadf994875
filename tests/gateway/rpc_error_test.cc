#include "gateway/rpc_error.h"

#include "google/rpc/status.pb.h"
#include "gtest/gtest.h"

namespace users::gateway {
namespace {

TEST(RpcErrorTest, DecodesErrorInfoAndBadRequest) {
  grpc::Status status = MakeRpcStatus(
      grpc::StatusCode::INVALID_ARGUMENT, "invalid user", "INVALID_FIELD",
      {{"user.username", "length 2 is less than the minimum 3", "TOO_SHORT"},
       {"user.settings.script_types", "duplicate item", "DUPLICATE_ITEM"},
       {"update_mask", "unknown path \"x\"", "UNKNOWN_FIELD"}});
  RpcError error = RpcError::FromStatus(status);
  EXPECT_EQ(error.code, grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(error.message, "invalid user");
  EXPECT_EQ(error.reason, "INVALID_FIELD");
  ASSERT_EQ(error.violations.size(), 3u);
  EXPECT_EQ(error.violations[0].field, "username");
  EXPECT_EQ(error.violations[0].description,
            "length 2 is less than the minimum 3");
  EXPECT_EQ(error.violations[0].reason, "TOO_SHORT");
  EXPECT_EQ(error.violations[1].field, "settings.script_types");
  EXPECT_EQ(error.violations[1].reason, "DUPLICATE_ITEM");
  EXPECT_EQ(error.violations[2].field, "update_mask");
  ASSERT_NE(error.Violation("username"), nullptr);
  EXPECT_EQ(error.Violation("email"), nullptr);
  EXPECT_FALSE(error.IsInternal());
}

TEST(RpcErrorTest, MissingOrBrokenDetailsLeaveFieldsEmpty) {
  RpcError plain = RpcError::FromStatus(
      grpc::Status(grpc::StatusCode::INTERNAL, "pq: relation missing"));
  EXPECT_EQ(plain.code, grpc::StatusCode::INTERNAL);
  EXPECT_TRUE(plain.reason.empty());
  EXPECT_TRUE(plain.violations.empty());
  EXPECT_TRUE(plain.IsInternal());

  RpcError broken = RpcError::FromStatus(
      grpc::Status(grpc::StatusCode::NOT_FOUND, "x", "\xff\xff\xff"));
  EXPECT_EQ(broken.code, grpc::StatusCode::NOT_FOUND);
  EXPECT_TRUE(broken.reason.empty());
}

TEST(RpcErrorTest, KeepsErrorInfoMetadata) {
  RpcError error = RpcError::FromStatus(MakeRpcStatus(
      grpc::StatusCode::INVALID_ARGUMENT, "rejected", "WEBHOOK_REJECTED", {},
      {{"message", "Username not allowed"}}));
  EXPECT_EQ(error.reason, "WEBHOOK_REJECTED");
  EXPECT_EQ(error.metadata["message"], "Username not allowed");
}

TEST(RpcErrorTest, RenameFieldReplacesWholePrefixesOnly) {
  const std::vector<std::pair<std::string_view, std::string_view>> renames = {
      {"settings.script_types", "settings.script_type"},
      {"given_name", "first_name"}};
  EXPECT_EQ(RenameField("settings.script_types", renames),
            "settings.script_type");
  EXPECT_EQ(RenameField("settings.script_types[1]", renames),
            "settings.script_type[1]");
  EXPECT_EQ(RenameField("given_name", renames), "first_name");
  EXPECT_EQ(RenameField("given_names", renames), "given_names");
  EXPECT_EQ(RenameField("email", renames), "email");
}

}  // namespace
}  // namespace users::gateway
