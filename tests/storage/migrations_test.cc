#include "storage/migrations.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <future>
#include <memory>
#include <pqxx/pqxx>
#include <string>
#include <thread>
#include <vector>

#include "storage/postgres_user_store.h"
#include "tests/storage/test_database.h"

namespace users {
namespace {

using test::TestDatabase;

constexpr std::chrono::seconds kTimeout{30};

int64_t Count(const std::string& connection_string, const std::string& sql) {
  pqxx::connection connection(connection_string);
  pqxx::nontransaction query(connection);
  return query.exec1(sql)[0].as<int64_t>();
}

TEST(MigrationsTest, EmbedsTheSqlFilesInNameOrder) {
  const std::vector<Migration>& migrations = EmbeddedMigrations();
  ASSERT_FALSE(migrations.empty());
  EXPECT_STREQ(migrations.front().version, "0001_init");
  EXPECT_NE(std::string(migrations.front().sql).find("CREATE TABLE users"),
            std::string::npos);
  EXPECT_TRUE(std::is_sorted(migrations.begin(), migrations.end(),
                             [](const Migration& a, const Migration& b) {
                               return std::string(a.version) < b.version;
                             }));
}

TEST(MigrationsTest, MigratedDatabaseRecordsEveryMigration) {
  const std::string& database = TestDatabase::Get().connection_string();
  EXPECT_EQ(Count(database, "SELECT count(*) FROM schema_migrations"),
            static_cast<int64_t>(EmbeddedMigrations().size()));
  EXPECT_EQ(Count(database,
                  "SELECT count(*) FROM information_schema.tables WHERE "
                  "table_name IN ('projects', 'users', 'sessions', "
                  "'api_keys', 'user_events')"),
            5);
}

TEST(MigrationsTest, MigrateAgainIsANoOp) {
  const std::string& database = TestDatabase::Get().connection_string();
  const int64_t events_before =
      Count(database, "SELECT count(*) FROM schema_migrations");
  PostgresUserStore store(database, kTimeout);
  ASSERT_TRUE(store.Migrate().ok());
  ASSERT_TRUE(store.Migrate().ok());
  EXPECT_EQ(Count(database, "SELECT count(*) FROM schema_migrations"),
            events_before);
  // The store still works on the connection it migrated with.
  EXPECT_TRUE(store.EnsureProject("after-migrate").ok());
}

// Replicas starting at once: each migrates a fresh database at the same
// moment; all succeed and every migration is applied exactly once. Without
// the advisory lock the losers fail on "relation already exists".
TEST(MigrationsTest, ConcurrentMigrateAppliesEachMigrationOnce) {
  constexpr int kReplicas = 4;
  for (int round = 0; round < 3; ++round) {
    const std::string database = TestDatabase::Get().CreateEmptyDatabase();
    ASSERT_FALSE(database.empty());
    std::vector<std::unique_ptr<PostgresUserStore>> stores;
    for (int i = 0; i < kReplicas; ++i) {
      stores.push_back(std::make_unique<PostgresUserStore>(database, kTimeout));
      // Connect first so that the migrations, not the connects, race.
      ASSERT_TRUE(stores.back()->Ping().ok());
    }
    std::promise<void> start;
    std::shared_future<void> started = start.get_future().share();
    std::vector<std::future<absl::Status>> results;
    results.reserve(stores.size());
    for (auto& store : stores) {
      results.push_back(std::async(std::launch::async, [&store, started] {
        started.wait();
        return store->Migrate();
      }));
    }
    start.set_value();
    for (auto& result : results) {
      absl::Status status = result.get();
      EXPECT_TRUE(status.ok()) << status;
    }
    EXPECT_EQ(Count(database, "SELECT count(*) FROM schema_migrations"),
              static_cast<int64_t>(EmbeddedMigrations().size()));
    EXPECT_EQ(Count(database,
                    "SELECT count(*) FROM pg_indexes WHERE indexname = "
                    "'users_username_key'"),
              1);
  }
}

// Migrate() lifts the statement timeout for itself only: afterwards a
// statement blocked on a row lock is cancelled after the store's 300 ms.
TEST(MigrationsTest, MigrateRestoresTheStatementTimeout) {
  PostgresUserStore store(TestDatabase::Get().connection_string(),
                          std::chrono::milliseconds(300));
  ASSERT_TRUE(store.Migrate().ok());
  ASSERT_TRUE(store.EnsureProject("timeout").ok());
  pqxx::connection locker(TestDatabase::Get().connection_string());
  pqxx::work lock(locker);
  lock.exec("SELECT 1 FROM projects WHERE id = 'timeout' FOR UPDATE");
  ProjectRecord project;
  project.id = "timeout";
  std::future<absl::Status> updated = std::async(std::launch::async, [&] {
    return store.UpdateProject(project, true, false).status();
  });
  // Bounded so that a missing timeout fails the test instead of hanging it.
  const bool cancelled_in_time =
      updated.wait_for(std::chrono::seconds(20)) == std::future_status::ready;
  lock.abort();
  EXPECT_TRUE(cancelled_in_time);
  EXPECT_EQ(updated.get().code(), absl::StatusCode::kUnavailable);
}

}  // namespace
}  // namespace users
