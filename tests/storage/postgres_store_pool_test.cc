#include "storage/postgres_store_pool.h"

#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "tests/storage/status_checks.h"
#include "tests/storage/test_database.h"

namespace users {
namespace {

using std::chrono::steady_clock;
using test::Reason;
using test::TestDatabase;

constexpr std::chrono::seconds kTimeout{30};

steady_clock::time_point Later() {
  return steady_clock::now() + std::chrono::seconds(60);
}

// What one piece of work saw.
struct Outcome {
  bool had_store = false;
  absl::Status status;
  absl::Status ping;
  std::thread::id thread;
};

// Work that records its outcome (pinging the store when it has one) into a
// promise the test waits on.
StorePool::Work Recording(std::promise<Outcome>& done) {
  return [&done](Stores* store, absl::Status status) {
    Outcome outcome;
    outcome.had_store = store != nullptr;
    outcome.status = std::move(status);
    outcome.thread = std::this_thread::get_id();
    if (store != nullptr) outcome.ping = store->maintenance.Ping();
    done.set_value(outcome);
  };
}

// Occupies a worker until Release().
class Blocker {
 public:
  StorePool::Work Work() {
    return [this](Stores*, const absl::Status&) {
      started_.set_value();
      released_.get_future().wait();
    };
  }
  void WaitStarted() { started_.get_future().wait(); }
  void Release() { released_.set_value(); }

