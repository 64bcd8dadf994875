// SuspendUser and UnsuspendUser through a real server: who may call them,
// what they validate, and what a suspension does to logins, sessions and keys.

#include "google/protobuf/util/time_util.h"
#include "tests/grpc/userd_fixture.h"

namespace users {
namespace test {
namespace {

using google::protobuf::util::TimeUtil;

// A user and a session token of it.
struct LoggedIn {
  v1::User user;
  std::string token;
};

class SuspensionTest : public UserdFixture {
 protected:
  static grpc::Status Suspend(
      const std::string& token, const std::string& name,
      const std::string& reason, v1::User* out,
      const google::protobuf::Timestamp* expire = nullptr) {
    v1::SuspendUserRequest request;
    request.set_name(name);
    request.set_reason(reason);
    if (expire != nullptr) *request.mutable_expire_time() = *expire;
    grpc::ClientContext context;
    Authorize(context, token);
    return Users()->SuspendUser(&context, request, out);
  }

  static void MustSuspend(const std::string& name,
                          const std::string& reason = "abuse") {
    v1::User out;
    grpc::Status status = Suspend(kAdminToken, name, reason, &out);
    ASSERT_TRUE(status.ok()) << status.error_message();
  }

  static grpc::Status Unsuspend(const std::string& token,
                                const std::string& name, v1::User* out) {
    v1::UnsuspendUserRequest request;
    request.set_name(name);
    grpc::ClientContext context;
    Authorize(context, token);
    return Users()->UnsuspendUser(&context, request, out);
  }

  static CallError LoginError(const std::string& login,
                              const std::string& password) {
    v1::CreateSessionRequest request;
    request.set_parent("projects/default");
    request.set_login(login);
    request.set_password(password);
    v1::Session session;
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() +
                         std::chrono::seconds(30));
    return ParseError(Sessions()->CreateSession(&context, request, &session));
  }

  // A new user of project default, logged in; an admin with `admin`.
  static LoggedIn NewLoggedIn(const std::string& username, bool admin) {
    LoggedIn result;
    result.user = CreateUser(username);
    if (admin) {
      v1::User change;
      change.set_name(result.user.name());
      change.set_role(v1::User::ROLE_ADMIN);
      v1::User out;
      EXPECT_TRUE(Update(kAdminToken, change, {"role"}, &out).ok());
    }
    result.token = Login(username);
    EXPECT_FALSE(result.token.empty());
    return result;
  }

  static std::string UserId(const v1::User& user) {
    return user.name().substr(user.name().rfind('/') + 1);
  }

  static CallError GetError(const std::string& token, const std::string& name) {
    v1::User out;
    return ParseError(Get(token, name, &out));
  }
};

TEST_F(SuspensionTest, AnAdminSuspendsAndUnsuspendsWithAuditRows) {
  v1::User user = CreateUser("susp_target");
  LoggedIn admin = NewLoggedIn("susp_admin", true);
  v1::User suspended;
  grpc::Status status = Suspend(admin.token, user.name(), "spam", &suspended);
  ASSERT_TRUE(status.ok()) << status.error_message();
  ASSERT_EQ(suspended.suspensions_size(), 1);
  EXPECT_EQ(suspended.suspensions(0).reason(), "spam");
  EXPECT_TRUE(suspended.suspensions(0).has_create_time());
  EXPECT_FALSE(suspended.suspensions(0).has_expire_time());
  EXPECT_NE(suspended.etag(), user.etag());
  EXPECT_EQ(MustGet(user.name()).suspensions_size(), 1);

  v1::User unsuspended;
  status = Unsuspend(kAdminToken, user.name(), &unsuspended);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(unsuspended.suspensions_size(), 0);
  EXPECT_EQ(MustGet(user.name()).suspensions_size(), 0);

  pqxx::result events = TestDatabase::Get().Query(
      "SELECT action, actor FROM user_events WHERE user_id = " + UserId(user) +
      " AND action IN ('suspend', 'unsuspend') ORDER BY id");
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0][0].as<std::string>(), "suspend");
  EXPECT_EQ(events[0][1].as<std::string>(), "users/" + UserId(admin.user));
  EXPECT_EQ(events[1][0].as<std::string>(), "unsuspend");
  EXPECT_EQ(events[1][1].as<std::string>().rfind("apiKeys/", 0), 0u);
}

