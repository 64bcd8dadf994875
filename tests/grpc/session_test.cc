// Logins, logouts and session rotation through a real server.

#include "tests/grpc/userd_fixture.h"

namespace users {
namespace test {
namespace {

class SessionTest : public UserdFixture {};

TEST_F(SessionTest, LoginByUsernameOrEmailInAnyCase) {
  CreateUser("Login_Case");
  EXPECT_FALSE(Login("login_case").empty());
  EXPECT_FALSE(Login("LOGIN_CASE@EXAMPLE.COM").empty());
}

TEST_F(SessionTest, WrongPasswordAndUnknownLoginFailAlike) {
  CreateUser("login_wrong");
  for (auto [login, password] : {std::pair{"login_wrong", "wrong password"},
                                 std::pair{"nobody_here", "correct horse"}}) {
    v1::CreateSessionRequest request;
    request.set_parent("projects/default");
    request.set_login(login);
    request.set_password(password);
    v1::Session session;
    grpc::ClientContext context;
    CallError error =
        ParseError(Sessions()->CreateSession(&context, request, &session));
    EXPECT_EQ(error.code, grpc::StatusCode::UNAUTHENTICATED);
    EXPECT_EQ(error.reason, "BAD_CREDENTIALS");
  }
}

TEST_F(SessionTest, TokensAreStoredOnlyAsHashes) {
  CreateUser("hash_only");
  std::string token = Login("hash_only");
  ASSERT_GE(token.size(), 22u);  // >= 128 bits in base64url
  auto rows = TestDatabase::Get().Query(
      "SELECT count(*) FROM sessions WHERE token_hash = "
      "sha256(convert_to('" +
      token + "', 'UTF8'))");
  EXPECT_EQ(rows[0][0].as<int>(), 1);
  auto raw = TestDatabase::Get().Query(
      "SELECT count(*) FROM sessions WHERE encode(token_hash, 'escape') LIKE "
      "'%" +
      token + "%'");
  EXPECT_EQ(raw[0][0].as<int>(), 0);
}

TEST_F(SessionTest, EmailChangeRotatesTheCallingSession) {
  v1::User user = CreateUser("rotate_email");
  std::string old_token = Login("rotate_email");
  std::string other_token = Login("rotate_email");
  v1::User change;
  change.set_name("projects/-/users/me");
  change.set_email("rotated@example.com");
  v1::User out;
  grpc::ClientContext context;
  ASSERT_TRUE(Update(old_token, change, {}, &out, &context).ok());
  auto metadata = context.GetServerInitialMetadata();
  auto it = metadata.find("x-session-token");
  ASSERT_NE(it, metadata.end());
  std::string new_token(it->second.data(), it->second.size());
  EXPECT_NE(new_token, old_token);
  EXPECT_NE(metadata.find("x-session-expire-time"), metadata.end());

  v1::User read;
  EXPECT_EQ(Get(old_token, user.name(), &read).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_TRUE(Get(new_token, user.name(), &read).ok());
  // An email change leaves the user's other sessions alone.
  EXPECT_TRUE(Get(other_token, user.name(), &read).ok());
}

TEST_F(SessionTest, PasswordChangeEndsEveryOtherSession) {
  v1::User user = CreateUser("rotate_password");
  std::string caller = Login("rotate_password");
  std::string other = Login("rotate_password");
  v1::User change;
  change.set_name("projects/-/users/me");
  change.set_password("another good password");
  v1::User out;
  grpc::ClientContext context;
  ASSERT_TRUE(Update(caller, change, {}, &out, &context).ok());
  auto metadata = context.GetServerInitialMetadata();
  auto it = metadata.find("x-session-token");
  ASSERT_NE(it, metadata.end());
  std::string fresh(it->second.data(), it->second.size());

  v1::User read;
  EXPECT_EQ(Get(caller, user.name(), &read).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(Get(other, user.name(), &read).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_TRUE(Get(fresh, user.name(), &read).ok());
  EXPECT_TRUE(Login("rotate_password", "correct horse").empty());
  EXPECT_FALSE(Login("rotate_password", "another good password").empty());
}

TEST_F(SessionTest, LogoutEndsTheSession) {
  v1::User user = CreateUser("logout_user");
  std::string token = Login("logout_user");
  grpc::ClientContext context;
  Authorize(context, token);
  google::protobuf::Empty empty;
  ASSERT_TRUE(Sessions()
                  ->DeleteSession(&context, v1::DeleteSessionRequest(), &empty)
                  .ok());
  v1::User read;
  EXPECT_EQ(Get(token, user.name(), &read).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
}

TEST_F(SessionTest, ShortPasswordIsRefusedAndNotTruncated) {
  v1::User user = CreateUser("policy_user");
  std::string token = Login("policy_user");
  v1::User change;
  change.set_name(user.name());
  change.set_password("short");
  v1::User out;
  CallError error = ParseError(Update(token, change, {}, &out));
  EXPECT_EQ(error.code, grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(error.metadata["user.password"], "TOO_SHORT");
  change.set_password(std::string(129, 'x'));
  error = ParseError(Update(token, change, {}, &out));
  EXPECT_EQ(error.metadata["user.password"], "TOO_LONG");
  // A failed change ends no session.
  v1::User read;
  EXPECT_TRUE(Get(token, user.name(), &read).ok());
}

}  // namespace
}  // namespace test
}  // namespace users
