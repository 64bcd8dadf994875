#include "gateway/token_bucket_limiter.h"

#include "gtest/gtest.h"

namespace users::gateway {
namespace {

using Clock = TokenBucketLimiter::Clock;

TEST(TokenBucketLimiterTest, OffWhenRateIsZero) {
  TokenBucketLimiter limiter(0, 0);
  EXPECT_FALSE(limiter.enabled());
  for (int i = 0; i < 100; ++i) {
    EXPECT_EQ(limiter.Acquire("k", Clock::now()), 0);
  }
}

TEST(TokenBucketLimiterTest, AllowsTheBurstThenAsksToWait) {
  TokenBucketLimiter limiter(2, 3);
  const Clock::time_point start = Clock::now();
  EXPECT_EQ(limiter.Acquire("a", start), 0);
  EXPECT_EQ(limiter.Acquire("a", start), 0);
  EXPECT_EQ(limiter.Acquire("a", start), 0);
  EXPECT_EQ(limiter.Acquire("a", start), 1);
  // Other keys have their own bucket.
  EXPECT_EQ(limiter.Acquire("b", start), 0);
  // Half a second later one token (2/s) has come back.
  EXPECT_EQ(limiter.Acquire("a", start + std::chrono::milliseconds(500)), 0);
  EXPECT_EQ(limiter.Acquire("a", start + std::chrono::milliseconds(500)), 1);
}

TEST(TokenBucketLimiterTest, RetryAfterCoversTheWait) {
  TokenBucketLimiter limiter(1, 1);  // one a second
  const Clock::time_point start = Clock::now();
  EXPECT_EQ(limiter.Acquire("a", start), 0);
  EXPECT_EQ(limiter.Acquire("a", start), 1);
  TokenBucketLimiter slow(1, 0);
  EXPECT_EQ(slow.Acquire("a", start), 0);
  EXPECT_GE(slow.Acquire("a", start + std::chrono::milliseconds(10)), 1);
  EXPECT_EQ(slow.Acquire("a", start + std::chrono::seconds(2)), 0);
}

}  // namespace
}  // namespace users::gateway
