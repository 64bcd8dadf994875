// request_id (AIP-155) through a real server over a real database: a retry
// gets the first call's answer and writes nothing again; the same request_id
// for another request is REQUEST_ID_REUSED; a retry presenting the session
// token its first attempt rotated away still gets a working session.

#include <thread>

#include "tests/grpc/userd_fixture.h"

namespace users {
namespace test {
namespace {

class IdempotencyTest : public UserdFixture {
 protected:
  static grpc::Status UpdateWithId(const std::string& token,
                                   const v1::User& user,
                                   const std::string& request_id, v1::User* out,
                                   grpc::ClientContext* context = nullptr) {
    v1::UpdateUserRequest request;
    *request.mutable_user() = user;
    request.set_request_id(request_id);
    grpc::ClientContext local;
    grpc::ClientContext& ctx = context != nullptr ? *context : local;
    Authorize(ctx, token);
    return Users()->UpdateUser(&ctx, request, out);
  }

  static grpc::Status DeleteWithId(const std::string& token,
                                   const std::string& name,
                                   const std::string& request_id) {
    v1::DeleteUserRequest request;
    request.set_name(name);
    request.set_request_id(request_id);
    google::protobuf::Empty out;
    grpc::ClientContext context;
    Authorize(context, token);
    return Users()->DeleteUser(&context, request, &out);
  }

  static std::string SessionToken(const grpc::ClientContext& context) {
    auto metadata = context.GetServerInitialMetadata();
    auto it = metadata.find("x-session-token");
    if (it == metadata.end()) return "";
    return std::string(it->second.data(), it->second.size());
  }

  static int Count(const std::string& sql) {
    return TestDatabase::Get().Query(sql)[0][0].as<int>();
  }

  static std::string UserId(const v1::User& user) {
    return user.name().substr(user.name().rfind('/') + 1);
  }

