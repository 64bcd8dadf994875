#include "services/users/fair_share_executor.h"

#include <chrono>
#include <condition_variable>
#include <future>
#include <mutex>
#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace users {
namespace {

// Counts events and lets a test wait until a number of them happened.
// Declare it before the executor whose jobs use it, so that it outlives them.
class Counter {
 public:
  void Increment() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      ++count_;
    }
    changed_.notify_all();
  }
  void WaitFor(int count) {
    std::unique_lock<std::mutex> lock(mutex_);
    changed_.wait(lock, [&] { return count_ >= count; });
  }
  int Get() {
    std::lock_guard<std::mutex> lock(mutex_);
    return count_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  int count_ = 0;
};

// Holds jobs until opened; opens at the latest when destroyed, so declared
// after the executor it cannot leave the executor's workers hanging.
class Gate {
 public:
  Gate() : waiter_(promise_.get_future().share()) {}
  ~Gate() { Open(); }
  void Open() {
    if (!open_) promise_.set_value();
    open_ = true;
  }
  std::shared_future<void> Waiter() const { return waiter_; }

 private:
  std::promise<void> promise_;
  std::shared_future<void> waiter_;
  bool open_ = false;
};

BoundedJob Job(std::function<void()> run) {
  BoundedJob job;
  job.run = std::move(run);
  return job;
}

TEST(FairShareExecutorTest, AKeyAtItsShareDoesNotHoldBackOtherKeys) {
  Counter slow_started, slow_done, fast_done;
  FairShareExecutor executor(/*threads=*/4, /*capacity=*/64,
                             /*per_key_running=*/2, /*per_key_waiting=*/8);
  Gate gate;
  for (int i = 0; i < 6; ++i) {
    ASSERT_TRUE(executor.TrySubmit("slow", Job([&, waiter = gate.Waiter()] {
                                     slow_started.Increment();
                                     waiter.wait();
                                     slow_done.Increment();
                                   })));
  }
  slow_started.WaitFor(2);
  // Two of the four threads are free, but "slow" may not take them.
  EXPECT_EQ(executor.Running("slow"), 2);
  EXPECT_EQ(executor.QueueDepth("slow"), 4);
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(
        executor.TrySubmit("fast", Job([&] { fast_done.Increment(); })));
  }
  fast_done.WaitFor(5);
  EXPECT_EQ(slow_started.Get(), 2);
  EXPECT_EQ(executor.QueueDepth("slow"), 4);
  gate.Open();
  slow_done.WaitFor(6);
  EXPECT_EQ(slow_started.Get(), 6);
}

TEST(FairShareExecutorTest, RefusesBeyondAKeysWaitingShareOnly) {
  Counter started;
  FairShareExecutor executor(/*threads=*/2, /*capacity=*/64,
                             /*per_key_running=*/1, /*per_key_waiting=*/2);
  Gate gate;
  auto blocked = [&, waiter = gate.Waiter()] {
    started.Increment();
    waiter.wait();
  };
  ASSERT_TRUE(executor.TrySubmit("a", Job(blocked)));
  started.WaitFor(1);
  EXPECT_TRUE(executor.TrySubmit("a", Job(blocked)));
  EXPECT_TRUE(executor.TrySubmit("a", Job(blocked)));
  EXPECT_FALSE(executor.TrySubmit("a", Job(blocked)));
  EXPECT_EQ(executor.QueueDepth("a"), 2);
  EXPECT_TRUE(executor.TrySubmit("b", Job(blocked)));
  started.WaitFor(2);
  EXPECT_EQ(executor.Running(), 2);
}

// A burst counts running and waiting jobs together: a key whose jobs no
// thread has taken yet still gets running + waiting of them in.
TEST(FairShareExecutorTest, ABurstGetsTheWholeShareBeforeAnyJobStarts) {
  Counter started, done;
  FairShareExecutor executor(/*threads=*/1, /*capacity=*/64,
                             /*per_key_running=*/1, /*per_key_waiting=*/2);
  Gate gate;
  ASSERT_TRUE(executor.TrySubmit("a", Job([&, waiter = gate.Waiter()] {
                                   started.Increment();
                                   waiter.wait();
                                 })));
  started.WaitFor(1);  // the only thread is busy with "a"
  for (int i = 0; i < 3; ++i) {
    EXPECT_TRUE(executor.TrySubmit("b", Job([&] { done.Increment(); })));
  }
  EXPECT_FALSE(executor.TrySubmit("b", Job([&] { done.Increment(); })));
  EXPECT_EQ(executor.QueueDepth("b"), 3);
  gate.Open();
  done.WaitFor(3);
  EXPECT_EQ(done.Get(), 3);
}

