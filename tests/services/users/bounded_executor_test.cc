#include "services/users/bounded_executor.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <future>
#include <memory>
#include <mutex>
#include <thread>
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

// Holds jobs until opened. Jobs keep their own Waiter(), so the gate may be
// declared after the executor: it then opens (at the latest) before the
// executor joins its workers, and a failed assertion cannot hang the test.
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

TEST(BoundedExecutorTest, RunsAtMostThreadsJobsAtOnce) {
  constexpr int kThreads = 3;
  constexpr int kJobs = 12;
  std::atomic<int> running{0};
  std::atomic<int> max_running{0};
  Counter started;
  Counter finished;
  {
    BoundedExecutor executor(kThreads, kJobs);
    Gate gate;
    for (int i = 0; i < kJobs; ++i) {
      ASSERT_TRUE(executor.TrySubmit([&, waiter = gate.Waiter()] {
        int now = ++running;
        int seen = max_running.load();
        while (now > seen && !max_running.compare_exchange_weak(seen, now)) {
        }
        started.Increment();
        waiter.wait();
        --running;
        finished.Increment();
      }));
    }
    // Every worker is now blocked in a job; the rest must wait in the queue.
    started.WaitFor(kThreads);
    EXPECT_EQ(executor.Running(), kThreads);
    EXPECT_EQ(executor.QueueDepth(), kJobs - kThreads);
    EXPECT_EQ(started.Get(), kThreads);
    gate.Open();
    finished.WaitFor(kJobs);
    EXPECT_EQ(executor.QueueDepth(), 0);
  }
  EXPECT_EQ(max_running.load(), kThreads);
  EXPECT_EQ(finished.Get(), kJobs);
}

TEST(BoundedExecutorTest, RefusesWhenTheQueueIsFull) {
  Counter started;
  Counter ran;
  Counter after;
  std::atomic<bool> dropped_ran{false};
  BoundedExecutor executor(1, 2);
  Gate gate;
  ASSERT_TRUE(executor.TrySubmit([&, waiter = gate.Waiter()] {
    started.Increment();
    waiter.wait();
  }));
  started.WaitFor(1);  // the worker is busy; the queue is empty
  EXPECT_TRUE(executor.TrySubmit([&] { ran.Increment(); }));
  EXPECT_TRUE(executor.TrySubmit([&] { ran.Increment(); }));
  EXPECT_EQ(executor.QueueDepth(), 2);
  EXPECT_EQ(executor.Running(), 1);
  EXPECT_FALSE(executor.TrySubmit([&] { dropped_ran = true; }));
  EXPECT_FALSE(executor.TrySubmit([&] { dropped_ran = true; }));
  EXPECT_EQ(executor.QueueDepth(), 2);
  gate.Open();
  ran.WaitFor(2);
  // Room again once the queue drained.
  EXPECT_TRUE(executor.TrySubmit([&] { after.Increment(); }));
  after.WaitFor(1);
  EXPECT_FALSE(dropped_ran);
}

TEST(BoundedExecutorTest, DestructorRunsWhatIsQueued) {
  constexpr int kQueued = 5;
  Counter started;
  std::atomic<int> ran{0};
  auto executor = std::make_unique<BoundedExecutor>(1, kQueued);
  Gate gate;
  ASSERT_TRUE(executor->TrySubmit([&, waiter = gate.Waiter()] {
    started.Increment();
    waiter.wait();
  }));
  started.WaitFor(1);
  for (int i = 0; i < kQueued; ++i) {
    ASSERT_TRUE(executor->TrySubmit([&] { ++ran; }));
  }
  ASSERT_EQ(executor->QueueDepth(), kQueued);
  // Destroy from another thread while the worker is blocked and the jobs
  // wait, then release the worker: the destructor may return only after the
  // queued jobs ran.
  std::promise<void> destroying;
  std::future<void> destroying_started = destroying.get_future();
  std::thread destroyer([&] {
    destroying.set_value();
    executor.reset();
  });
  destroying_started.wait();
  gate.Open();
  destroyer.join();
  EXPECT_EQ(ran.load(), kQueued);
}

TEST(BoundedExecutorTest, RunsTheThreadStartHookOnEveryWorkerBeforeJobs) {
  // The hook records the worker's thread id; every job must then run on a
  // thread the hook ran on first.
  std::mutex mutex;
  std::vector<std::thread::id> started;
  std::vector<std::thread::id> ran;
  Counter done;
  {
    WorkerHooks hooks;
    hooks.on_thread_start = [&] {
      std::lock_guard<std::mutex> lock(mutex);
      started.push_back(std::this_thread::get_id());
    };
    BoundedExecutor executor(3, 16, std::move(hooks));
    for (int i = 0; i < 12; ++i) {
      ASSERT_TRUE(executor.TrySubmit([&] {
        {
          std::lock_guard<std::mutex> lock(mutex);
          ran.push_back(std::this_thread::get_id());
        }
        done.Increment();
      }));
    }
    done.WaitFor(12);
  }  // joins the workers: every hook has run
  EXPECT_EQ(started.size(), 3u);
  for (const std::thread::id& id : ran) {
    EXPECT_NE(std::find(started.begin(), started.end(), id), started.end());
  }
}