  static int UpdateEvents(const v1::User& user) {
    return Count(
        "SELECT count(*) FROM user_events WHERE action = 'update' "
        "AND user_id = " +
        UserId(user));
  }
};

TEST_F(IdempotencyTest, RetryGetsTheFirstAnswerAndWritesOnce) {
  v1::User user = CreateUser("idem_retry");
  v1::User change;
  change.set_name(user.name());
  change.set_display_name("First");
  v1::User first;
  ASSERT_TRUE(UpdateWithId(kAdminToken, change, "req-1", &first).ok());
  v1::User second;
  ASSERT_TRUE(UpdateWithId(kAdminToken, change, "req-1", &second).ok());
  EXPECT_EQ(second.SerializeAsString(), first.SerializeAsString());
  EXPECT_EQ(MustGet(user.name()).etag(), first.etag());
  EXPECT_EQ(UpdateEvents(user), 1);

  // Another request_id is another write.
  v1::User third;
  ASSERT_TRUE(UpdateWithId(kAdminToken, change, "req-2", &third).ok());
  EXPECT_NE(third.etag(), first.etag());
  EXPECT_EQ(UpdateEvents(user), 2);
}

TEST_F(IdempotencyTest, ARetryIsAnsweredEvenWhenTheWriteWouldNowFail) {
  v1::User user = CreateUser("idem_etag");
  v1::User change;
  change.set_name(user.name());
  change.set_etag(user.etag());
  change.set_bio("once");
  v1::User first;
  ASSERT_TRUE(UpdateWithId(kAdminToken, change, "etag-req", &first).ok());
  // The etag is stale now; the retry is still the first call's answer.
  v1::User again;
  ASSERT_TRUE(UpdateWithId(kAdminToken, change, "etag-req", &again).ok());
  EXPECT_EQ(again.etag(), first.etag());
}

TEST_F(IdempotencyTest, TheSameRequestIdForAnotherRequestIsRefused) {
  v1::User user = CreateUser("idem_reused");
  v1::User change;
  change.set_name(user.name());
  change.set_display_name("One");
  v1::User out;
  ASSERT_TRUE(UpdateWithId(kAdminToken, change, "reused", &out).ok());
  const std::string etag = MustGet(user.name()).etag();

  change.set_display_name("Two");
  CallError error =
      ParseError(UpdateWithId(kAdminToken, change, "reused", &out));
  EXPECT_EQ(error.code, grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(error.reason, "REQUEST_ID_REUSED");
  // Another method with the same request_id: refused, nothing deleted.
  error = ParseError(DeleteWithId(kAdminToken, user.name(), "reused"));
  EXPECT_EQ(error.reason, "REQUEST_ID_REUSED");
  v1::User read = MustGet(user.name());
  EXPECT_EQ(read.etag(), etag);
  EXPECT_EQ(read.display_name(), "One");
}

TEST_F(IdempotencyTest, RequestIdsAreTheCallersOwn) {
  v1::User user = CreateUser("idem_callers");
  std::string own = Login("idem_callers");
  v1::User change;
  change.set_name(user.name());
  change.set_display_name("By the admin");
  v1::User out;
  ASSERT_TRUE(UpdateWithId(kAdminToken, change, "shared-id", &out).ok());
  // The user's own call with the same request_id is not the admin's call.
  change.set_display_name("By the user");
  ASSERT_TRUE(UpdateWithId(own, change, "shared-id", &out).ok());
  EXPECT_EQ(MustGet(user.name()).display_name(), "By the user");
  EXPECT_EQ(UpdateEvents(user), 2);
}

TEST_F(IdempotencyTest, InvalidRequestIdsAreRefusedBeforeAnyWrite) {
  v1::User user = CreateUser("idem_invalid");
  v1::User change;
  change.set_name(user.name());
  change.set_display_name("Never");
  v1::User out;
  for (const std::string& bad :
       {std::string(256, 'a'), std::string("tab\there"), std::string("\x7f"),
        std::string("caf\xc3\xa9")}) {
    CallError error = ParseError(UpdateWithId(kAdminToken, change, bad, &out));
    EXPECT_EQ(error.code, grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_EQ(error.fields, std::vector<std::string>{"request_id"});
  }
  EXPECT_TRUE(
      UpdateWithId(kAdminToken, change, std::string(255, 'a'), &out).ok());
  EXPECT_EQ(UpdateEvents(user), 1);
}

TEST_F(IdempotencyTest, APasswordChangeRetriedWithTheRotatedTokenGetsASession) {
  v1::User user = CreateUser("idem_rotate");
  std::string original = Login("idem_rotate");
  v1::User change;
  change.set_name("projects/-/users/me");
  change.set_password("a brand new password");
  v1::User first;
  grpc::ClientContext first_context;
  ASSERT_TRUE(
      UpdateWithId(original, change, "pw-change", &first, &first_context).ok());
  const std::string first_token = SessionToken(first_context);
  ASSERT_FALSE(first_token.empty());

  // The answer was lost; the client retries with the token it had.
  v1::User second;
  grpc::ClientContext retry_context;
  grpc::Status retry =
      UpdateWithId(original, change, "pw-change", &second, &retry_context);
  ASSERT_TRUE(retry.ok()) << retry.error_message();
  EXPECT_EQ(second.etag(), first.etag());
  const std::string renewed = SessionToken(retry_context);
  ASSERT_FALSE(renewed.empty());
  EXPECT_NE(renewed, first_token);
  v1::User read;
  EXPECT_TRUE(Get(renewed, user.name(), &read).ok());
  EXPECT_EQ(Get(first_token, user.name(), &read).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(Get(original, user.name(), &read).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(read.etag(), first.etag());  // the password was written once
  EXPECT_EQ(UpdateEvents(user), 1);
  EXPECT_FALSE(Login("idem_rotate", "a brand new password").empty());

  // The rotated-away token with another password, or another request_id,
  // gets nothing.
  change.set_password("yet another password");
  EXPECT_EQ(
      ParseError(UpdateWithId(original, change, "pw-change", &read)).reason,
      "REQUEST_ID_REUSED");
  EXPECT_EQ(UpdateWithId(original, change, "other-id", &read).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(UpdateEvents(user), 1);
  // No token is ever stored in plaintext.
  EXPECT_EQ(Count("SELECT count(*) FROM idempotency_records WHERE "
                  "position(convert_to('" +
                  renewed +
                  "', 'UTF8') IN "
                  "response) > 0"),
            0);
}

TEST_F(IdempotencyTest, AReplayAfterTheSessionEndedHandsOutNone) {
  v1::User user = CreateUser("idem_ended");
  std::string original = Login("idem_ended");
  v1::User change;
  change.set_name("projects/-/users/me");
  change.set_email("idem_ended_new@example.com");
  v1::User first;
  grpc::ClientContext first_context;
  ASSERT_TRUE(
      UpdateWithId(original, change, "email-change", &first, &first_context)
          .ok());
  const std::string handed_out = SessionToken(first_context);
  ASSERT_FALSE(handed_out.empty());
  // The user logs out of the session the change handed out.
  {
    v1::DeleteSessionRequest request;
    google::protobuf::Empty out;
    grpc::ClientContext context;
    Authorize(context, handed_out);
    ASSERT_TRUE(Sessions()->DeleteSession(&context, request, &out).ok());
  }
  v1::User second;
  grpc::ClientContext retry_context;
  ASSERT_TRUE(
      UpdateWithId(original, change, "email-change", &second, &retry_context)
          .ok());
  EXPECT_EQ(second.etag(), first.etag());
  EXPECT_EQ(SessionToken(retry_context), "");
}

TEST_F(IdempotencyTest, CreateDeleteSuspendAndUnsuspendAreIdempotent) {
  v1::CreateUserRequest create;
  create.set_parent("projects/default");
  create.mutable_user()->set_username("idem_created");
  create.mutable_user()->set_email("idem_created@example.com");
  create.mutable_user()->set_password("correct horse");
  create.set_request_id("create-1");
  v1::User created[2];
  for (v1::User& out : created) {
    grpc::ClientContext context;
    Authorize(context, kAdminToken);
    grpc::Status status = Users()->CreateUser(&context, create, &out);
    ASSERT_TRUE(status.ok()) << status.error_message();
  }
  EXPECT_EQ(created[1].name(), created[0].name());
  // The same request_id with another password is another request.
  create.mutable_user()->set_password("another horse");
  {
    v1::User out;
    grpc::ClientContext context;
    Authorize(context, kAdminToken);
    EXPECT_EQ(ParseError(Users()->CreateUser(&context, create, &out)).reason,
              "REQUEST_ID_REUSED");
  }

  v1::SuspendUserRequest suspend;
  suspend.set_name(created[0].name());
  suspend.set_reason("spam");
  suspend.set_request_id("suspend-1");
  v1::User suspended[2];
  for (v1::User& out : suspended) {
    grpc::ClientContext context;
    Authorize(context, kAdminToken);
    ASSERT_TRUE(Users()->SuspendUser(&context, suspend, &out).ok());
  }
  EXPECT_EQ(suspended[1].etag(), suspended[0].etag());
  EXPECT_EQ(MustGet(created[0].name()).suspensions_size(), 1);

  v1::UnsuspendUserRequest unsuspend;
  unsuspend.set_name(created[0].name());
  unsuspend.set_request_id("unsuspend-1");
  v1::User unsuspended[2];
  for (v1::User& out : unsuspended) {
    grpc::ClientContext context;
    Authorize(context, kAdminToken);
    ASSERT_TRUE(Users()->UnsuspendUser(&context, unsuspend, &out).ok());
  }
  EXPECT_EQ(unsuspended[1].etag(), unsuspended[0].etag());

  ASSERT_TRUE(DeleteWithId(kAdminToken, created[0].name(), "delete-1").ok());
  // Deleted already: the retry is still the first call's success.
  EXPECT_TRUE(DeleteWithId(kAdminToken, created[0].name(), "delete-1").ok());
  EXPECT_EQ(
      DeleteWithId(kAdminToken, created[0].name(), "delete-2").error_code(),
      grpc::StatusCode::NOT_FOUND);
}

TEST_F(IdempotencyTest, ALogoutRetriedWithItsEndedTokenSucceeds) {
  CreateUser("idem_logout");
  std::string token = Login("idem_logout");
  v1::DeleteSessionRequest request;
  request.set_request_id("logout-1");
  for (int attempt = 0; attempt < 2; ++attempt) {
    google::protobuf::Empty out;
    grpc::ClientContext context;
    Authorize(context, token);
    grpc::Status status = Sessions()->DeleteSession(&context, request, &out);
    EXPECT_TRUE(status.ok()) << attempt << ": " << status.error_message();
  }
  // Without the request_id the ended token is just an ended token.
  request.clear_request_id();
  google::protobuf::Empty out;
  grpc::ClientContext context;
  Authorize(context, token);
  EXPECT_EQ(Sessions()->DeleteSession(&context, request, &out).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
}

TEST_F(IdempotencyTest, ConcurrentDuplicatesWriteOnce) {
  v1::User user = CreateUser("idem_concurrent");
  v1::User change;
  change.set_name(user.name());
  change.set_display_name("Raced");
  constexpr int kCallers = 8;
  std::vector<v1::User> answers(kCallers);
  std::vector<grpc::Status> statuses(kCallers);
  std::vector<std::thread> callers;
  callers.reserve(kCallers);
  for (int i = 0; i < kCallers; ++i) {
    callers.emplace_back([&, i] {
      statuses[i] = UpdateWithId(kAdminToken, change, "raced", &answers[i]);
    });
  }
  for (std::thread& caller : callers) caller.join();
  for (int i = 0; i < kCallers; ++i) {
    ASSERT_TRUE(statuses[i].ok()) << statuses[i].error_message();
    EXPECT_EQ(answers[i].etag(), answers[0].etag());
  }
  EXPECT_EQ(UpdateEvents(user), 1);
}

TEST_F(IdempotencyTest, ARecordLastsADay) {
  v1::User user = CreateUser("idem_expiry");
  v1::User change;
  change.set_name(user.name());
  change.set_display_name("Old");
  v1::User out;
  ASSERT_TRUE(UpdateWithId(kAdminToken, change, "day-old", &out).ok());
  TestDatabase::Get().Query(
      "UPDATE idempotency_records SET create_time = now() - interval '25 "
      "hours' WHERE request_id = 'day-old'");
  // Past its day the request_id is free again: this is a new write.
  change.set_display_name("New");
  ASSERT_TRUE(UpdateWithId(kAdminToken, change, "day-old", &out).ok());
  EXPECT_EQ(MustGet(user.name()).display_name(), "New");
  EXPECT_EQ(UpdateEvents(user), 2);
}

}  // namespace
}  // namespace test
}  // namespace users
