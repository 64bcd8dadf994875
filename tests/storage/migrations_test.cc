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

#include "storage/postgres_stores.h"
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
  PostgresStores store(database, kTimeout);
  ASSERT_TRUE(store.maintenance.Migrate().ok());
  ASSERT_TRUE(store.maintenance.Migrate().ok());
  EXPECT_EQ(Count(database, "SELECT count(*) FROM schema_migrations"),
            events_before);
  // The store still works on the connection it migrated with.
  EXPECT_TRUE(store.projects.EnsureProject("after-migrate").ok());
}

// Replicas starting at once: each migrates a fresh database at the same
// moment; all succeed and every migration is applied exactly once. Without
// the advisory lock the losers fail on "relation already exists".
TEST(MigrationsTest, ConcurrentMigrateAppliesEachMigrationOnce) {
  constexpr int kReplicas = 4;
  for (int round = 0; round < 3; ++round) {
    const std::string database = TestDatabase::Get().CreateEmptyDatabase();
    ASSERT_FALSE(database.empty());
    std::vector<std::unique_ptr<PostgresStores>> stores;
    for (int i = 0; i < kReplicas; ++i) {
      stores.push_back(std::make_unique<PostgresStores>(database, kTimeout));
      // Connect first so that the migrations, not the connects, race.
      ASSERT_TRUE(stores.back()->maintenance.Ping().ok());
    }
    std::promise<void> start;
    std::shared_future<void> started = start.get_future().share();
    std::vector<std::future<absl::Status>> results;
    results.reserve(stores.size());
    for (auto& store : stores) {
      results.push_back(std::async(std::launch::async, [&store, started] {
        started.wait();
        return store->maintenance.Migrate();
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

// Users from before 0003_identifier_keys get keys approximating their
// NFKC_Casefold form; of identifiers that collide under those keys only the
// oldest keeps it, so that the unique indexes can be built.
TEST(MigrationsTest, BackfillsIdentifierKeys) {
  const std::string database = TestDatabase::Get().CreateEmptyDatabase();
  ASSERT_FALSE(database.empty());
  const std::vector<Migration>& all = EmbeddedMigrations();
  auto keys = std::find_if(all.begin(), all.end(), [](const Migration& m) {
    return std::string(m.version) == "0003_identifier_keys";
  });
  ASSERT_NE(keys, all.end());
  pqxx::connection connection(database);
  ApplyMigrations(connection, std::vector<Migration>(all.begin(), keys));
  {
    pqxx::work insert(connection);
    insert.exec(
        "INSERT INTO projects (id) VALUES ('p'), ('q');"
        "INSERT INTO users (project_id, id, username, email, password_hash) "
        "VALUES ('p', 1, 'Ann', 'Ann@Example.COM', 'h'),"
        // Full-width ＡＮＮ and ａnn@: distinct from Ann under lower(), not
        // now.
        "       ('p', 2, '\xEF\xBC\xA1\xEF\xBC\xAE\xEF\xBC\xAE',"
        "        '\xEF\xBD\x81nn@example.com', 'h'),"
        // José spelled with a combining accent; ÉLAN in capitals.
        "       ('p', 3, 'Jose\xCC\x81', 'jose@example.com', 'h'),"
        "       ('p', 4, '\xC3\x89LAN', 'Elan@Example.com', 'h'),"
        "       ('q', 5, 'ann', 'ann@example.com', 'h')");
    insert.commit();
  }
  ApplyMigrations(connection, all);

  pqxx::nontransaction query(connection);
  pqxx::result rows =
      query.exec("SELECT id, username_key, email_key FROM users ORDER BY id");
  ASSERT_EQ(rows.size(), 5u);
  const std::vector<std::vector<std::string>> expected = {
      {"1", "ann", "ann@example.com"},
      {"2", "DUPLICATE 2", "DUPLICATE 2"},
      {"3", "jos\xC3\xA9", "jose@example.com"},
      {"4", "\xC3\xA9lan", "elan@example.com"},
      {"5", "ann", "ann@example.com"},  // another project
  };
  for (size_t i = 0; i < rows.size(); ++i) {
    EXPECT_EQ(rows[i][0].as<std::string>(), expected[i][0]);
    EXPECT_EQ(rows[i][1].as<std::string>(), expected[i][1]) << i;
    EXPECT_EQ(rows[i][2].as<std::string>(), expected[i][2]) << i;
  }
  EXPECT_EQ(query
                .exec1("SELECT count(*) FROM information_schema.columns "
                       "WHERE table_name = 'users' AND column_name IN "
                       "('username_key', 'email_key') AND is_nullable = 'NO' "
                       "AND collation_name = 'C'")[0]
                .as<int64_t>(),
            2);
  // The unique indexes keep their names and cover the keys.
  EXPECT_EQ(query
                .exec1("SELECT string_agg(indexdef, '; ' ORDER BY indexname) "
                       "FROM pg_indexes WHERE indexname IN "
                       "('users_username_key', 'users_email_key')")[0]
                .as<std::string>(),
            "CREATE UNIQUE INDEX users_email_key ON public.users USING btree "
            "(project_id, email_key); CREATE UNIQUE INDEX users_username_key "
            "ON public.users USING btree (project_id, username_key)");
}

// Migrate() lifts the statement timeout for itself only: afterwards a
// statement blocked on a row lock is cancelled after the store's 300 ms.
TEST(MigrationsTest, MigrateRestoresTheStatementTimeout) {
  PostgresStores store(TestDatabase::Get().connection_string(),
                       std::chrono::milliseconds(300));
  ASSERT_TRUE(store.maintenance.Migrate().ok());
  ASSERT_TRUE(store.projects.EnsureProject("timeout").ok());
  pqxx::connection locker(TestDatabase::Get().connection_string());
  pqxx::work lock(locker);
  lock.exec("SELECT 1 FROM projects WHERE id = 'timeout' FOR UPDATE");
  ProjectRecord project;
  project.id = "timeout";
  std::future<absl::Status> updated = std::async(std::launch::async, [&] {
    return store.projects.UpdateProject(project, true, false).status();
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