TEST_F(SuspensionTest, ATimedSuspensionComesBackWithItsEnd) {
  v1::User user = CreateUser("susp_timed");
  google::protobuf::Timestamp end = TimeUtil::GetCurrentTime();
  end.set_seconds(end.seconds() + 3600);
  end.set_nanos(0);
  v1::User suspended;
  ASSERT_TRUE(
      Suspend(kAdminToken, user.name(), "cool down", &suspended, &end).ok());
  ASSERT_EQ(suspended.suspensions_size(), 1);
  EXPECT_EQ(suspended.suspensions(0).expire_time().seconds(), end.seconds());
  EXPECT_EQ(LoginError("susp_timed", "correct horse").reason, "USER_SUSPENDED");
}

TEST_F(SuspensionTest, OnlyAdminsOfTheProjectMaySuspendBeforeExistence) {
  v1::User user = CreateUser("susp_victim");
  LoggedIn plain = NewLoggedIn("susp_plain", false);
  std::string read_admin = CreateKey({"admin", "read"});
  v1::CreateProjectRequest project;
  project.set_project_id("susp-other");
  v1::Project created;
  grpc::ClientContext project_context;
  Authorize(project_context, kAdminToken);
  ASSERT_TRUE(
      Projects()->CreateProject(&project_context, project, &created).ok());
  std::string other_admin = CreateKey({"admin", "write"}, "", "susp-other");

  struct Case {
    std::string token;
    std::string name;
    std::string reason;
  };
  const std::string missing = "projects/default/users/987654321";
  for (const Case& c : {
           Case{plain.token, user.name(), "SCOPE_MISSING"},
           Case{plain.token, plain.user.name(), "SCOPE_MISSING"},
           Case{plain.token, missing, "SCOPE_MISSING"},
           Case{read_admin, user.name(), "SCOPE_MISSING"},
           Case{other_admin, user.name(), "OTHER_PROJECT"},
       }) {
    v1::User out;
    CallError error = ParseError(Suspend(c.token, c.name, "x", &out));
    EXPECT_EQ(error.code, grpc::StatusCode::PERMISSION_DENIED) << c.name;
    EXPECT_EQ(error.reason, c.reason) << c.name;
    error = ParseError(Unsuspend(c.token, c.name, &out));
    EXPECT_EQ(error.code, grpc::StatusCode::PERMISSION_DENIED) << c.name;
    EXPECT_EQ(error.reason, c.reason) << c.name;
  }
  EXPECT_EQ(MustGet(user.name()).suspensions_size(), 0);
  EXPECT_FALSE(Login("susp_victim").empty());

  v1::User out;
  EXPECT_EQ(ParseError(Suspend(kAdminToken, missing, "x", &out)).reason,
            "USER_NOT_FOUND");
  EXPECT_EQ(ParseError(Unsuspend(kAdminToken, missing, &out)).reason,
            "USER_NOT_FOUND");
}

TEST_F(SuspensionTest, ReasonAndEndAreValidated) {
  v1::User user = CreateUser("susp_checked");
  google::protobuf::Timestamp past = TimeUtil::GetCurrentTime();
  past.set_seconds(past.seconds() - 1);
  google::protobuf::Timestamp invalid;
  invalid.set_seconds(1);
  invalid.set_nanos(-5);
  struct Case {
    std::string reason;
    const google::protobuf::Timestamp* expire;
    std::string field;
    std::string field_reason;
  };
  for (const Case& c : {
           Case{"", nullptr, "reason", "REQUIRED"},
           Case{std::string(501, 'x'), nullptr, "reason", "TOO_LONG"},
           Case{"line\nbreak", nullptr, "reason", "INVALID_CHARACTERS"},
           Case{"ok", &past, "expire_time", "OUT_OF_RANGE"},
           Case{"ok", &invalid, "expire_time", "INVALID_FORMAT"},
       }) {
    v1::User out;
    CallError error =
        ParseError(Suspend(kAdminToken, user.name(), c.reason, &out, c.expire));
    EXPECT_EQ(error.code, grpc::StatusCode::INVALID_ARGUMENT) << c.field;
    EXPECT_EQ(error.fields, std::vector<std::string>{c.field}) << c.reason;
    EXPECT_EQ(error.metadata[c.field], c.field_reason) << c.reason;
  }
  // 500 code points, not bytes.
  std::string longest;
  for (int i = 0; i < 500; ++i) longest += "\xc3\xa9";
  v1::User out;
  ASSERT_TRUE(Suspend(kAdminToken, user.name(), longest, &out).ok());
  EXPECT_EQ(out.suspensions(0).reason(), longest);
}