 private:
  std::promise<void> started_;
  std::promise<void> released_;
};

TEST(PostgresStorePoolTest, RunsWorkOnAWorkerWithAConnectedStore) {
  PostgresStorePool pool(TestDatabase::Get().connection_string(), 2, kTimeout,
                         8);
  std::promise<Outcome> done;
  pool.Run(Recording(done), Later());
  Outcome outcome = done.get_future().get();
  EXPECT_TRUE(outcome.had_store);
  EXPECT_TRUE(outcome.status.ok()) << outcome.status;
  EXPECT_TRUE(outcome.ping.ok()) << outcome.ping;
  EXPECT_NE(outcome.thread, std::this_thread::get_id());
}

TEST(PostgresStorePoolTest, RunsManyWorkItemsAcrossWorkers) {
  PostgresStorePool pool(TestDatabase::Get().connection_string(), 3, kTimeout,
                         100);
  constexpr int kItems = 60;
  std::vector<std::promise<Outcome>> done(kItems);
  for (auto& promise : done) pool.Run(Recording(promise), Later());
  for (auto& promise : done) {
    Outcome outcome = promise.get_future().get();
    EXPECT_TRUE(outcome.had_store);
    EXPECT_TRUE(outcome.ping.ok()) << outcome.ping;
  }
  EXPECT_EQ(pool.Waiting(), 0);
}

TEST(PostgresStorePoolTest, FullQueueIsResourceExhaustedAtOnce) {
  PostgresStorePool pool(TestDatabase::Get().connection_string(), 1, kTimeout,
                         1);
  Blocker blocker;
  pool.Run(blocker.Work(), Later());
  blocker.WaitStarted();
  EXPECT_EQ(pool.InUse(), 1);

  std::promise<Outcome> queued;
  pool.Run(Recording(queued), Later());
  EXPECT_EQ(pool.Waiting(), 1);

  std::promise<Outcome> rejected;
  pool.Run(Recording(rejected), Later());
  // Called before Run returned, on this thread.
  std::future<Outcome> rejection = rejected.get_future();
  ASSERT_EQ(rejection.wait_for(std::chrono::seconds(0)),
            std::future_status::ready);
  Outcome outcome = rejection.get();
  EXPECT_FALSE(outcome.had_store);
  EXPECT_EQ(outcome.status.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(outcome.thread, std::this_thread::get_id());
  EXPECT_EQ(pool.Waiting(), 1);

  blocker.Release();
  Outcome ran = queued.get_future().get();
  EXPECT_TRUE(ran.had_store);
  EXPECT_TRUE(ran.ping.ok()) << ran.ping;
}

TEST(PostgresStorePoolTest, WorkWhoseDeadlinePassedWhileQueuedIsNotRun) {
  PostgresStorePool pool(TestDatabase::Get().connection_string(), 1, kTimeout,
                         4);
  Blocker blocker;
  pool.Run(blocker.Work(), Later());
  blocker.WaitStarted();
  std::promise<Outcome> expired;
  pool.Run(Recording(expired), steady_clock::now() - std::chrono::seconds(1));
  std::promise<Outcome> in_time;
  pool.Run(Recording(in_time), Later());
  blocker.Release();

  Outcome outcome = expired.get_future().get();
  EXPECT_FALSE(outcome.had_store);
  EXPECT_EQ(outcome.status.code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_NE(outcome.thread, std::this_thread::get_id());
  EXPECT_TRUE(in_time.get_future().get().had_store);
}

TEST(PostgresStorePoolTest, ShutdownFinishesQueuedWorkAndRejectsNewWork) {
  PostgresStorePool pool(TestDatabase::Get().connection_string(), 1, kTimeout,
                         8);
  Blocker blocker;
  pool.Run(blocker.Work(), Later());
  blocker.WaitStarted();
  std::vector<std::promise<Outcome>> queued(3);
  for (auto& promise : queued) pool.Run(Recording(promise), Later());
  EXPECT_EQ(pool.Waiting(), 3);

  std::thread shutdown([&pool] { pool.Shutdown(); });
  blocker.Release();
  shutdown.join();
  for (auto& promise : queued) {
    std::future<Outcome> future = promise.get_future();
    ASSERT_EQ(future.wait_for(std::chrono::seconds(0)),
              std::future_status::ready);
    EXPECT_TRUE(future.get().had_store);
  }
  EXPECT_EQ(pool.InUse(), 0);

  std::promise<Outcome> late;
  pool.Run(Recording(late), Later());
  Outcome outcome = late.get_future().get();
  EXPECT_FALSE(outcome.had_store);
  EXPECT_EQ(outcome.status.code(), absl::StatusCode::kUnavailable);
}

TEST(PostgresStorePoolTest, DeadDatabaseIsUnavailableWithoutHanging) {
  PostgresStorePool pool("postgresql://postgres@127.0.0.1:1/users", 2,
                         std::chrono::seconds(1), 16);
  const auto start = steady_clock::now();
  std::vector<std::promise<Outcome>> done(8);
  for (auto& promise : done) pool.Run(Recording(promise), Later());
  for (auto& promise : done) {
    std::future<Outcome> future = promise.get_future();
    ASSERT_EQ(future.wait_for(std::chrono::seconds(10)),
              std::future_status::ready);
    Outcome outcome = future.get();
    EXPECT_FALSE(outcome.had_store);
    EXPECT_EQ(outcome.status.code(), absl::StatusCode::kUnavailable);
    EXPECT_EQ(Reason(outcome.status), "DATABASE_UNAVAILABLE");
  }
  EXPECT_LT(steady_clock::now() - start, std::chrono::seconds(5));
}

// A worker whose connection was killed reports Unavailable once, then
// serves again on a new connection.
TEST(PostgresStorePoolTest, ReplacesABrokenConnection) {
  const std::string application = "pool_reconnect_test";
  PostgresStorePool pool(TestDatabase::Get().ConnectionStringWith(
                             {{"application_name", application}}),
                         1, kTimeout, 8);
  std::promise<Outcome> first;
  pool.Run(Recording(first), Later());
  ASSERT_TRUE(first.get_future().get().ping.ok());

  ASSERT_TRUE(
      TestDatabase::Get()
          .Query("SELECT bool_and(pg_terminate_backend(pid, 5000)) "
                 "FROM pg_stat_activity WHERE datname = current_database() "
                 "AND application_name = '" +
                 application + "'")[0][0]
          .as<bool>());

  // The very next call gets a new connection: none fails on the old one.
  std::promise<Outcome> recovered;
  pool.Run(Recording(recovered), Later());
  Outcome outcome = recovered.get_future().get();
  EXPECT_TRUE(outcome.had_store);
  EXPECT_TRUE(outcome.ping.ok()) << outcome.ping;
}

// A worker whose connection attempt failed does not fail the calls that
// arrive during its reconnect back-off: it waits the back-off out and tries
// again, so a call right after the database came back (here: accepts writes
// again; a read-only server is not connected to) is served.
TEST(PostgresStorePoolTest, WorkRightAfterTheDatabaseReturnsIsServed) {
  PostgresStorePool pool(TestDatabase::Get().connection_string(), 1, kTimeout,
                         8);
  TestDatabase::Get().Query(
      "DO $$ BEGIN EXECUTE format('ALTER DATABASE %I SET "
      "default_transaction_read_only = on', current_database()); END $$");
  std::promise<Outcome> refused;
  pool.Run(Recording(refused), Later());
  Outcome down = refused.get_future().get();
  EXPECT_FALSE(down.had_store);
  EXPECT_EQ(down.status.code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(Reason(down.status), "DATABASE_UNAVAILABLE");

  TestDatabase::Get().Query(
      "SET TRANSACTION READ WRITE; "
      "DO $$ BEGIN EXECUTE format('ALTER DATABASE %I RESET "
      "default_transaction_read_only', current_database()); END $$");
  const auto back = steady_clock::now();
  std::promise<Outcome> served;
  pool.Run(Recording(served), Later());
  Outcome up = served.get_future().get();
  EXPECT_TRUE(up.had_store);
  EXPECT_TRUE(up.status.ok()) << up.status;
  EXPECT_TRUE(up.ping.ok()) << up.ping;
  EXPECT_LT(steady_clock::now() - back, std::chrono::seconds(2));
}

// Work whose deadline falls inside the back-off is not held for it: it is
// Unavailable at once.
TEST(PostgresStorePoolTest, WorkDueWithinTheBackOffIsUnavailableAtOnce) {
  PostgresStorePool pool("postgresql://postgres@127.0.0.1:1/users", 1,
                         std::chrono::seconds(1), 8);
  std::promise<Outcome> first;
  pool.Run(Recording(first), Later());
  EXPECT_EQ(first.get_future().get().status.code(),
            absl::StatusCode::kUnavailable);
  std::promise<Outcome> hurried;
  const auto start = steady_clock::now();
  pool.Run(Recording(hurried), start + std::chrono::milliseconds(20));
  Outcome outcome = hurried.get_future().get();
  EXPECT_FALSE(outcome.had_store);
  EXPECT_NE(outcome.status.code(), absl::StatusCode::kOk);
  EXPECT_LT(steady_clock::now() - start, std::chrono::milliseconds(90));
}

}  // namespace
}  // namespace users
