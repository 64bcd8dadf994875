#include "services/users/login_throttle.h"

#include "gtest/gtest.h"
#include "services/users/api_error.h"
#include "tests/services/status_checks.h"

namespace users {
namespace {

LoginFailures Streak(int failures, double seconds_since_last) {
  LoginFailures state;
  state.now = 1'000'000;
  state.consecutive_failures = failures;
  state.last_failure_time = state.now - seconds_since_last;
  return state;
}

TEST(LoginRetryDelayTest, FiveFailuresFromAnAddressCostNothing) {
  LoginThrottlePolicy policy;
  for (int failures = 0; failures < 5; ++failures) {
    EXPECT_EQ(LoginRetryDelay(policy, Streak(failures, 0)), 0) << failures;
  }
}

TEST(LoginRetryDelayTest, BacksOffFromOneSecondDoublingUpToFifteenMinutes) {
  LoginThrottlePolicy policy;
  EXPECT_DOUBLE_EQ(LoginRetryDelay(policy, Streak(5, 0)), 1);
  EXPECT_DOUBLE_EQ(LoginRetryDelay(policy, Streak(6, 0)), 2);
  EXPECT_DOUBLE_EQ(LoginRetryDelay(policy, Streak(9, 0)), 16);
  EXPECT_DOUBLE_EQ(LoginRetryDelay(policy, Streak(15, 0)), 900);
  EXPECT_DOUBLE_EQ(LoginRetryDelay(policy, Streak(1'000'000, 0)), 900);
  // Measured from the last failure.
  EXPECT_DOUBLE_EQ(LoginRetryDelay(policy, Streak(7, 1.5)), 2.5);
  EXPECT_EQ(LoginRetryDelay(policy, Streak(7, 4)), 0);
}

TEST(LoginRetryDelayTest, TheHourlyLimitClosesTheIdentifierForEveryAddress) {
  LoginThrottlePolicy policy;
  LoginFailures state = Streak(0, 0);
  state.limit_reached_time = state.now - 600;  // the 100th failure, 10 min ago
  EXPECT_DOUBLE_EQ(LoginRetryDelay(policy, state), 3000);
  // The longer of the two waits wins.
  state.consecutive_failures = 20;
  EXPECT_DOUBLE_EQ(LoginRetryDelay(policy, state), 3000);
  state.limit_reached_time = state.now - 3599;
  EXPECT_DOUBLE_EQ(LoginRetryDelay(policy, state), 900);
}

TEST(LoginThrottledTest, IsResourceExhaustedWithWholeSecondsToWait) {
  absl::Status status = LoginThrottled(1.2);
  EXPECT_EQ(status.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(test::Reason(status), "LOGIN_THROTTLED");
  google::rpc::RetryInfo retry;
  ASSERT_TRUE(GetRetryInfo(status, &retry));
  EXPECT_EQ(retry.retry_delay().seconds(), 2);
  ASSERT_TRUE(GetRetryInfo(LoginThrottled(0.001), &retry));
  EXPECT_EQ(retry.retry_delay().seconds(), 1);
}

TEST(ThrottledAddressTest, CountsAnIpv6ClientByItsSlash64) {
  EXPECT_EQ(ThrottledAddress("2001:db8:1:2:aaaa::1"), "2001:db8:1:2::/64");
  EXPECT_EQ(ThrottledAddress("2001:db8:1:2:ffff:ffff:ffff:ffff"),
            "2001:db8:1:2::/64");
  EXPECT_NE(ThrottledAddress("2001:db8:1:3::1"), "2001:db8:1:2::/64");
  EXPECT_EQ(ThrottledAddress("192.0.2.7"), "192.0.2.7");
  EXPECT_EQ(ThrottledAddress(""), "");
}

}  // namespace
}  // namespace users