TEST_F(SuspensionTest, SuspendingEndsTheSessionsAndBlocksOnlyTheRightPassword) {
  LoggedIn user = NewLoggedIn("susp_sessions", false);
  std::string second = Login("susp_sessions");
  ASSERT_TRUE(GetError(user.token, user.user.name()).reason.empty());
  MustSuspend(user.user.name());

  for (const std::string& token : {user.token, second}) {
    CallError error = GetError(token, user.user.name());
    EXPECT_EQ(error.code, grpc::StatusCode::UNAUTHENTICATED);
    EXPECT_EQ(error.reason, "TOKEN_INVALID");
  }
  CallError right = LoginError("susp_sessions", "correct horse");
  EXPECT_EQ(right.code, grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(right.reason, "USER_SUSPENDED");
  CallError by_email = LoginError("SUSP_SESSIONS@example.com", "correct horse");
  EXPECT_EQ(by_email.reason, "USER_SUSPENDED");
  CallError wrong = LoginError("susp_sessions", "wrong horse");
  EXPECT_EQ(wrong.code, grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(wrong.reason, "BAD_CREDENTIALS");
  EXPECT_EQ(TestDatabase::Get()
                .Query("SELECT count(*) FROM sessions WHERE user_id = " +
                       UserId(user.user))[0][0]
                .as<int64_t>(),
            0);
}

TEST_F(SuspensionTest, UnsuspendingRestoresTheLogin) {
  v1::User user = CreateUser("susp_restored");
  MustSuspend(user.name(), "first");
  MustSuspend(user.name(), "second");
  EXPECT_EQ(MustGet(user.name()).suspensions_size(), 2);
  ASSERT_TRUE(Login("susp_restored").empty());
  v1::User out;
  ASSERT_TRUE(Unsuspend(kAdminToken, user.name(), &out).ok());
  EXPECT_EQ(out.suspensions_size(), 0);
  std::string token = Login("susp_restored");
  ASSERT_FALSE(token.empty());
  EXPECT_TRUE(GetError(token, user.name()).reason.empty());
  // Unsuspending a user without a suspension in force changes nothing.
  v1::User again;
  ASSERT_TRUE(Unsuspend(kAdminToken, user.name(), &again).ok());
  EXPECT_EQ(again.suspensions_size(), 0);
  EXPECT_EQ(again.etag(), out.etag());
  EXPECT_TRUE(GetError(token, user.name()).reason.empty());
}

TEST_F(SuspensionTest, AnExpiredSuspensionNoLongerBlocks) {
  v1::User user = CreateUser("susp_expired");
  std::string key = CreateKey({"read"}, user.name());
  MustSuspend(user.name());
  ASSERT_EQ(LoginError("susp_expired", "correct horse").reason,
            "USER_SUSPENDED");
  TestDatabase::Get().Query(
      "UPDATE users SET suspensions = jsonb_set(suspensions, "
      "'{0,expire_time}', to_jsonb(now() - interval '1 second')) "
      "WHERE id = " +
      UserId(user));
  EXPECT_FALSE(Login("susp_expired").empty());
  EXPECT_TRUE(GetError(key, user.name()).reason.empty());
  EXPECT_EQ(MustGet(user.name()).suspensions_size(), 0);
}

TEST_F(SuspensionTest, TheUsersKeysAreRefusedWhileSuspended) {
  v1::User user = CreateUser("susp_keyed");
  v1::User bystander = CreateUser("susp_bystander");
  std::string key = CreateKey({"read", "write"}, user.name());
  std::string other_key = CreateKey({"read"}, bystander.name());
  ASSERT_TRUE(GetError(key, user.name()).reason.empty());
  MustSuspend(user.name());

  CallError error = GetError(key, user.name());
  EXPECT_EQ(error.code, grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(error.reason, "USER_SUSPENDED");
  v1::User change;
  change.set_name(user.name());
  change.set_bio("still here");
  v1::User out;
  EXPECT_EQ(ParseError(Update(key, change, {"bio"}, &out)).reason,
            "USER_SUSPENDED");
  EXPECT_TRUE(MustGet(user.name()).bio().empty());
  // Other users' keys and unbound keys are unaffected.
  EXPECT_TRUE(GetError(other_key, bystander.name()).reason.empty());
  EXPECT_TRUE(GetError(kAdminToken, user.name()).reason.empty());

  ASSERT_TRUE(Unsuspend(kAdminToken, user.name(), &out).ok());
  EXPECT_TRUE(GetError(key, user.name()).reason.empty());
}

}  // namespace
}  // namespace test
}  // namespace users
