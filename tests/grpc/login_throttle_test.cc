// Login throttling through a real server: exponential back-off per identifier
// and client address, the hourly limit per identifier, and which address
// counts. The server trusts loopback's x-forwarded-for (the default), so each
// test picks its client address with that metadata.

#include "tests/grpc/userd_fixture.h"

namespace users {
namespace test {
namespace {

struct Attempt {
  CallError error;
  int64_t retry_seconds = -1;  // RetryInfo, when present
  std::string message;
  bool ok() const { return error.code == grpc::StatusCode::OK; }
};

Attempt TryLogin(const std::shared_ptr<grpc::Channel>& channel,
                 const std::string& login, const std::string& password,
                 const std::string& forwarded_for) {
  v1::CreateSessionRequest request;
  request.set_parent("projects/default");
  request.set_login(login);
  request.set_password(password);
  v1::Session session;
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::seconds(30));
  if (!forwarded_for.empty()) {
    context.AddMetadata("x-forwarded-for", forwarded_for);
  }
  grpc::Status status = v1::SessionService::NewStub(channel)->CreateSession(
      &context, request, &session);
  Attempt attempt;
  attempt.error = ParseError(status);
  attempt.message = status.error_message();
  google::rpc::Status details;
  if (details.ParseFromString(status.error_details())) {
    for (const auto& any : details.details()) {
      google::rpc::RetryInfo retry;
      if (any.UnpackTo(&retry)) {
        attempt.retry_seconds = retry.retry_delay().seconds();
      }
    }
  }
  return attempt;
}

class LoginThrottleTest : public UserdFixture {
 protected:
  static Attempt Try(const std::string& login, const std::string& password,
                     const std::string& address) {
    return TryLogin(channel_, login, password, address);
  }
  // Makes the last failure of every streak `seconds` older.
  static void AgeStreaks(int seconds) {
    TestDatabase::Get().Query(
        "UPDATE login_failure_streaks SET last_failure_time = "
        "last_failure_time - interval '" +
        std::to_string(seconds) + " seconds'");
  }
};

TEST_F(LoginThrottleTest, TheSixthWrongAttemptIsRefusedAndSoIsTheRightOne) {
  CreateUser("throttled");
  for (int i = 0; i < 5; ++i) {
    Attempt wrong = Try("throttled", "wrong password", "198.51.100.1");
    EXPECT_EQ(wrong.error.reason, "BAD_CREDENTIALS") << i;
  }
  Attempt sixth = Try("throttled", "wrong password", "198.51.100.1");
  EXPECT_EQ(sixth.error.code, grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_EQ(sixth.error.reason, "LOGIN_THROTTLED");
  EXPECT_EQ(sixth.retry_seconds, 1);
  Attempt right = Try("throttled", "correct horse", "198.51.100.1");
  EXPECT_EQ(right.error.code, grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_EQ(right.error.reason, "LOGIN_THROTTLED");
  EXPECT_EQ(right.message, sixth.message);
  // Refused attempts were not checked, so they did not lengthen the wait.
  auto streak = TestDatabase::Get().Query(
      "SELECT consecutive_failures FROM login_failure_streaks");
  ASSERT_EQ(streak.size(), 1u);
  EXPECT_EQ(streak[0][0].as<int>(), 5);
}

TEST_F(LoginThrottleTest, AnUnknownIdentifierIsThrottledAlike) {
  CreateUser("known_one");
  for (const char* login : {"known_one", "unknown_one"}) {
    for (int i = 0; i < 5; ++i) Try(login, "wrong password", "198.51.100.2");
  }
  Attempt known = Try("known_one", "correct horse", "198.51.100.2");
  Attempt unknown = Try("unknown_one", "correct horse", "198.51.100.2");
  EXPECT_EQ(known.error.code, grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_EQ(unknown.error.code, known.error.code);
  EXPECT_EQ(unknown.error.reason, known.error.reason);
  EXPECT_EQ(unknown.message, known.message);
  EXPECT_EQ(unknown.retry_seconds, known.retry_seconds);
}

TEST_F(LoginThrottleTest, TheWaitDoublesWithEachFailureAfterTheFifth) {
  CreateUser("doubling");
  for (int i = 0; i < 5; ++i) Try("doubling", "wrong", "198.51.100.3");
  for (int expected : {2, 4, 8}) {
    AgeStreaks(3600);  // the previous wait has passed
    EXPECT_EQ(Try("doubling", "wrong", "198.51.100.3").error.reason,
              "BAD_CREDENTIALS");
    EXPECT_EQ(Try("doubling", "wrong", "198.51.100.3").retry_seconds, expected);
  }
}

TEST_F(LoginThrottleTest, OtherAddressesAndIdentifiersAreNotHeldUp) {
  CreateUser("shared_victim");
  CreateUser("bystander");
  for (int i = 0; i < 5; ++i) Try("shared_victim", "wrong", "198.51.100.4");
  EXPECT_TRUE(Try("shared_victim", "correct horse", "198.51.100.5").ok());
  EXPECT_TRUE(Try("bystander", "correct horse", "198.51.100.4").ok());
  // Case and width variants are the same identifier.
  EXPECT_EQ(Try("SHARED_VICTIM", "correct horse", "198.51.100.4").error.reason,
            "LOGIN_THROTTLED");
}

TEST_F(LoginThrottleTest, ASuccessAfterTheWaitResetsTheStreak) {
  CreateUser("recovers");
  for (int i = 0; i < 7; ++i) Try("recovers", "wrong", "198.51.100.6");
  AgeStreaks(3600);
  EXPECT_TRUE(Try("recovers", "correct horse", "198.51.100.6").ok());
  EXPECT_EQ(TestDatabase::Get()
                .Query("SELECT count(*) FROM login_failure_streaks")[0][0]
                .as<int>(),
            0);
  // Five fresh failures are free again.
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(Try("recovers", "wrong", "198.51.100.6").error.reason,
              "BAD_CREDENTIALS");
  }
}

TEST_F(LoginThrottleTest, AHundredFailuresInAnHourCloseTheIdentifierToAll) {
  CreateUser("popular");
  // 100 failures of "popular" in the last hour, from 100 addresses.
  TestDatabase::Get().Query(
      "INSERT INTO login_failures (project_id, identifier_key, failure_time) "
      "SELECT 'default', 'popular', now() - interval '10 minutes' "
      "FROM generate_series(1, 100)");
  Attempt fresh = Try("popular", "correct horse", "203.0.113.77");
  EXPECT_EQ(fresh.error.reason, "LOGIN_THROTTLED");
  EXPECT_GE(fresh.retry_seconds, 3000 - 5);
  EXPECT_LE(fresh.retry_seconds, 3000 + 5);
  TestDatabase::Get().Query(
      "UPDATE login_failures SET failure_time = now() - interval '61 minutes'");
  EXPECT_TRUE(Try("popular", "correct horse", "203.0.113.77").ok());
}

TEST_F(LoginThrottleTest, ForwardedForFromAnUntrustedPeerIsIgnored) {
  CreateUser("spoofer_target");
  UserdConfig config;
  config.listen = "127.0.0.1:0";
  config.database_url = TestDatabase::Get().connection_string();
  config.argon2 = Argon2Params{1024, 1, 1};
  config.migrate_on_start = false;
  config.trusted_proxies = TrustedProxies();  // nobody
  UserdServer strict(config);
  ASSERT_TRUE(strict.Start().ok());
  auto channel =
      grpc::CreateChannel("127.0.0.1:" + std::to_string(strict.port()),
                          grpc::InsecureChannelCredentials());
  // A client that invents a new address for each try is still one client.
  for (int i = 0; i < 5; ++i) {
    TryLogin(channel, "spoofer_target", "wrong",
             "192.0.2." + std::to_string(i + 1));
  }
  EXPECT_EQ(TryLogin(channel, "spoofer_target", "correct horse", "192.0.2.99")
                .error.reason,
            "LOGIN_THROTTLED");
  auto addresses = TestDatabase::Get().Query(
      "SELECT DISTINCT client_address FROM login_failure_streaks");
  ASSERT_EQ(addresses.size(), 1u);
  EXPECT_EQ(addresses[0][0].as<std::string>(), "127.0.0.1");
  strict.Shutdown(std::chrono::seconds(1));
}

}  // namespace
}  // namespace test
}  // namespace users
