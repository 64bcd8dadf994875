#ifndef USERS_TESTS_STORAGE_TEST_DATABASE_H_
#define USERS_TESTS_STORAGE_TEST_DATABASE_H_

// A fresh PostgreSQL database for one test binary.
//
// Including this header registers a GoogleTest environment that, before the
// first test, creates a database with a random name in the cluster named by
// USERS_TEST_DATABASE_URL (a superuser URL; scripts/test exports it),
// applies the embedded migrations, and drops it (and any database made by
// CreateEmptyDatabase) after the last test. Without the variable every test
// fails. Link users_storage and GTest.
//
//   #include "tests/storage/test_database.h"
//   users::test::TestDatabase::Get().connection_string()  // for a store
//   users::test::TestDatabase::Get().Query("SELECT ...")  // for checks

#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <map>
#include <pqxx/pqxx>
#include <random>
#include <string>
#include <vector>

#include "storage/connection_string.h"
#include "storage/postgres_stores.h"

namespace users {
namespace test {

class TestDatabase final : public ::testing::Environment {
 public:
  // The environment registered by this header.
  static TestDatabase& Get();

  // Failures here are not fatal: a fatal one would make GoogleTest skip
  // every test, and skipped is not failed. Each test that asks for the
  // database fails instead.
  void SetUp() override {
    const char* url = std::getenv("USERS_TEST_DATABASE_URL");
    if (url == nullptr || *url == '\0') {
      error_ =
          "USERS_TEST_DATABASE_URL is not set: run the tests with "
          "scripts/test, or export a superuser URL of a throwaway PostgreSQL "
          "cluster";
      ADD_FAILURE() << error_;
      return;
    }
    admin_url_ = url;
    std::string created = CreateDatabase();
    if (created.empty()) return;
    PostgresStores store(created, std::chrono::minutes(1));
    absl::Status migrated = store.maintenance.Migrate();
    if (!migrated.ok()) {
      error_ = "migrating the test database: " + migrated.ToString();
      ADD_FAILURE() << error_;
      return;
    }
    connection_string_ = created;
  }

  void TearDown() override {
    if (admin_url_.empty()) return;
    for (const std::string& name : databases_) {
      try {
        pqxx::connection admin(admin_url_);
        pqxx::nontransaction drop(admin);
        drop.exec("DROP DATABASE IF EXISTS " + drop.quote_name(name) +
                  " WITH (FORCE)");
      } catch (const std::exception& e) {
        ADD_FAILURE() << "dropping test database " << name << ": " << e.what();
      }
    }
    databases_.clear();
  }

  // A libpq connection string of the migrated test database; "" after
  // failing the calling test when there is none.
  const std::string& connection_string() const {
    if (connection_string_.empty()) ADD_FAILURE() << error_;
    return connection_string_;
  }

  // The same with libpq `settings` (e.g. application_name) applied.
  std::string ConnectionStringWith(
      const std::map<std::string, std::string>& settings) const {
    absl::StatusOr<std::string> rewritten =
        RewriteConnectionString(connection_string(), settings);
    return rewritten.ok() ? *rewritten : std::string();
  }

  // Creates another, empty database (no migrations), dropped with the
  // test database; returns its connection string, or "" after recording a
  // test failure.
  std::string CreateEmptyDatabase() {
    if (admin_url_.empty()) {
      ADD_FAILURE() << error_;
      return "";
    }
    return CreateDatabase();
  }

  // Runs `sql` in its own connection to the test database and commits.
  pqxx::result Query(const std::string& sql) const {
    pqxx::connection connection(connection_string());
    pqxx::work work(connection);
    pqxx::result result = work.exec(sql);
    work.commit();
    return result;
  }

 private:
  std::string CreateDatabase() {
    std::random_device random;
    std::string name = "users_test_";
    const char* digits = "0123456789abcdef";
    for (int i = 0; i < 16; ++i) name += digits[random() % 16];
    try {
      pqxx::connection admin(admin_url_);
      pqxx::nontransaction create(admin);
      create.exec("CREATE DATABASE " + create.quote_name(name));
    } catch (const std::exception& e) {
      error_ = "creating test database " + name + ": " + e.what();
      ADD_FAILURE() << error_;
      return "";
    }
    databases_.push_back(name);
    absl::StatusOr<std::string> rewritten =
        RewriteConnectionString(admin_url_, {{"dbname", name}});
    if (!rewritten.ok()) {
      error_ = "USERS_TEST_DATABASE_URL: " + rewritten.status().ToString();
      ADD_FAILURE() << error_;
      return "";
    }
    return *rewritten;
  }

  std::string admin_url_;
  std::string connection_string_;
  std::string error_ = "the test database was not set up";
  std::vector<std::string> databases_;
};

// GoogleTest owns and deletes the environment after the last test.
inline TestDatabase* const kTestDatabase = [] {
  auto* database = new TestDatabase();
  ::testing::AddGlobalTestEnvironment(database);
  return database;
}();

inline TestDatabase& TestDatabase::Get() { return *kTestDatabase; }

}  // namespace test
}  // namespace users

#endif  // USERS_TESTS_STORAGE_TEST_DATABASE_H_
