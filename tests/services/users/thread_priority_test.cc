#include "services/users/thread_priority.h"

#include <sched.h>

#include <thread>

#include "gtest/gtest.h"

namespace users {
namespace {

// Each test changes a thread of its own, so the test process keeps its
// priority.
struct Observed {
  absl::Status status;
  int nice_before = 0;
  int nice_after = 0;
  int policy_after = -1;
};

Observed ApplyOnNewThread(ThreadPriority priority) {
  Observed observed;
  std::thread worker([&] {
    observed.nice_before = CurrentThreadNice();
    observed.status = SetCurrentThreadPriority(priority);
    observed.nice_after = CurrentThreadNice();
    observed.policy_after = CurrentThreadPolicy();
  });
  worker.join();
  return observed;
}

TEST(ThreadPriorityTest, LowIsNiceNineteenForTheCallingThreadOnly) {
  const int main_nice = CurrentThreadNice();
  Observed observed = ApplyOnNewThread(ThreadPriority::kLow);
  ASSERT_TRUE(observed.status.ok()) << observed.status;
  EXPECT_EQ(observed.nice_after, 19);
  EXPECT_EQ(observed.policy_after, SCHED_OTHER);
  EXPECT_EQ(CurrentThreadNice(), main_nice);
}

TEST(ThreadPriorityTest, IdleIsTheIdleSchedulingPolicy) {
  const int main_policy = CurrentThreadPolicy();
  Observed observed = ApplyOnNewThread(ThreadPriority::kIdle);
  ASSERT_TRUE(observed.status.ok()) << observed.status;
  EXPECT_EQ(observed.policy_after, SCHED_IDLE);
  EXPECT_EQ(CurrentThreadPolicy(), main_policy);
}

TEST(ThreadPriorityTest, NormalChangesNothing) {
  Observed observed = ApplyOnNewThread(ThreadPriority::kNormal);
  ASSERT_TRUE(observed.status.ok()) << observed.status;
  EXPECT_EQ(observed.nice_after, observed.nice_before);
  EXPECT_EQ(observed.policy_after, SCHED_OTHER);
}

TEST(ThreadPriorityTest, ParsesTheThreeNamesOnly) {
  EXPECT_EQ(*ParseThreadPriority("normal"), ThreadPriority::kNormal);
  EXPECT_EQ(*ParseThreadPriority("low"), ThreadPriority::kLow);
  EXPECT_EQ(*ParseThreadPriority("idle"), ThreadPriority::kIdle);
  EXPECT_EQ(ParseThreadPriority("IDLE").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseThreadPriority("").status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace users
