#include "services/users/thread_priority.h"

#include <thread>

#include "gtest/gtest.h"

namespace users {
namespace {

// Each test lowers the priority of a thread of its own, so the test process
// keeps its own.

TEST(ThreadPriorityTest, RaisesTheNiceValueOfTheCallingThreadOnly) {
  const int main_nice = CurrentThreadNice();
  int before = 0;
  int after = 0;
  absl::Status status;
  std::thread worker([&] {
    before = CurrentThreadNice();
    status = LowerCurrentThreadPriority(5);
    after = CurrentThreadNice();
  });
  worker.join();
  ASSERT_TRUE(status.ok()) << status;
  EXPECT_EQ(after, std::min(before + 5, 19));
  EXPECT_EQ(CurrentThreadNice(), main_nice);
}

TEST(ThreadPriorityTest, CapsAtNineteen) {
  int after = 0;
  absl::Status status;
  std::thread worker([&] {
    status = LowerCurrentThreadPriority(100);
    after = CurrentThreadNice();
  });
  worker.join();
  ASSERT_TRUE(status.ok()) << status;
  EXPECT_EQ(after, 19);
}

TEST(ThreadPriorityTest, ZeroOrNegativeIncrementChangesNothing) {
  int before = 0;
  int after = 0;
  absl::Status status;
  std::thread worker([&] {
    before = CurrentThreadNice();
    status = LowerCurrentThreadPriority(-5);
    after = CurrentThreadNice();
  });
  worker.join();
  ASSERT_TRUE(status.ok()) << status;
  EXPECT_EQ(after, before);
}

}  // namespace
}  // namespace users