TEST(BoundedExecutorTest, RunsTheIdleHookOnTheWorkerOnceAfterWork) {
  // One worker: a job, then the idle hook on the same thread; a second job
  // makes the hook due again, so it runs exactly twice in all.
  std::mutex mutex;
  std::thread::id job_thread;
  std::vector<std::thread::id> idle_threads;
  Counter jobs;
  Counter idles;
  WorkerHooks hooks;
  hooks.idle_after = std::chrono::milliseconds(20);
  hooks.on_idle = [&] {
    {
      std::lock_guard<std::mutex> lock(mutex);
      idle_threads.push_back(std::this_thread::get_id());
    }
    idles.Increment();
  };
  BoundedExecutor executor(1, 4, std::move(hooks));
  ASSERT_TRUE(executor.TrySubmit([&] {
    {
      std::lock_guard<std::mutex> lock(mutex);
      job_thread = std::this_thread::get_id();
    }
    jobs.Increment();
  }));
  idles.WaitFor(1);
  ASSERT_TRUE(executor.TrySubmit([&] { jobs.Increment(); }));
  jobs.WaitFor(2);
  idles.WaitFor(2);
  std::lock_guard<std::mutex> lock(mutex);
  ASSERT_EQ(idle_threads.size(), 2u);
  EXPECT_EQ(idle_threads[0], job_thread);
}

TEST(BoundedExecutorTest, ClampsNonPositiveSizes) {
  // Zero threads and zero capacity still make a usable executor: one worker,
  // one queue slot.
  Counter started;
  Counter ran;
  BoundedExecutor executor(0, 0);
  Gate gate;
  EXPECT_TRUE(executor.TrySubmit([&, waiter = gate.Waiter()] {
    started.Increment();
    waiter.wait();
  }));
  started.WaitFor(1);
  EXPECT_TRUE(executor.TrySubmit([&] { ran.Increment(); }));
  EXPECT_FALSE(executor.TrySubmit([&] { ran.Increment(); }));
  gate.Open();
  ran.WaitFor(1);
  EXPECT_EQ(ran.Get(), 1);
}

TEST(BoundedExecutorTest, RunsJobsInSubmissionOrderOnOneThread) {
  std::vector<int> order;
  std::mutex mutex;
  {
    BoundedExecutor executor(1, 16);
    for (int i = 0; i < 10; ++i) {
      ASSERT_TRUE(executor.TrySubmit([&, i] {
        std::lock_guard<std::mutex> lock(mutex);
        order.push_back(i);
      }));
    }
  }  // the destructor drains the queue
  EXPECT_EQ(order, (std::vector<int>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}));
}

TEST(BoundedExecutorTest, SecondaryJobsHoldAtMostHalfTheQueue) {
  Counter started;
  Counter ran;
  BoundedExecutor executor(1, 4);
  Gate gate;
  ASSERT_TRUE(executor.TrySubmit([&, waiter = gate.Waiter()] {
    started.Increment();
    waiter.wait();
  }));
  started.WaitFor(1);
  const auto secondary = [&] {
    BoundedJob job;
    job.run = [&] { ran.Increment(); };
    job.secondary = true;
    return job;
  };
  EXPECT_TRUE(executor.TrySubmit(secondary()));
  EXPECT_TRUE(executor.TrySubmit(secondary()));
  EXPECT_FALSE(executor.TrySubmit(secondary()));  // half of 4 is taken
  // The other half stays free for primary jobs.
  EXPECT_TRUE(executor.TrySubmit([&] { ran.Increment(); }));
  EXPECT_TRUE(executor.TrySubmit([&] { ran.Increment(); }));
  EXPECT_FALSE(executor.TrySubmit([&] { ran.Increment(); }));
  gate.Open();
  ran.WaitFor(4);
  // A drained secondary slot is free again.
  EXPECT_TRUE(executor.TrySubmit(secondary()));
  ran.WaitFor(5);
}

TEST(BoundedExecutorTest, AJobTakenAfterItsDeadlineRunsExpiredInstead) {
  Counter started;
  Counter expired;
  Counter ran;
  BoundedExecutor executor(1, 4);
  Gate gate;
  ASSERT_TRUE(executor.TrySubmit([&, waiter = gate.Waiter()] {
    started.Increment();
    waiter.wait();
  }));
  started.WaitFor(1);
  BoundedJob stale;
  stale.run = [&] { ran.Increment(); };
  stale.expired = [&] { expired.Increment(); };
  stale.deadline = std::chrono::steady_clock::now();  // passes at once
  ASSERT_TRUE(executor.TrySubmit(std::move(stale)));
  BoundedJob fresh;
  fresh.run = [&] { ran.Increment(); };
  fresh.expired = [&] { expired.Increment(); };
  fresh.deadline = std::chrono::steady_clock::now() + std::chrono::hours(1);
  ASSERT_TRUE(executor.TrySubmit(std::move(fresh)));
  gate.Open();
  ran.WaitFor(1);
  expired.WaitFor(1);
  EXPECT_EQ(ran.Get(), 1);
  EXPECT_EQ(expired.Get(), 1);
}

}  // namespace
}  // namespace users