TEST(FairShareExecutorTest, RefusesBeyondTheTotalCapacity) {
  Counter started;
  FairShareExecutor executor(/*threads=*/1, /*capacity=*/2,
                             /*per_key_running=*/1, /*per_key_waiting=*/8);
  Gate gate;
  auto blocked = [&, waiter = gate.Waiter()] {
    started.Increment();
    waiter.wait();
  };
  ASSERT_TRUE(executor.TrySubmit("a", Job(blocked)));
  started.WaitFor(1);
  EXPECT_TRUE(executor.TrySubmit("a", Job(blocked)));
  EXPECT_TRUE(executor.TrySubmit("b", Job(blocked)));
  EXPECT_FALSE(executor.TrySubmit("c", Job(blocked)));
  EXPECT_EQ(executor.QueueDepth(), 2);
}

TEST(FairShareExecutorTest, AJobTakenAfterItsDeadlineIsNeverRun) {
  Counter ran, expired, started;
  FairShareExecutor executor(/*threads=*/2, /*capacity=*/8,
                             /*per_key_running=*/1, /*per_key_waiting=*/8);
  Gate gate;
  ASSERT_TRUE(executor.TrySubmit("a", Job([&, waiter = gate.Waiter()] {
                                   started.Increment();
                                   waiter.wait();
                                 })));
  started.WaitFor(1);
  BoundedJob stale;
  stale.run = [&] { ran.Increment(); };
  stale.expired = [&] { expired.Increment(); };
  stale.deadline = std::chrono::steady_clock::now() - std::chrono::seconds(1);
  ASSERT_TRUE(executor.TrySubmit("a", std::move(stale)));
  BoundedJob fresh;
  fresh.run = [&] { ran.Increment(); };
  fresh.expired = [&] { expired.Increment(); };
  ASSERT_TRUE(executor.TrySubmit("a", std::move(fresh)));
  gate.Open();
  ran.WaitFor(1);
  expired.WaitFor(1);
  EXPECT_EQ(ran.Get(), 1);
  EXPECT_EQ(expired.Get(), 1);
}

TEST(FairShareExecutorTest, DestructionRunsWhatIsQueued) {
  Counter ran;
  {
    FairShareExecutor executor(/*threads=*/2, /*capacity=*/64,
                               /*per_key_running=*/1, /*per_key_waiting=*/16);
    for (int i = 0; i < 10; ++i) {
      ASSERT_TRUE(executor.TrySubmit(i % 2 ? "odd" : "even",
                                     Job([&] { ran.Increment(); })));
    }
  }
  EXPECT_EQ(ran.Get(), 10);
}

TEST(FairShareExecutorTest, KeysAreServedInTurn) {
  // One thread: while "a" runs, "a" and "b" queue; "b" goes before a's
  // second job although it came later.
  std::mutex mutex;
  std::vector<std::string> order;
  Counter started, finished;
  FairShareExecutor executor(/*threads=*/1, /*capacity=*/64,
                             /*per_key_running=*/1, /*per_key_waiting=*/16);
  Gate gate;
  auto record = [&](const std::string& name) {
    return Job([&, name] {
      std::lock_guard<std::mutex> lock(mutex);
      order.push_back(name);
      finished.Increment();
    });
  };
  ASSERT_TRUE(executor.TrySubmit("a", Job([&, waiter = gate.Waiter()] {
                                   started.Increment();
                                   waiter.wait();
                                 })));
  started.WaitFor(1);
  ASSERT_TRUE(executor.TrySubmit("a", record("a2")));
  ASSERT_TRUE(executor.TrySubmit("a", record("a3")));
  ASSERT_TRUE(executor.TrySubmit("b", record("b1")));
  gate.Open();
  finished.WaitFor(3);
  std::lock_guard<std::mutex> lock(mutex);
  EXPECT_EQ(order, (std::vector<std::string>{"b1", "a2", "a3"}));
}

}  // namespace
}  // namespace users
