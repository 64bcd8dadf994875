#include "storage/postgres_stores.h"

#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/message_differencer.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <future>
#include <pqxx/pqxx>
#include <string>
#include <thread>
#include <vector>

#include "nlohmann/json.hpp"
#include "tests/storage/status_checks.h"
#include "tests/storage/test_database.h"

namespace users {
namespace {

using google::protobuf::util::MessageDifferencer;
using test::Reason;
using test::TestDatabase;
using test::ViolatedField;

constexpr std::chrono::seconds kTimeout{30};

// A raw 32-byte token hash, with a NUL and a high byte to keep bytea honest.
std::string TokenHash(char tag) {
  std::string hash(32, '\0');
  hash[0] = tag;
  hash[31] = '\xff';
  return hash;
}

// Storage writes the keys it is given (userd computes them with
// IdentifierKey); here a key is the ASCII lower case of its identifier.
std::string AsciiLower(std::string text) {
  for (char& c : text) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return text;
}

google::protobuf::Struct StructOf(const std::string& json) {
  google::protobuf::Struct value;
  EXPECT_TRUE(google::protobuf::util::JsonStringToMessage(json, &value).ok());
  return value;
}

void SetBirthDate(v1::User& user, int year, int month, int day) {
  user.mutable_birth_date()->set_year(year);
  user.mutable_birth_date()->set_month(month);
  user.mutable_birth_date()->set_day(day);
}

void SetUsername(UserChanges& changes, const std::string& username) {
  changes.values.set_username(username);
  changes.username_key = AsciiLower(username);
}

void SetEmail(UserChanges& changes, const std::string& email) {
  changes.values.set_email(email);
  changes.email_key = AsciiLower(email);
}

UserChanges Basics(const std::string& username) {
  UserChanges changes;
  Add(changes.columns, UserColumn::kUsername);
  Add(changes.columns, UserColumn::kEmail);
  Add(changes.columns, UserColumn::kPasswordHash);
  SetUsername(changes, username);
  SetEmail(changes, username + "@example.com");
  changes.password_hash = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$SECRETHASH";
  return changes;
}

UserChanges Everything(const std::string& username) {
  UserChanges changes = Basics(username);
  for (size_t i = 0; i < static_cast<size_t>(UserColumn::kCount); ++i) {
    changes.columns.set(i);
  }
  changes.values.set_given_name("Ada");
  changes.values.set_family_name("Lovelace");
  changes.values.set_display_name("Ada L.");
  changes.values.set_role(v1::User::ROLE_ADMIN);
  changes.values.set_avatar_uri("https://example.com/a.png");
  changes.values.set_bio(
      "Analytical engines; \"quotes\", 'apostrophes' and \\ ünïcode");
  SetBirthDate(changes.values, 1815, 12, 10);
  changes.values.mutable_location()->set_latitude(51.507350999999999);
  changes.values.mutable_location()->set_longitude(-0.12775829999999999);
  *changes.values.mutable_metadata() =
      StructOf(R"({"a": 1.5, "b": [true, "x"], "c": {"d": null}})");
  *changes.values.mutable_secure_metadata() =
      StructOf(R"({"pin": "TOPSECRET"})");
  changes.values.mutable_settings()->set_language("pt-BR");
  changes.values.mutable_settings()->add_script_types("default");
  changes.values.mutable_settings()->add_script_types("hash");
  changes.values.set_time_zone("Europe/Berlin");
  return changes;
}

// Microseconds since the epoch of `column` of user `id`, as stored.
int64_t StoredMicros(const std::string& column, int64_t id) {
  return TestDatabase::Get()
      .Query("SELECT (extract(epoch FROM " + column +
             ") * 1000000)::bigint FROM users WHERE id = " +
             std::to_string(id))[0][0]
      .as<int64_t>();
}

int64_t Micros(const google::protobuf::Timestamp& timestamp) {
  return timestamp.seconds() * 1000000 + timestamp.nanos() / 1000;
}

class PostgresStoresTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // Each test works in its own project.
    project_ = ::testing::UnitTest::GetInstance()->current_test_info()->name();
    ASSERT_TRUE(store_.projects.EnsureProject(project_).ok());
  }

  UserRecord Create(const UserChanges& changes) {
    absl::StatusOr<UserRecord> created = store_.users.CreateUser(
        project_, changes, "users/0", "req-create", std::nullopt);
    EXPECT_TRUE(created.ok()) << created.status();
    return created.ok() ? *created : UserRecord();
  }

  UserUpdate Update(int64_t user_id) {
    UserUpdate update;
    update.project_id = project_;
    update.user_id = user_id;
    update.actor = "users/" + std::to_string(user_id);
    update.request_id = "req-update";
    return update;
  }

  NewApiKey Key(const std::string& token_hash, std::vector<std::string> scopes,
                std::optional<int64_t> user_id = std::nullopt) {
    NewApiKey key;
    key.project_id = project_;
    key.token_hash = token_hash;
    key.scopes = std::move(scopes);
    key.user_id = user_id;
    return key;
  }

  // A login of `user_id` with its current password, from 192.0.2.1.
  SessionLogin LoginOf(int64_t user_id, char tag, int64_t ttl = 3600) {
    SessionLogin login;
    login.attempt = LoginAttempt{project_, "login-key", "192.0.2.1"};
    login.user_id = user_id;
    login.password_hash = Basics("x").password_hash;
    login.session = NewSession{TokenHash(tag), ttl};
    return login;
  }

  SessionRecord Session(int64_t user_id, char tag, int64_t ttl = 3600) {
    absl::StatusOr<SessionRecord> session =
        store_.sessions.CreateSession(LoginOf(user_id, tag, ttl));
    EXPECT_TRUE(session.ok()) << session.status();
    return session.ok() ? *session : SessionRecord();
  }

  int64_t Count(const std::string& sql) {
    return TestDatabase::Get().Query(sql)[0][0].as<int64_t>();
  }

  UserSuspension SuspensionOf(int64_t user_id, const std::string& reason) {
    UserSuspension suspension;
    suspension.project_id = project_;
    suspension.user_id = user_id;
    suspension.reason = reason;
    suspension.actor = "apiKeys/9";
    suspension.request_id = "req-suspend";
    return suspension;
  }

  // The user's suspensions as stored.
  nlohmann::json StoredSuspensions(int64_t user_id) {
    return nlohmann::json::parse(
        TestDatabase::Get()
            .Query("SELECT suspensions::text FROM users WHERE project_id = '" +
                   project_ + "' AND id = " + std::to_string(user_id))[0][0]
            .as<std::string>());
  }

  // Waits until a backend of `application` waits for a lock; false after
  // 30 s without.
  static bool WaitForLockWaiter(const std::string& application) {
    const auto deadline = std::chrono::steady_clock::now() + kTimeout;
    while (std::chrono::steady_clock::now() < deadline) {
      if (TestDatabase::Get()
              .Query("SELECT count(*) FROM pg_stat_activity "
                     "WHERE datname = current_database() "
                     "AND application_name = '" +
                     application + "' AND wait_event_type = 'Lock'")[0][0]
              .as<int64_t>() > 0) {
        return true;
      }
      std::this_thread::yield();
    }
    return false;
  }

  std::string project_;
  PostgresStores store_{TestDatabase::Get().connection_string(), kTimeout};
};

TEST_F(PostgresStoresTest, CreateAndGetRoundTripEveryColumn) {
  UserRecord created = Create(Everything("ada"));
  const v1::User& user = created.user;
  EXPECT_EQ(created.project_id, project_);
  EXPECT_GT(created.id, 0);
  EXPECT_EQ(created.version, 1);
  EXPECT_EQ(user.name(),
            "projects/" + project_ + "/users/" + std::to_string(created.id));
  EXPECT_EQ(user.etag(), "1");
  EXPECT_EQ(user.username(), "ada");
  EXPECT_EQ(user.email(), "ada@example.com");
  EXPECT_FALSE(user.email_verified());
  EXPECT_EQ(user.given_name(), "Ada");
  EXPECT_EQ(user.family_name(), "Lovelace");
  EXPECT_EQ(user.display_name(), "Ada L.");
  EXPECT_EQ(user.role(), v1::User::ROLE_ADMIN);
  EXPECT_EQ(user.avatar_uri(), "https://example.com/a.png");
  EXPECT_EQ(user.bio(), Everything("ada").values.bio());
  EXPECT_EQ(user.birth_date().year(), 1815);
  EXPECT_EQ(user.birth_date().month(), 12);
  EXPECT_EQ(user.birth_date().day(), 10);
  EXPECT_EQ(user.location().latitude(), 51.507350999999999);
  EXPECT_EQ(user.location().longitude(), -0.12775829999999999);
  EXPECT_TRUE(MessageDifferencer::Equals(
      user.metadata(),
      StructOf(R"({"a": 1.5, "b": [true, "x"], "c": {"d": null}})")));
  EXPECT_EQ(user.settings().language(), "pt-BR");
  ASSERT_EQ(user.settings().script_types_size(), 2);
  EXPECT_EQ(user.settings().script_types(0), "default");
  EXPECT_EQ(user.settings().script_types(1), "hash");
  EXPECT_EQ(user.time_zone(), "Europe/Berlin");
  EXPECT_EQ(user.suspensions_size(), 0);
  EXPECT_EQ(Micros(user.create_time()),
            StoredMicros("create_time", created.id));
  EXPECT_EQ(Micros(user.update_time()),
            StoredMicros("update_time", created.id));
  EXPECT_EQ(user.create_time().nanos() % 1000, 0);

  absl::StatusOr<UserRecord> got = store_.users.GetUser(project_, created.id);
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(got->version, 1);
  EXPECT_TRUE(MessageDifferencer::Equals(got->user, user))
      << got->user.DebugString() << "\nvs\n"
      << user.DebugString();
}

TEST_F(PostgresStoresTest, CreateWithOnlyRequiredColumnsUsesDefaults) {
  UserChanges changes = Basics("plain");
  changes.values.set_given_name("not in the column set");
  changes.values.set_role(v1::User::ROLE_ADMIN);
  UserRecord created = Create(changes);
  EXPECT_EQ(created.user.given_name(), "");
  EXPECT_EQ(created.user.role(), v1::User::ROLE_USER);
  EXPECT_FALSE(created.user.has_birth_date());
  EXPECT_FALSE(created.user.has_location());
  EXPECT_EQ(created.user.metadata().fields_size(), 0);
  EXPECT_EQ(created.user.settings().script_types_size(), 0);
  EXPECT_EQ(created.user.time_zone(), "");
}

TEST_F(PostgresStoresTest, UpdateOfEveryColumnRoundTrips) {
  UserRecord created = Create(Basics("grace"));
  UserUpdate update = Update(created.id);
  update.changes = Everything("Grace2");
  SetEmail(update.changes, "grace@navy.example");
  SetBirthDate(update.changes.values, 1906, 12, 9);
  update.changes.values.mutable_location()->set_latitude(-33.5);
  update.changes.values.mutable_location()->set_longitude(151.25);
  *update.changes.values.mutable_metadata() =
      StructOf(R"({"ship": "USS Hopper"})");
  update.changes.values.mutable_settings()->clear_script_types();
  update.changes.values.mutable_settings()->add_script_types("x");
  update.changes.values.set_time_zone("Asia/Tokyo");
  update.paths = {"username", "email", "metadata"};
  absl::StatusOr<UserUpdateResult> updated = store_.users.UpdateUser(update);
  ASSERT_TRUE(updated.ok()) << updated.status();
  const v1::User& user = updated->record.user;
  EXPECT_EQ(updated->record.version, 2);
  EXPECT_EQ(user.etag(), "2");
  EXPECT_EQ(user.username(), "Grace2");
  EXPECT_EQ(user.email(), "grace@navy.example");
  EXPECT_EQ(user.given_name(), "Ada");
  EXPECT_EQ(user.role(), v1::User::ROLE_ADMIN);
  EXPECT_EQ(user.birth_date().year(), 1906);
  EXPECT_EQ(user.location().latitude(), -33.5);
  EXPECT_EQ(user.location().longitude(), 151.25);
  EXPECT_TRUE(MessageDifferencer::Equals(
      user.metadata(), StructOf(R"({"ship": "USS Hopper"})")));
  EXPECT_EQ(user.settings().language(), "pt-BR");
  ASSERT_EQ(user.settings().script_types_size(), 1);
  EXPECT_EQ(user.time_zone(), "Asia/Tokyo");
  EXPECT_FALSE(updated->new_session.has_value());
  EXPECT_EQ(Micros(user.update_time()),
            StoredMicros("update_time", created.id));
  EXPECT_GE(Micros(user.update_time()), Micros(user.create_time()));
  EXPECT_EQ(Count("SELECT count(*) FROM users WHERE id = " +
                  std::to_string(created.id) +
                  " AND secure_metadata = '{\"pin\": \"TOPSECRET\"}' AND "
                  "password_hash LIKE '%SECRETHASH'"),
            1);

  absl::StatusOr<UserRecord> got = store_.users.GetUser(project_, created.id);
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_TRUE(MessageDifferencer::Equals(got->user, user));

  // Clearing the optional columns.
  UserUpdate clear = Update(created.id);
  Add(clear.changes.columns, UserColumn::kBirthDate);
  Add(clear.changes.columns, UserColumn::kLocation);
  Add(clear.changes.columns, UserColumn::kTimeZone);
  updated = store_.users.UpdateUser(clear);
  ASSERT_TRUE(updated.ok()) << updated.status();
  EXPECT_EQ(updated->record.user.time_zone(), "");
  EXPECT_FALSE(updated->record.user.has_birth_date());
  EXPECT_FALSE(updated->record.user.has_location());
  EXPECT_EQ(updated->record.user.given_name(), "Ada");
}

TEST_F(PostgresStoresTest, UpdateWritesOnlyTheMaskedColumns) {
  UserRecord created = Create(Everything("linus"));
  UserUpdate update = Update(created.id);
  update.changes = Everything("ignored");  // every value differs...
  update.changes.columns.reset();          // ...but only one is masked
  Add(update.changes.columns, UserColumn::kGivenName);
  update.changes.values.set_given_name("Linus");
  update.changes.values.set_family_name("must not be written");
  absl::StatusOr<UserUpdateResult> updated = store_.users.UpdateUser(update);
  ASSERT_TRUE(updated.ok()) << updated.status();
  v1::User expected = created.user;
  expected.set_given_name("Linus");
  expected.set_etag("2");
  *expected.mutable_update_time() = updated->record.user.update_time();
  EXPECT_TRUE(MessageDifferencer::Equals(updated->record.user, expected))
      << updated->record.user.DebugString();
}

// Two connections each read the user, then change a different field: both
// changes persist (no read-modify-write of the whole row).
TEST_F(PostgresStoresTest,
       UpdatesOfDifferentColumnsFromTwoConnectionsBothPersist) {
  UserRecord created = Create(Basics("pair"));
  PostgresStores other(TestDatabase::Get().connection_string(), kTimeout);
  ASSERT_TRUE(store_.users.GetUser(project_, created.id).ok());
  ASSERT_TRUE(other.users.GetUser(project_, created.id).ok());

  UserUpdate first = Update(created.id);
  Add(first.changes.columns, UserColumn::kGivenName);
  first.changes.values.set_given_name("Given");
  UserUpdate second = Update(created.id);
  Add(second.changes.columns, UserColumn::kFamilyName);
  second.changes.values.set_family_name("Family");
  ASSERT_TRUE(store_.users.UpdateUser(first).ok());
  ASSERT_TRUE(other.users.UpdateUser(second).ok());

  absl::StatusOr<UserRecord> got = store_.users.GetUser(project_, created.id);
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(got->user.given_name(), "Given");
  EXPECT_EQ(got->user.family_name(), "Family");
  EXPECT_EQ(got->version, 3);
}

TEST_F(PostgresStoresTest, StaleEtagAbortsAndWritesNothing) {
  UserRecord created = Create(Basics("etag"));
  UserUpdate update = Update(created.id);
  Add(update.changes.columns, UserColumn::kBio);
  update.changes.values.set_bio("first");
  update.expected_version = 1;
  ASSERT_TRUE(store_.users.UpdateUser(update).ok());

  update.changes.values.set_bio("second");
  absl::StatusOr<UserUpdateResult> stale = store_.users.UpdateUser(update);
  EXPECT_EQ(stale.status().code(), absl::StatusCode::kAborted);
  EXPECT_EQ(Reason(stale.status()), "ETAG_MISMATCH");

  absl::StatusOr<UserRecord> got = store_.users.GetUser(project_, created.id);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->user.bio(), "first");
  EXPECT_EQ(got->version, 2);
  EXPECT_EQ(Count("SELECT count(*) FROM user_events WHERE action = 'update' "
                  "AND user_id = " +
                  std::to_string(created.id)),
            1);

  update.expected_version = 2;
  absl::StatusOr<UserUpdateResult> current = store_.users.UpdateUser(update);
  ASSERT_TRUE(current.ok()) << current.status();
  EXPECT_EQ(current->record.user.bio(), "second");
  EXPECT_EQ(current->record.user.etag(), "3");
}

TEST_F(PostgresStoresTest, UpdateOrDeleteOfUnknownUserIsNotFound) {
  UserUpdate update = Update(987654321);
  Add(update.changes.columns, UserColumn::kBio);
  absl::StatusOr<UserUpdateResult> updated = store_.users.UpdateUser(update);
  EXPECT_EQ(updated.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(Reason(updated.status()), "USER_NOT_FOUND");
  update.expected_version = 1;
  updated = store_.users.UpdateUser(update);
  EXPECT_EQ(Reason(updated.status()), "USER_NOT_FOUND");
  update.sessions.end_all_sessions = true;
  updated = store_.users.UpdateUser(update);
  EXPECT_EQ(Reason(updated.status()), "USER_NOT_FOUND");
  EXPECT_EQ(store_.users.GetUser(project_, 987654321).status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(Reason(store_.users.DeleteUser(project_, 987654321, "users/1", "",
                                           std::nullopt)),
            "USER_NOT_FOUND");
}

TEST_F(PostgresStoresTest, UsernameOrEmailKeyTakenNamesTheField) {
  UserRecord alice = Create(Basics("Alice"));
  UserChanges same_name = Basics("aLICE");
  SetEmail(same_name, "other@example.com");
  absl::StatusOr<UserRecord> duplicate =
      store_.users.CreateUser(project_, same_name, "users/0", "", std::nullopt);
  EXPECT_EQ(duplicate.status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(Reason(duplicate.status()), "USERNAME_TAKEN");
  EXPECT_EQ(ViolatedField(duplicate.status()), "user.username");

  UserChanges same_email = Basics("bob");
  SetEmail(same_email, "ALICE@Example.COM");
  duplicate = store_.users.CreateUser(project_, same_email, "users/0", "",
                                      std::nullopt);
  EXPECT_EQ(duplicate.status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(Reason(duplicate.status()), "EMAIL_TAKEN");
  EXPECT_EQ(ViolatedField(duplicate.status()), "user.email");

  // The same through an update.
  UserRecord bob = Create(Basics("bob"));
  UserUpdate update = Update(bob.id);
  Add(update.changes.columns, UserColumn::kEmail);
  SetEmail(update.changes, "alice@EXAMPLE.com");
  absl::StatusOr<UserUpdateResult> updated = store_.users.UpdateUser(update);
  EXPECT_EQ(updated.status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(ViolatedField(updated.status()), "user.email");
  update.changes.columns.reset();
  Add(update.changes.columns, UserColumn::kUsername);
  SetUsername(update.changes, "ALICE");
  updated = store_.users.UpdateUser(update);
  EXPECT_EQ(ViolatedField(updated.status()), "user.username");
  // Nothing of either attempt was written.
  EXPECT_EQ(store_.users.GetUser(project_, bob.id)->version, 1);

  // Another project may use the same names.
  ASSERT_TRUE(store_.projects.EnsureProject(project_ + "-other").ok());
  EXPECT_TRUE(store_.users
                  .CreateUser(project_ + "-other", Basics("alice"), "users/0",
                              "", std::nullopt)
                  .ok());
  EXPECT_GT(alice.id, 0);
}

// The keys decide, not lower() of the identifiers nor the collation.
TEST_F(PostgresStoresTest, UniquenessIsByTheKeysAsGiven) {
  UserChanges plain = Basics("strasse");
  UserRecord first = Create(plain);
  UserChanges folded = Basics("other");
  folded.values.set_username(
      "Stra\xC3\x9F"
      "e");  // lower() tells it from strasse
  folded.username_key = "strasse";
  absl::StatusOr<UserRecord> duplicate =
      store_.users.CreateUser(project_, folded, "users/0", "", std::nullopt);
  EXPECT_EQ(Reason(duplicate.status()), "USERNAME_TAKEN");
  folded.username_key =
      "stra\xC3\x9F"
      "e";
  duplicate =
      store_.users.CreateUser(project_, folded, "users/0", "", std::nullopt);
  ASSERT_TRUE(duplicate.ok()) << duplicate.status();
  // Stored and returned as given; the key is stored beside it.
  EXPECT_EQ(duplicate->user.username(),
            "Stra\xC3\x9F"
            "e");
  EXPECT_EQ(TestDatabase::Get()
                .Query("SELECT username_key || ' ' || email_key FROM users "
                       "WHERE id = " +
                       std::to_string(duplicate->id))[0][0]
                .as<std::string>(),
            "stra\xC3\x9F"
            "e other@example.com");

  // Identifiers equal under lower() with different keys are different.
  UserChanges upper = Basics("STRASSE");
  upper.username_key = "strasse-2";
  upper.email_key = "strasse-2@example.com";
  absl::StatusOr<UserRecord> distinct =
      store_.users.CreateUser(project_, upper, "users/0", "", std::nullopt);
  ASSERT_TRUE(distinct.ok()) << distinct.status();
  EXPECT_NE(distinct->id, first.id);

  // An update writes the key with the identifier.
  UserUpdate update = Update(distinct->id);
  SetUsername(update.changes, "renamed");
  Add(update.changes.columns, UserColumn::kUsername);
  ASSERT_TRUE(store_.users.UpdateUser(update).ok());
  EXPECT_EQ(Count("SELECT count(*) FROM users WHERE username_key = 'renamed' "
                  "AND username = 'renamed' AND id = " +
                  std::to_string(distinct->id)),
            1);
}

// A login names a user by username or by email, never by the other: a
// username key equal to someone's email key does not capture their login.
TEST_F(PostgresStoresTest, FindLoginLooksUpOnlyTheNamedIdentifier) {
  UserRecord victim = Create(Basics("victim"));
  UserChanges impostor = Basics("impostor");
  impostor.username_key = "victim@example.com";
  UserRecord mallory = Create(impostor);

  absl::StatusOr<UserLogin> login = store_.users.FindLogin(
      project_, LoginIdentifier::kEmail, "victim@example.com");
  ASSERT_TRUE(login.ok()) << login.status();
  EXPECT_EQ(login->user_id, victim.id);
  login = store_.users.FindLogin(project_, LoginIdentifier::kUsername,
                                 "victim@example.com");
  ASSERT_TRUE(login.ok()) << login.status();
  EXPECT_EQ(login->user_id, mallory.id);
  login =
      store_.users.FindLogin(project_, LoginIdentifier::kUsername, "victim");
  ASSERT_TRUE(login.ok()) << login.status();
  EXPECT_EQ(login->user_id, victim.id);
  EXPECT_EQ(store_.users.FindLogin(project_, LoginIdentifier::kEmail, "victim")
                .status()
                .code(),
            absl::StatusCode::kNotFound);
  // Keys are matched exactly: folding is the caller's job.
  EXPECT_EQ(
      store_.users.FindLogin(project_, LoginIdentifier::kUsername, "VICTIM")
          .status()
          .code(),
      absl::StatusCode::kNotFound);
  // Other projects' users are not found.
  EXPECT_EQ(
      store_.users
          .FindLogin(project_ + "-none", LoginIdentifier::kUsername, "victim")
          .status()
          .code(),
      absl::StatusCode::kNotFound);
}

TEST_F(PostgresStoresTest, ChangingTheEmailResetsVerification) {
  UserRecord created = Create(Basics("verify"));
  TestDatabase::Get().Query(
      "UPDATE users SET email_verified = true WHERE id = " +
      std::to_string(created.id));
  UserUpdate update = Update(created.id);
  Add(update.changes.columns, UserColumn::kEmail);
  SetEmail(update.changes, "VERIFY@example.com");  // the same address
  absl::StatusOr<UserUpdateResult> updated = store_.users.UpdateUser(update);
  ASSERT_TRUE(updated.ok()) << updated.status();
  EXPECT_TRUE(updated->record.user.email_verified());
  EXPECT_EQ(updated->record.user.email(), "VERIFY@example.com");

  SetEmail(update.changes, "new@example.com");
  updated = store_.users.UpdateUser(update);
  ASSERT_TRUE(updated.ok()) << updated.status();
  EXPECT_FALSE(updated->record.user.email_verified());
  EXPECT_FALSE(
      store_.users.GetUser(project_, created.id)->user.email_verified());
}

TEST_F(PostgresStoresTest, WritesAuditRowsWithActorPathsAndRequestId) {
  UserRecord created = Create(Basics("audited"));
  UserUpdate update = Update(created.id);
  update.actor = "apiKeys/7";
  update.request_id = "req-42";
  update.paths = {"given_name", "settings.language"};
  Add(update.changes.columns, UserColumn::kGivenName);
  Add(update.changes.columns, UserColumn::kLanguage);
  ASSERT_TRUE(store_.users.UpdateUser(update).ok());
  ASSERT_TRUE(
      store_.users
          .DeleteUser(project_, created.id, "users/1", "req-del", std::nullopt)
          .ok());

  pqxx::result events = TestDatabase::Get().Query(
      "SELECT action, actor, paths::text, request_id FROM user_events "
      "WHERE project_id = '" +
      project_ + "' AND user_id = " + std::to_string(created.id) +
      " ORDER BY id");
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[0][0].as<std::string>(), "create");
  EXPECT_EQ(events[0][1].as<std::string>(), "users/0");
  EXPECT_EQ(events[0][3].as<std::string>(), "req-create");
  EXPECT_EQ(events[1][0].as<std::string>(), "update");
  EXPECT_EQ(events[1][1].as<std::string>(), "apiKeys/7");
  EXPECT_EQ(events[1][2].as<std::string>(),
            R"(["given_name", "settings.language"])");
  EXPECT_EQ(events[1][3].as<std::string>(), "req-42");
  EXPECT_EQ(events[2][0].as<std::string>(), "delete");
  EXPECT_EQ(events[2][3].as<std::string>(), "req-del");
}

TEST_F(PostgresStoresTest, RotatesTheCallersSessionWithTheUpdate) {
  UserRecord user = Create(Basics("rotate"));
  SessionRecord caller = Session(user.id, 'a');
  Session(user.id, 'b');
  UserUpdate update = Update(user.id);
  Add(update.changes.columns, UserColumn::kEmail);
  SetEmail(update.changes, "rotated@example.com");
  update.sessions.rotate_session_id = caller.id;
  update.sessions.replacement = NewSession{TokenHash('c'), 600};
  const int64_t now = std::chrono::duration_cast<std::chrono::seconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  absl::StatusOr<UserUpdateResult> updated = store_.users.UpdateUser(update);
  ASSERT_TRUE(updated.ok()) << updated.status();
  ASSERT_TRUE(updated->new_session.has_value());
  EXPECT_EQ(updated->new_session->user_id, user.id);
  EXPECT_EQ(updated->new_session->project_id, project_);
  EXPECT_NEAR(updated->new_session->expire_time_unix, now + 600, 60);
  EXPECT_EQ(updated->record.user.email(), "rotated@example.com");

  EXPECT_EQ(store_.credentials.FindToken(TokenHash('a')).status().code(),
            absl::StatusCode::kNotFound);
  absl::StatusOr<TokenRecord> replacement =
      store_.credentials.FindToken(TokenHash('c'));
  ASSERT_TRUE(replacement.ok()) << replacement.status();
  EXPECT_EQ(replacement->id, updated->new_session->id);
  EXPECT_TRUE(store_.credentials.FindToken(TokenHash('b'))
                  .ok());  // other sessions stay
}

// The replacement's hash collides with a live session: the insert fails,
// and with it the update, the audit row and the deletion of the old session.
TEST_F(PostgresStoresTest, FailedRotationRollsBackTheUpdate) {
  UserRecord user = Create(Basics("atomic"));
  SessionRecord caller = Session(user.id, 'd');
  Session(user.id, 'e');
  UserUpdate update = Update(user.id);
  Add(update.changes.columns, UserColumn::kPasswordHash);
  update.changes.password_hash = "$argon2id$new";
  update.sessions.rotate_session_id = caller.id;
  update.sessions.replacement = NewSession{TokenHash('e'), 600};
  absl::StatusOr<UserUpdateResult> updated = store_.users.UpdateUser(update);
  EXPECT_EQ(updated.status().code(), absl::StatusCode::kAlreadyExists);

  EXPECT_EQ(store_.users.GetUser(project_, user.id)->version, 1);
  EXPECT_TRUE(store_.credentials.FindToken(TokenHash('d')).ok());
  EXPECT_EQ(Count("SELECT count(*) FROM user_events WHERE action = 'update' "
                  "AND user_id = " +
                  std::to_string(user.id)),
            0);
  absl::StatusOr<UserLogin> login =
      store_.users.FindLogin(project_, LoginIdentifier::kUsername, "atomic");
  ASSERT_TRUE(login.ok());
  EXPECT_EQ(login->password_hash, Basics("x").password_hash);
}

TEST_F(PostgresStoresTest, EndsAllSessionsWithTheUpdateAndKeepsTheRotatedOne) {
  UserRecord user = Create(Basics("endall"));
  UserRecord bystander = Create(Basics("bystander"));
  SessionRecord caller = Session(user.id, 'f');
  Session(user.id, 'g');
  Session(bystander.id, 'h');

  // With a stale etag nothing happens, sessions included.
  UserUpdate update = Update(user.id);
  Add(update.changes.columns, UserColumn::kPasswordHash);
  update.changes.password_hash = "$argon2id$changed";
  update.expected_version = 5;
  update.sessions.end_all_sessions = true;
  update.sessions.rotate_session_id = caller.id;
  update.sessions.replacement = NewSession{TokenHash('i'), 600};
  EXPECT_EQ(Reason(store_.users.UpdateUser(update).status()), "ETAG_MISMATCH");
  EXPECT_TRUE(store_.credentials.FindToken(TokenHash('f')).ok());
  EXPECT_TRUE(store_.credentials.FindToken(TokenHash('g')).ok());

  update.expected_version = 1;
  absl::StatusOr<UserUpdateResult> updated = store_.users.UpdateUser(update);
  ASSERT_TRUE(updated.ok()) << updated.status();
  ASSERT_TRUE(updated->new_session.has_value());
  EXPECT_FALSE(store_.credentials.FindToken(TokenHash('f')).ok());
  EXPECT_FALSE(store_.credentials.FindToken(TokenHash('g')).ok());
  EXPECT_TRUE(store_.credentials.FindToken(TokenHash('h')).ok());
  EXPECT_TRUE(store_.credentials.FindToken(TokenHash('i')).ok());
  EXPECT_EQ(Count("SELECT count(*) FROM sessions WHERE user_id = " +
                  std::to_string(user.id)),
            1);

  // Without rotation (e.g. an admin key changed the password): all end.
  UserUpdate by_admin = Update(user.id);
  by_admin.sessions.end_all_sessions = true;
  updated = store_.users.UpdateUser(by_admin);
  ASSERT_TRUE(updated.ok()) << updated.status();
  EXPECT_FALSE(updated->new_session.has_value());
  EXPECT_FALSE(store_.credentials.FindToken(TokenHash('i')).ok());
}

TEST_F(PostgresStoresTest, RotationOfAnEndedSessionCreatesNone) {
  UserRecord user = Create(Basics("gone"));
  SessionRecord caller = Session(user.id, 'j');
  ASSERT_TRUE(
      store_.sessions.DeleteSession(project_, caller.id, std::nullopt).ok());
  EXPECT_EQ(
      Reason(store_.sessions.DeleteSession(project_, caller.id, std::nullopt)),
      "SESSION_NOT_FOUND");
  UserUpdate update = Update(user.id);
  Add(update.changes.columns, UserColumn::kEmail);
  SetEmail(update.changes, "gone2@example.com");
  update.sessions.rotate_session_id = caller.id;
  update.sessions.replacement = NewSession{TokenHash('k'), 600};
  absl::StatusOr<UserUpdateResult> updated = store_.users.UpdateUser(update);
  ASSERT_TRUE(updated.ok()) << updated.status();
  EXPECT_FALSE(updated->new_session.has_value());
  EXPECT_FALSE(store_.credentials.FindToken(TokenHash('k')).ok());
  EXPECT_EQ(updated->record.user.email(), "gone2@example.com");
}

TEST_F(PostgresStoresTest, FindsLiveSessionsButNotExpiredOnes) {
  UserChanges admin = Basics("sessionuser");
  Add(admin.columns, UserColumn::kRole);
  admin.values.set_role(v1::User::ROLE_ADMIN);
  UserRecord user = Create(admin);
  SessionRecord live = Session(user.id, 'l');
  Session(user.id, 'm', -1);  // expired a second ago

  absl::StatusOr<TokenRecord> token =
      store_.credentials.FindToken(TokenHash('l'));
  ASSERT_TRUE(token.ok()) << token.status();
  EXPECT_EQ(token->kind, TokenRecord::Kind::kSession);
  EXPECT_EQ(token->project_id, project_);
  EXPECT_EQ(token->id, live.id);
  EXPECT_EQ(token->user_id, user.id);
  EXPECT_EQ(token->user_role, v1::User::ROLE_ADMIN);
  EXPECT_TRUE(token->scopes.empty());
  // What is left of its hour, which bounds how long it may be cached.
  ASSERT_TRUE(token->expires_in_ms.has_value());
  EXPECT_GT(*token->expires_in_ms, 3500 * 1000);
  EXPECT_LE(*token->expires_in_ms, 3600 * 1000);

  EXPECT_EQ(store_.credentials.FindToken(TokenHash('m')).status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(store_.credentials.FindToken(TokenHash('z')).status().code(),
            absl::StatusCode::kNotFound);
  // Hashes are bytes: a different last byte is a different token.
  std::string almost = TokenHash('l');
  almost[31] = '\xfe';
  EXPECT_FALSE(store_.credentials.FindToken(almost).ok());
  EXPECT_EQ(
      Reason(store_.sessions.CreateSession(LoginOf(424242, 'n', 60)).status()),
      "USER_NOT_FOUND");
}

TEST_F(PostgresStoresTest, FindsApiKeysWithAndWithoutUser) {
  UserRecord user = Create(Basics("keyowner"));
  absl::StatusOr<ApiKeyRecord> bound = store_.credentials.CreateApiKey(
      Key(TokenHash('o'), {"read", "write"}, user.id));
  ASSERT_TRUE(bound.ok()) << bound.status();
  EXPECT_EQ(bound->user_id, user.id);
  EXPECT_GT(bound->create_time_unix, 1'700'000'000);
  EXPECT_FALSE(bound->expire_time_unix.has_value());
  absl::StatusOr<ApiKeyRecord> unbound =
      store_.credentials.CreateApiKey(Key(TokenHash('p'), {"admin"}));
  ASSERT_TRUE(unbound.ok()) << unbound.status();
  EXPECT_NE(bound->id, unbound->id);
  // The same hash again is refused.
  EXPECT_EQ(store_.credentials.CreateApiKey(Key(TokenHash('o'), {"admin"}))
                .status()
                .code(),
            absl::StatusCode::kAlreadyExists);

  absl::StatusOr<TokenRecord> token =
      store_.credentials.FindToken(TokenHash('o'));
  ASSERT_TRUE(token.ok()) << token.status();
  EXPECT_EQ(token->kind, TokenRecord::Kind::kApiKey);
  EXPECT_EQ(token->id, bound->id);
  EXPECT_EQ(token->user_id, user.id);
  EXPECT_EQ(token->user_role, v1::User::ROLE_USER);
  EXPECT_EQ(token->scopes, (std::vector<std::string>{"read", "write"}));
  EXPECT_FALSE(token->is_operator);
  EXPECT_FALSE(token->expires_in_ms.has_value());  // a key without an end

  token = store_.credentials.FindToken(TokenHash('p'));
  ASSERT_TRUE(token.ok()) << token.status();
  EXPECT_EQ(token->kind, TokenRecord::Kind::kApiKey);
  EXPECT_FALSE(token->user_id.has_value());
  EXPECT_EQ(token->user_role, 0);
  EXPECT_EQ(token->scopes, std::vector<std::string>{"admin"});

  NewApiKey elsewhere = Key(TokenHash('q'), {});
  elsewhere.project_id = "no-such-project";
  EXPECT_EQ(Reason(store_.credentials.CreateApiKey(elsewhere).status()),
            "PROJECT_NOT_FOUND");
  EXPECT_EQ(
      Reason(store_.credentials.CreateApiKey(Key(TokenHash('r'), {}, 99999999))
                 .status()),
      "USER_NOT_FOUND");
}

TEST_F(PostgresStoresTest, ListsGetsExpiresAndDeletesApiKeys) {
  std::vector<int64_t> ids;
  for (char tag : {'1', '2', '3'}) {
    absl::StatusOr<ApiKeyRecord> key =
        store_.credentials.CreateApiKey(Key(TokenHash(tag), {"read"}));
    ASSERT_TRUE(key.ok()) << key.status();
    ids.push_back(key->id);
  }
  absl::StatusOr<std::vector<ApiKeyRecord>> page =
      store_.credentials.ListApiKeys(project_, 0, 2);
  ASSERT_TRUE(page.ok()) << page.status();
  ASSERT_EQ(page->size(), 2u);
  EXPECT_EQ((*page)[0].id, ids[0]);
  EXPECT_EQ((*page)[1].id, ids[1]);
  page = store_.credentials.ListApiKeys(project_, ids[1], 2);
  ASSERT_EQ(page->size(), 1u);
  EXPECT_EQ((*page)[0].id, ids[2]);
  EXPECT_TRUE(store_.credentials.ListApiKeys("other-project", 0, 10)->empty());

  EXPECT_EQ(store_.credentials.GetApiKey(project_, ids[0])->scopes,
            std::vector<std::string>{"read"});
  ASSERT_TRUE(store_.credentials.DeleteApiKey(project_, ids[0]).ok());
  EXPECT_EQ(Reason(store_.credentials.DeleteApiKey(project_, ids[0])),
            "API_KEY_NOT_FOUND");
  EXPECT_EQ(Reason(store_.credentials.GetApiKey(project_, ids[0]).status()),
            "API_KEY_NOT_FOUND");
  EXPECT_FALSE(
      store_.credentials.FindToken(TokenHash('1')).ok());  // revoked at once

  NewApiKey expiring = Key(TokenHash('4'), {"read"});
  expiring.expire_time_unix = 4'000'000'000;
  absl::StatusOr<ApiKeyRecord> later =
      store_.credentials.CreateApiKey(expiring);
  ASSERT_TRUE(later.ok()) << later.status();
  EXPECT_EQ(later->expire_time_unix, 4'000'000'000);
  EXPECT_TRUE(store_.credentials.FindToken(TokenHash('4')).ok());
  TestDatabase::Get().Query(
      "UPDATE api_keys SET expire_time = now() - interval '1 second' "
      "WHERE id = " +
      std::to_string(later->id));
  EXPECT_EQ(store_.credentials.FindToken(TokenHash('4')).status().code(),
            absl::StatusCode::kNotFound);
}

TEST_F(PostgresStoresTest, InstallingAnOperatorKeyRevokesThePreviousOne) {
  ASSERT_TRUE(store_.projects.EnsureProject("default").ok());
  ASSERT_TRUE(store_.credentials.InstallOperatorKey(TokenHash('x')).ok());
  ASSERT_TRUE(store_.credentials.InstallOperatorKey(TokenHash('x'))
                  .ok());  // idempotent
  absl::StatusOr<TokenRecord> first =
      store_.credentials.FindToken(TokenHash('x'));
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_TRUE(first->is_operator);
  EXPECT_EQ(first->project_id, "default");
  ASSERT_TRUE(store_.credentials.InstallOperatorKey(TokenHash('y')).ok());
  EXPECT_EQ(store_.credentials.FindToken(TokenHash('x')).status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_TRUE(store_.credentials.FindToken(TokenHash('y'))->is_operator);
  EXPECT_EQ(Count("SELECT count(*) FROM api_keys WHERE is_operator"), 1);
}

TEST_F(PostgresStoresTest, FindTokenCarriesItsProjectsCurrentSettings) {
  UserRecord user = Create(Basics("settings"));
  Session(user.id, 's');
  ASSERT_TRUE(
      store_.credentials.CreateApiKey(Key(TokenHash('t'), {"admin"})).ok());
  ProjectRecord change;
  change.id = project_;
  change.webhook_uri = "https://hooks.example/check";
  change.webhook_secret = "whsec-settings";
  change.password_min_length = 12;
  change.password_max_length = 40;
  ASSERT_TRUE(store_.projects.UpdateProject(change, true, true).ok());

  for (char tag : {'s', 't'}) {
    absl::StatusOr<TokenRecord> token =
        store_.credentials.FindToken(TokenHash(tag));
    ASSERT_TRUE(token.ok()) << token.status();
    EXPECT_EQ(token->project.id, project_) << tag;
    EXPECT_EQ(token->project.webhook_uri, "https://hooks.example/check");
    EXPECT_EQ(token->project.webhook_secret, "whsec-settings");
    EXPECT_EQ(token->project.password_min_length, 12);
    EXPECT_EQ(token->project.password_max_length, 40);
  }
}

TEST_F(PostgresStoresTest, NeverReturnsPasswordHashOrSecureMetadata) {
  UserRecord created = Create(Everything("secretive"));
  UserUpdate update = Update(created.id);
  Add(update.changes.columns, UserColumn::kBio);
  absl::StatusOr<UserUpdateResult> updated = store_.users.UpdateUser(update);
  ASSERT_TRUE(updated.ok());
  absl::StatusOr<UserRecord> got = store_.users.GetUser(project_, created.id);
  ASSERT_TRUE(got.ok());
  absl::StatusOr<std::vector<UserRecord>> listed =
      store_.users.ListUsers(project_, 0, 10);
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 1u);
  for (const v1::User* user : {&created.user, &updated->record.user, &got->user,
                               &listed->front().user}) {
    EXPECT_TRUE(user->password().empty());
    EXPECT_FALSE(user->has_secure_metadata());
    const std::string serialized = user->SerializeAsString();
    EXPECT_EQ(serialized.find("SECRETHASH"), std::string::npos);
    EXPECT_EQ(serialized.find("TOPSECRET"), std::string::npos);
    EXPECT_EQ(serialized.find("argon2"), std::string::npos);
  }
  // The hash is for FindLogin alone, by username key or email key.
  absl::StatusOr<UserLogin> login =
      store_.users.FindLogin(project_, LoginIdentifier::kUsername, "secretive");
  ASSERT_TRUE(login.ok()) << login.status();
  EXPECT_EQ(login->user_id, created.id);
  EXPECT_EQ(login->password_hash, Everything("x").password_hash);
  login = store_.users.FindLogin(project_, LoginIdentifier::kEmail,
                                 "secretive@example.com");
  ASSERT_TRUE(login.ok()) << login.status();
  EXPECT_EQ(login->user_id, created.id);
  EXPECT_EQ(
      store_.users.FindLogin(project_, LoginIdentifier::kUsername, "nobody")
          .status()
          .code(),
      absl::StatusCode::kNotFound);
}

TEST_F(PostgresStoresTest, ReturnsOnlySuspensionsInForce) {
  UserRecord created = Create(Basics("suspended"));
  TestDatabase::Get().Query(
      R"(UPDATE users SET suspensions = '[
           {"reason": "ended", "create_time": "2020-01-01T00:00:00Z",
            "expire_time": "2020-02-01T00:00:00Z"},
           {"reason": "open", "create_time": "2021-03-04T05:06:07.123456Z"},
           {"reason": "until", "create_time": "2022-01-01T00:00:00Z",
            "expire_time": "2999-01-01T00:00:00Z"}]' WHERE id = )" +
      std::to_string(created.id));
  absl::StatusOr<UserRecord> got = store_.users.GetUser(project_, created.id);
  ASSERT_TRUE(got.ok()) << got.status();
  ASSERT_EQ(got->user.suspensions_size(), 2);
  const v1::User::Suspension& open = got->user.suspensions(0);
  EXPECT_EQ(open.reason(), "open");
  EXPECT_EQ(open.create_time().seconds(), 1614834367);
  EXPECT_EQ(open.create_time().nanos(), 123456000);
  EXPECT_FALSE(open.has_expire_time());
  const v1::User::Suspension& until = got->user.suspensions(1);
  EXPECT_EQ(until.reason(), "until");
  EXPECT_EQ(until.expire_time().seconds(), 32472144000);
}

TEST_F(PostgresStoresTest, DeleteRemovesTheUserAndItsSessions) {
  UserRecord created = Create(Basics("deleted"));
  Session(created.id, 's');
  ASSERT_TRUE(
      store_.users.DeleteUser(project_, created.id, "users/1", "", std::nullopt)
          .ok());
  EXPECT_EQ(Reason(store_.users.GetUser(project_, created.id).status()),
            "USER_NOT_FOUND");
  EXPECT_FALSE(store_.credentials.FindToken(TokenHash('s')).ok());
  EXPECT_EQ(
      store_.users.DeleteUser(project_, created.id, "users/1", "", std::nullopt)
          .code(),
      absl::StatusCode::kNotFound);
}

TEST_F(PostgresStoresTest, ListsUsersInIdOrderAfterTheCursor) {
  std::vector<int64_t> ids;
  for (const char* name : {"l1", "l2", "l3", "l4", "l5"}) {
    ids.push_back(Create(Basics(name)).id);
  }
  absl::StatusOr<std::vector<UserRecord>> page =
      store_.users.ListUsers(project_, 0, 2);
  ASSERT_TRUE(page.ok()) << page.status();
  ASSERT_EQ(page->size(), 2u);
  EXPECT_EQ((*page)[0].id, ids[0]);
  EXPECT_EQ((*page)[1].id, ids[1]);
  page = store_.users.ListUsers(project_, ids[1], 10);
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->size(), 3u);
  EXPECT_EQ((*page)[2].id, ids[4]);
  EXPECT_EQ((*page)[2].user.username(), "l5");
  page = store_.users.ListUsers(project_ + "-empty", 0, 10);
  ASSERT_TRUE(page.ok());
  EXPECT_TRUE(page->empty());
}

TEST_F(PostgresStoresTest, ManagesProjects) {
  ProjectRecord project;
  project.id = project_ + "-new";
  project.webhook_uri = "https://hooks.example/validate";
  project.webhook_secret = "whsec";
  project.password_min_length = 10;
  project.password_max_length = 64;
  ASSERT_TRUE(store_.projects.CreateProject(project).ok());
  absl::Status duplicate = store_.projects.CreateProject(project);
  EXPECT_EQ(duplicate.code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(Reason(duplicate), "PROJECT_EXISTS");
  EXPECT_TRUE(store_.projects.EnsureProject(project.id).ok());

  absl::StatusOr<ProjectRecord> got = store_.projects.GetProject(project.id);
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(got->webhook_uri, project.webhook_uri);
  EXPECT_EQ(got->webhook_secret, "whsec");
  EXPECT_EQ(got->password_min_length, 10);
  EXPECT_EQ(got->password_max_length, 64);

  ProjectRecord change;
  change.id = project.id;
  change.webhook_uri = "https://hooks.example/v2";
  change.password_min_length = 1;
  change.password_max_length = 2;
  absl::StatusOr<ProjectRecord> updated =
      store_.projects.UpdateProject(change, /*webhook=*/true, /*policy=*/false);
  ASSERT_TRUE(updated.ok()) << updated.status();
  EXPECT_EQ(updated->webhook_uri, "https://hooks.example/v2");
  EXPECT_EQ(updated->webhook_secret, "");
  EXPECT_EQ(updated->password_min_length, 10);
  change.password_min_length = 12;
  change.password_max_length = 100;
  updated =
      store_.projects.UpdateProject(change, /*webhook=*/false, /*policy=*/true);
  ASSERT_TRUE(updated.ok()) << updated.status();
  EXPECT_EQ(updated->webhook_uri, "https://hooks.example/v2");
  EXPECT_EQ(updated->password_min_length, 12);
  EXPECT_EQ(updated->password_max_length, 100);

  EXPECT_EQ(Reason(store_.projects.GetProject("missing-project").status()),
            "PROJECT_NOT_FOUND");
  change.id = "missing-project";
  EXPECT_EQ(store_.projects.UpdateProject(change, true, true).status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(Reason(store_.users
                       .CreateUser("missing-project", Basics("u"), "users/0",
                                   "", std::nullopt)
                       .status()),
            "PROJECT_NOT_FOUND");
}

// The store's backend is killed from outside: the next call reports
// Unavailable and drops the connection, the one after reconnects.
TEST_F(PostgresStoresTest, AConnectionClosedWhileIdleIsReplacedUnnoticed) {
  const std::string application = "broken_connection_test";
  PostgresStores store(TestDatabase::Get().ConnectionStringWith(
                           {{"application_name", application}}),
                       kTimeout);
  UserRecord created = Create(Basics("survivor"));
  ASSERT_TRUE(store.users.GetUser(project_, created.id).ok());
  ASSERT_TRUE(store.connection.Healthy());

  const std::string backends =
      "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
      "AND application_name = '" +
      application + "'";
  const int64_t old_pid = Count(backends);
  // Waits (up to 5 s) until the backend has exited, as in a restart.
  ASSERT_TRUE(TestDatabase::Get()
                  .Query("SELECT pg_terminate_backend(" +
                         std::to_string(old_pid) + ", 5000)")[0][0]
                  .as<bool>());
  EXPECT_FALSE(store.connection.Healthy());  // seen without a round trip

  // The next call connects again instead of failing.
  absl::StatusOr<UserRecord> recovered =
      store.users.GetUser(project_, created.id);
  ASSERT_TRUE(recovered.ok()) << recovered.status();
  EXPECT_EQ(recovered->user.username(), "survivor");
  EXPECT_TRUE(store.connection.Healthy());
  EXPECT_NE(Count(backends), old_pid);

  // Prepared UPDATEs are prepared again on the new connection.
  UserUpdate update = Update(created.id);
  Add(update.changes.columns, UserColumn::kBio);
  update.changes.values.set_bio("after reconnect");
  absl::StatusOr<UserUpdateResult> updated = store.users.UpdateUser(update);
  ASSERT_TRUE(updated.ok()) << updated.status();
  EXPECT_EQ(updated->record.user.bio(), "after reconnect");
}

// A server that refuses writes on an open connection (SQLSTATE 25006, as a
// primary demoted to a standby does): Unavailable, and the connection is
// dropped like a broken one; the next call's new connection writes.
TEST_F(PostgresStoresTest, AReadOnlyRefusalDropsTheConnection) {
  const std::string application = "read_only_refusal_test";
  PostgresStores store(TestDatabase::Get().ConnectionStringWith(
                           {{"application_name", application}}),
                       kTimeout);
  UserRecord created = Create(Basics("readonly"));
  ASSERT_TRUE(store.users.GetUser(project_, created.id).ok());
  const std::string backend =
      "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
      "AND application_name = '" +
      application + "'";
  const int64_t old_pid = Count(backend);
  // The refusal a standby gives, raised by the server for this one value.
  TestDatabase::Get().Query(R"sql(
CREATE FUNCTION refuse_as_read_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'cannot execute UPDATE in a read-only transaction'
    USING ERRCODE = 'read_only_sql_transaction';
END $$;
CREATE TRIGGER refuse_as_read_only BEFORE UPDATE ON users FOR EACH ROW
  WHEN (NEW.bio = 'refused') EXECUTE FUNCTION refuse_as_read_only();
)sql");
  UserUpdate update = Update(created.id);
  Add(update.changes.columns, UserColumn::kBio);
  update.changes.values.set_bio("refused");
  absl::StatusOr<UserUpdateResult> refused = store.users.UpdateUser(update);
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(Reason(refused.status()), "DATABASE_UNAVAILABLE");
  EXPECT_FALSE(
      store.connection.Healthy());  // dropped, not kept for the next call

  update.changes.values.set_bio("written");
  absl::StatusOr<UserUpdateResult> written = store.users.UpdateUser(update);
  ASSERT_TRUE(written.ok()) << written.status();
  EXPECT_EQ(written->record.user.bio(), "written");
  EXPECT_NE(Count(backend), old_pid);  // on a new connection
}

// A new connection only goes to a server that accepts writes (libpq's
// target_session_attrs=read-write, which the store asks for by default):
// connecting to a read-only one is Unavailable, nothing is kept, and once
// the server accepts writes again a call connects and writes.
TEST_F(PostgresStoresTest, AReadOnlyServerIsNotConnectedTo) {
  PostgresStores store(TestDatabase::Get().connection_string(), kTimeout);
  UserRecord created = Create(Basics("standby"));
  // New sessions of this database start read-only, as on a standby.
  TestDatabase::Get().Query(
      "DO $$ BEGIN EXECUTE format('ALTER DATABASE %I SET "
      "default_transaction_read_only = on', current_database()); END $$");
  UserUpdate update = Update(created.id);
  Add(update.changes.columns, UserColumn::kBio);
  update.changes.values.set_bio("refused");
  absl::StatusOr<UserUpdateResult> refused = store.users.UpdateUser(update);
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(Reason(refused.status()), "DATABASE_UNAVAILABLE");
  EXPECT_FALSE(store.connection.Healthy());

  TestDatabase::Get().Query(
      "SET TRANSACTION READ WRITE; "
      "DO $$ BEGIN EXECUTE format('ALTER DATABASE %I RESET "
      "default_transaction_read_only', current_database()); END $$");
  // Calls within the store's short reconnect back-off fail at once; the
  // first one after it connects.
  update.changes.values.set_bio("written");
  const auto deadline = std::chrono::steady_clock::now() + kTimeout;
  absl::StatusOr<UserUpdateResult> written = store.users.UpdateUser(update);
  while (!written.ok() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    written = store.users.UpdateUser(update);
  }
  ASSERT_TRUE(written.ok()) << written.status();
  EXPECT_EQ(written->record.user.bio(), "written");
  EXPECT_EQ(Count("SELECT count(*) FROM users WHERE bio = 'refused'"), 0);
}

// The server ends the backend while it commits (a deferred constraint trigger
// terminates its own backend, so the COMMIT gets no answer): whether the
// change was made is unknown to the store, which says so with
// Unavailable/COMMIT_UNKNOWN and a RetryInfo of 1 s, and drops the
// connection. Both ways of committing: the COMMIT of a transaction (an
// update that rotates a session) and an autocommit UPDATE.
TEST_F(PostgresStoresTest, ALostCommitIsCommitUnknown) {
  PostgresStores store(TestDatabase::Get().connection_string(), kTimeout);
  UserRecord created = Create(Basics("doubtful"));
  SessionRecord session = Session(created.id, 'd');
  TestDatabase::Get().Query(R"sql(
CREATE FUNCTION end_backend_at_commit() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_terminate_backend(pg_backend_pid());
  RETURN NULL;
END $$;
CREATE CONSTRAINT TRIGGER end_backend_at_commit AFTER UPDATE ON users
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
  WHEN (NEW.bio = 'lost at commit')
  EXECUTE FUNCTION end_backend_at_commit();
)sql");

  UserUpdate in_transaction = Update(created.id);
  Add(in_transaction.changes.columns, UserColumn::kBio);
  in_transaction.changes.values.set_bio("lost at commit");
  in_transaction.sessions.rotate_session_id = session.id;
  in_transaction.sessions.replacement = NewSession{TokenHash('e'), 3600};
  UserUpdate autocommit = Update(created.id);
  Add(autocommit.changes.columns, UserColumn::kBio);
  autocommit.changes.values.set_bio("lost at commit");

  for (const UserUpdate& update : {in_transaction, autocommit}) {
    ASSERT_TRUE(store.maintenance.Ping().ok());  // connected before the update
    absl::Status lost = store.users.UpdateUser(update).status();
    EXPECT_EQ(lost.code(), absl::StatusCode::kUnavailable) << lost;
    EXPECT_EQ(Reason(lost), "COMMIT_UNKNOWN") << lost;
    google::rpc::RetryInfo retry;
    ASSERT_TRUE(GetRetryInfo(ApiErrorFromStore(lost), &retry));
    EXPECT_EQ(retry.retry_delay().seconds(), 1);
    EXPECT_NE(lost.message().find("request_id"), std::string::npos)
        << lost.message();
    EXPECT_FALSE(store.connection.Healthy());  // dropped
  }

  // The next call works on a new connection.
  UserUpdate after = Update(created.id);
  Add(after.changes.columns, UserColumn::kBio);
  after.changes.values.set_bio("after the lost commit");
  absl::StatusOr<UserUpdateResult> written = store.users.UpdateUser(after);
  ASSERT_TRUE(written.ok()) << written.status();
  EXPECT_EQ(written->record.user.bio(), "after the lost commit");
}

// An error the server raises at commit on a connection that stays up (here
// a deferred check that fails) is not in doubt: nothing was written.
TEST_F(PostgresStoresTest, AnErrorAtCommitOnALiveConnectionIsNotInDoubt) {
  PostgresStores store(TestDatabase::Get().connection_string(), kTimeout);
  UserRecord created = Create(Basics("certain"));
  SessionRecord session = Session(created.id, 'c');
  TestDatabase::Get().Query(R"sql(
CREATE FUNCTION fail_at_commit() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'refused at commit' USING ERRCODE = 'check_violation';
END $$;
CREATE CONSTRAINT TRIGGER fail_at_commit AFTER UPDATE ON users
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
  WHEN (NEW.bio = 'refused at commit') EXECUTE FUNCTION fail_at_commit();
)sql");
  UserUpdate update = Update(created.id);
  Add(update.changes.columns, UserColumn::kBio);
  update.changes.values.set_bio("refused at commit");
  update.sessions.rotate_session_id = session.id;
  update.sessions.replacement = NewSession{TokenHash('f'), 3600};
  absl::Status refused = store.users.UpdateUser(update).status();
  EXPECT_EQ(refused.code(), absl::StatusCode::kInternal) << refused;
  EXPECT_EQ(Reason(refused), "INTERNAL");
  EXPECT_TRUE(store.connection.Healthy());
  EXPECT_EQ(Count("SELECT count(*) FROM users WHERE bio = 'refused at commit'"),
            0);
}

// A DATABASE_URL with several hosts: libpq tries them in order, so a dead
// first host (nothing listens on port 1) is passed over for the live one.
TEST_F(PostgresStoresTest, ASecondHostIsUsedWhenTheFirstIsDown) {
  const std::string port =
      TestDatabase::Get().Query("SELECT inet_server_port()")[0][0].c_str();
  PostgresStores store(TestDatabase::Get().ConnectionStringWith(
                           {{"host", "127.0.0.1,127.0.0.1"},
                            {"port", "1," + port},
                            {"target_session_attrs", "read-write"}}),
                       kTimeout);
  UserRecord created = Create(Basics("second_host"));
  absl::StatusOr<UserRecord> read = store.users.GetUser(project_, created.id);
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ(read->user.username(), "second_host");
}

// A statement stuck behind a row lock is cancelled by statement_timeout:
// Unavailable, and the connection stays usable.
TEST_F(PostgresStoresTest, StatementTimeoutIsUnavailable) {
  PostgresStores store(TestDatabase::Get().connection_string(),
                       std::chrono::milliseconds(200));
  UserRecord created = Create(Basics("locked"));
  UserUpdate update = Update(created.id);
  Add(update.changes.columns, UserColumn::kBio);
  update.changes.values.set_bio("late");

  pqxx::connection locker(TestDatabase::Get().connection_string());
  pqxx::work lock(locker);
  lock.exec("SELECT 1 FROM users WHERE id = " + std::to_string(created.id) +
            " FOR UPDATE");
  std::future<absl::Status> blocked = std::async(std::launch::async, [&] {
    return store.users.UpdateUser(update).status();
  });
  const bool cancelled_in_time =
      blocked.wait_for(std::chrono::seconds(20)) == std::future_status::ready;
  lock.abort();
  EXPECT_TRUE(cancelled_in_time);
  absl::Status status = blocked.get();
  EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(Reason(status), "DATABASE_UNAVAILABLE");
  EXPECT_TRUE(store.connection.Healthy());

  absl::StatusOr<UserUpdateResult> updated = store.users.UpdateUser(update);
  ASSERT_TRUE(updated.ok()) << updated.status();
  EXPECT_EQ(updated->record.version, 2);  // the cancelled one wrote nothing
}

TEST(PostgresConnectionTest, RefusedConnectionIsUnavailableQuickly) {
  PostgresStores store("postgresql://postgres@127.0.0.1:1/users",
                       std::chrono::seconds(1));
  const auto start = std::chrono::steady_clock::now();
  absl::Status status = store.maintenance.Ping();
  EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(Reason(status), "DATABASE_UNAVAILABLE");
  EXPECT_EQ(store.users.GetUser("p", 1).status().code(),
            absl::StatusCode::kUnavailable);
  EXPECT_FALSE(store.connection.Healthy());
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
}

// A server that accepts TCP connections but never answers: connect_timeout
// bounds the wait.
TEST(PostgresConnectionTest, SilentServerIsUnavailableWithinConnectTimeout) {
  int listener = socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(listener, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  ASSERT_EQ(
      bind(listener, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
  ASSERT_EQ(listen(listener, 16), 0);
  socklen_t length = sizeof address;
  ASSERT_EQ(
      getsockname(listener, reinterpret_cast<sockaddr*>(&address), &length), 0);
  const int port = ntohs(address.sin_port);

  PostgresStores store(
      "postgresql://postgres@127.0.0.1:" + std::to_string(port) + "/users",
      std::chrono::seconds(1), std::chrono::seconds(2));
  const auto start = std::chrono::steady_clock::now();
  absl::Status status = store.maintenance.Ping();
  const auto elapsed = std::chrono::steady_clock::now() - start;
  close(listener);
  EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable);
  EXPECT_LT(elapsed, std::chrono::seconds(10));
  // Right after a failed attempt the store fails fast instead of retrying.
  const auto again = std::chrono::steady_clock::now();
  EXPECT_EQ(store.maintenance.Ping().code(), absl::StatusCode::kUnavailable);
  EXPECT_LT(std::chrono::steady_clock::now() - again, std::chrono::seconds(1));
}

TEST(PostgresConnectionTest, MalformedConnectionStringIsInvalidArgument) {
  PostgresStores store("host=h nonsense", std::chrono::seconds(1));
  EXPECT_EQ(store.maintenance.Ping().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(PostgresStoresTest, CountsLoginFailuresPerAddressAndPerIdentifier) {
  LoginAttempt here{project_, "ann", "192.0.2.1"};
  LoginAttempt there{project_, "ann", "198.51.100.7"};
  absl::StatusOr<LoginFailures> none =
      store_.sessions.GetLoginFailures(here, 3, 3600);
  ASSERT_TRUE(none.ok()) << none.status();
  EXPECT_EQ(none->consecutive_failures, 0);
  EXPECT_FALSE(none->limit_reached_time.has_value());
  EXPECT_GT(none->now, 1.7e9);

  ASSERT_TRUE(store_.sessions.RecordLoginFailure(here).ok());
  ASSERT_TRUE(store_.sessions.RecordLoginFailure(here).ok());
  ASSERT_TRUE(store_.sessions.RecordLoginFailure(there).ok());
  absl::StatusOr<LoginFailures> mine =
      store_.sessions.GetLoginFailures(here, 3, 3600);
  ASSERT_TRUE(mine.ok()) << mine.status();
  EXPECT_EQ(mine->consecutive_failures, 2);
  EXPECT_NEAR(mine->last_failure_time, mine->now, 5);
  // Three failures of "ann" from anywhere reach a limit of 3...
  ASSERT_TRUE(mine->limit_reached_time.has_value());
  EXPECT_LE(*mine->limit_reached_time, mine->now);
  // ...but not one of 4, and other identifiers are untouched.
  EXPECT_FALSE(
      store_.sessions.GetLoginFailures(here, 4, 3600)->limit_reached_time);
  absl::StatusOr<LoginFailures> other = store_.sessions.GetLoginFailures(
      LoginAttempt{project_, "bob", "192.0.2.1"}, 1, 3600);
  EXPECT_EQ(other->consecutive_failures, 0);
  EXPECT_FALSE(other->limit_reached_time.has_value());
  // Failures older than the window do not count.
  TestDatabase::Get().Query(
      "UPDATE login_failures SET failure_time = now() - interval '2 hours'");
  EXPECT_FALSE(
      store_.sessions.GetLoginFailures(here, 1, 3600)->limit_reached_time);
}

TEST_F(PostgresStoresTest, ALoginEndsItsAddressesFailureStreakOnly) {
  UserRecord user = Create(Basics("streaky"));
  SessionLogin login = LoginOf(user.id, 't');
  LoginAttempt elsewhere = login.attempt;
  elsewhere.client_address = "203.0.113.5";
  ASSERT_TRUE(store_.sessions.RecordLoginFailure(login.attempt).ok());
  ASSERT_TRUE(store_.sessions.RecordLoginFailure(elsewhere).ok());
  ASSERT_TRUE(store_.sessions.CreateSession(login).ok());
  EXPECT_EQ(store_.sessions.GetLoginFailures(login.attempt, 100, 3600)
                ->consecutive_failures,
            0);
  EXPECT_EQ(store_.sessions.GetLoginFailures(elsewhere, 100, 3600)
                ->consecutive_failures,
            1);
  // The identifier's hourly log is not wiped by a success.
  EXPECT_TRUE(store_.sessions.GetLoginFailures(login.attempt, 2, 3600)
                  ->limit_reached_time);
}

TEST_F(PostgresStoresTest, NoSessionFromAPasswordThatChangedMeanwhile) {
  UserRecord user = Create(Basics("racer"));
  SessionLogin login = LoginOf(user.id, 'u');
  UserUpdate update = Update(user.id);
  update.changes.columns.set(static_cast<size_t>(UserColumn::kPasswordHash));
  update.changes.password_hash = "$argon2id$changed-meanwhile";
  ASSERT_TRUE(store_.users.UpdateUser(update).ok());
  absl::StatusOr<SessionRecord> session = store_.sessions.CreateSession(login);
  EXPECT_EQ(session.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(Reason(session.status()), "PASSWORD_CHANGED");
  EXPECT_EQ(Count("SELECT count(*) FROM sessions WHERE user_id = " +
                  std::to_string(user.id)),
            0);
}

TEST_F(PostgresStoresTest, ALoginBeyondTheLimitEndsTheOldestSessions) {
  UserRecord user = Create(Basics("hoarder"));
  const std::string count = "SELECT count(*) FROM sessions WHERE user_id = " +
                            std::to_string(user.id);
  std::vector<int64_t> ids;
  for (char tag : {'1', '2', '3', '4'}) {
    SessionLogin login = LoginOf(user.id, tag);
    login.max_sessions = 3;
    absl::StatusOr<SessionRecord> session =
        store_.sessions.CreateSession(login);
    ASSERT_TRUE(session.ok()) << session.status();
    ids.push_back(session->id);
  }
  EXPECT_EQ(Count(count), 3);
  EXPECT_EQ(store_.credentials.FindToken(TokenHash('1')).status().code(),
            absl::StatusCode::kNotFound);  // the oldest ended
  EXPECT_TRUE(store_.credentials.FindToken(TokenHash('2')).ok());
  EXPECT_TRUE(store_.credentials.FindToken(TokenHash('4')).ok());
}

TEST_F(PostgresStoresTest, HousekeepingDeletesOnlyWhatIsStaleInBatches) {
  UserRecord user = Create(Basics("sweeper"));
  for (char tag : {'a', 'b', 'c'}) Session(user.id, tag, -60);  // expired
  Session(user.id, 'd');                                        // live
  LoginAttempt old_attempt{project_, "old", "192.0.2.9"};
  LoginAttempt new_attempt{project_, "new", "192.0.2.9"};
  ASSERT_TRUE(store_.sessions.RecordLoginFailure(old_attempt).ok());
  ASSERT_TRUE(store_.sessions.RecordLoginFailure(new_attempt).ok());
  TestDatabase::Get().Query(
      "UPDATE login_failures SET failure_time = now() - interval '2 hours' "
      "WHERE identifier_key = 'old'");
  TestDatabase::Get().Query(
      "UPDATE login_failure_streaks "
      "SET last_failure_time = now() - interval '2 days' "
      "WHERE identifier_key = 'old'");

  absl::StatusOr<Housekeeping> first =
      store_.maintenance.DeleteStaleRows(2, 3600, 86400);
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(first->expired_sessions, 2);  // one batch
  EXPECT_EQ(first->login_failures, 1);
  EXPECT_EQ(first->failure_streaks, 1);
  absl::StatusOr<Housekeeping> second =
      store_.maintenance.DeleteStaleRows(2, 3600, 86400);
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ(second->expired_sessions, 1);
  EXPECT_EQ(second->login_failures, 0);
  EXPECT_EQ(second->failure_streaks, 0);
  EXPECT_TRUE(store_.credentials.FindToken(TokenHash('d')).ok());
  EXPECT_EQ(store_.sessions.GetLoginFailures(new_attempt, 1, 3600)
                ->consecutive_failures,
            1);
}

TEST_F(PostgresStoresTest, SuspendAddsASuspensionEndsSessionsAndAudits) {
  UserRecord user = Create(Basics("suspendee"));
  Session(user.id, 'a');
  Session(user.id, 'b');
  ASSERT_TRUE(
      store_.credentials.CreateApiKey(Key(TokenHash('k'), {"read"}, user.id))
          .ok());
  const int64_t before = Count(
      "SELECT (extract(epoch FROM now()) * 1000000)"
      "::bigint");

  absl::StatusOr<UserRecord> suspended =
      store_.users.SuspendUser(SuspensionOf(user.id, "spam"));
  ASSERT_TRUE(suspended.ok()) << suspended.status();
  ASSERT_EQ(suspended->user.suspensions_size(), 1);
  const v1::User::Suspension& suspension = suspended->user.suspensions(0);
  EXPECT_EQ(suspension.reason(), "spam");
  EXPECT_GE(Micros(suspension.create_time()), before);
  EXPECT_FALSE(suspension.has_expire_time());
  EXPECT_EQ(suspended->version, user.version + 1);
  EXPECT_EQ(Micros(suspended->user.update_time()),
            Micros(suspension.create_time()));

  EXPECT_EQ(Count("SELECT count(*) FROM sessions WHERE user_id = " +
                  std::to_string(user.id)),
            0);
  EXPECT_EQ(store_.credentials.FindToken(TokenHash('a')).status().code(),
            absl::StatusCode::kNotFound);
  absl::StatusOr<TokenRecord> key =
      store_.credentials.FindToken(TokenHash('k'));
  ASSERT_TRUE(key.ok()) << key.status();
  EXPECT_TRUE(key->user_suspended);

  // The documented stored shape: no expire_time key for no end.
  nlohmann::json stored = StoredSuspensions(user.id);
  ASSERT_EQ(stored.size(), 1u);
  EXPECT_EQ(stored[0]["reason"], "spam");
  EXPECT_TRUE(stored[0]["create_time"].is_string());
  EXPECT_FALSE(stored[0].contains("expire_time"));

  pqxx::result events = TestDatabase::Get().Query(
      "SELECT action, actor, request_id FROM user_events WHERE project_id = '" +
      project_ + "' AND user_id = " + std::to_string(user.id) + " ORDER BY id");
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[1][0].as<std::string>(), "suspend");
  EXPECT_EQ(events[1][1].as<std::string>(), "apiKeys/9");
  EXPECT_EQ(events[1][2].as<std::string>(), "req-suspend");
}

TEST_F(PostgresStoresTest, SuspensionsWithAnEndAddUpAndStoreTheEnd) {
  UserRecord user = Create(Basics("timed"));
  UserSuspension first = SuspensionOf(user.id, "first");
  first.expire_time_micros = 32472144000000000;  // 2999-01-01
  ASSERT_TRUE(store_.users.SuspendUser(first).ok());
  absl::StatusOr<UserRecord> second =
      store_.users.SuspendUser(SuspensionOf(user.id, "second"));
  ASSERT_TRUE(second.ok()) << second.status();
  ASSERT_EQ(second->user.suspensions_size(), 2);
  EXPECT_EQ(second->user.suspensions(0).reason(), "first");
  EXPECT_EQ(Micros(second->user.suspensions(0).expire_time()),
            32472144000000000);
  EXPECT_EQ(second->user.suspensions(1).reason(), "second");
  EXPECT_EQ(StoredSuspensions(user.id)[0]["expire_time"],
            "2999-01-01T00:00:00.000000Z");
}

TEST_F(PostgresStoresTest, SuspendOrUnsuspendOfUnknownUserIsNotFound) {
  EXPECT_EQ(
      Reason(store_.users.SuspendUser(SuspensionOf(987654321, "x")).status()),
      "USER_NOT_FOUND");
  EXPECT_EQ(Reason(store_.users
                       .UnsuspendUser(project_, 987654321, "users/1", "",
                                      std::nullopt)
                       .status()),
            "USER_NOT_FOUND");
  EXPECT_EQ(Count("SELECT count(*) FROM user_events WHERE user_id = "
                  "987654321"),
            0);
}

TEST_F(PostgresStoresTest, UnsuspendEndsTheActiveSuspensionsAndKeepsThem) {
  UserRecord user = Create(Basics("pardoned"));
  TestDatabase::Get().Query(
      R"(UPDATE users SET suspensions = '[
           {"reason": "long ago", "create_time": "2020-01-01T00:00:00Z",
            "expire_time": "2020-02-01T00:00:00Z"}]' WHERE id = )" +
      std::to_string(user.id));
  ASSERT_TRUE(store_.users.SuspendUser(SuspensionOf(user.id, "open")).ok());
  UserSuspension timed = SuspensionOf(user.id, "timed");
  timed.expire_time_micros = 32472144000000000;
  ASSERT_TRUE(store_.users.SuspendUser(timed).ok());
  ASSERT_TRUE(
      store_.credentials.CreateApiKey(Key(TokenHash('k'), {"read"}, user.id))
          .ok());
  ASSERT_TRUE(store_.credentials.FindToken(TokenHash('k'))->user_suspended);

  absl::StatusOr<UserRecord> unsuspended = store_.users.UnsuspendUser(
      project_, user.id, "users/1", "req-unsuspend", std::nullopt);
  ASSERT_TRUE(unsuspended.ok()) << unsuspended.status();
  EXPECT_EQ(unsuspended->user.suspensions_size(), 0);
  EXPECT_FALSE(store_.credentials.FindToken(TokenHash('k'))->user_suspended);
  EXPECT_TRUE(store_.sessions.CreateSession(LoginOf(user.id, 's')).ok());

  // History stays: the ended ones end now, the old one keeps its end.
  nlohmann::json stored = StoredSuspensions(user.id);
  ASSERT_EQ(stored.size(), 3u);
  EXPECT_EQ(stored[0]["expire_time"], "2020-02-01T00:00:00Z");
  EXPECT_EQ(stored[1]["reason"], "open");
  EXPECT_EQ(stored[2]["reason"], "timed");
  EXPECT_EQ(stored[1]["expire_time"], stored[2]["expire_time"]);
  EXPECT_EQ(Count("SELECT count(*) FROM users, jsonb_array_elements("
                  "suspensions) AS s WHERE id = " +
                  std::to_string(user.id) +
                  " AND (s.value->>'expire_time')::timestamptz = "
                  "update_time"),
            2);

  pqxx::result events = TestDatabase::Get().Query(
      "SELECT action, actor, request_id FROM user_events WHERE project_id = '" +
      project_ + "' AND user_id = " + std::to_string(user.id) +
      " ORDER BY id DESC LIMIT 1");
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0][0].as<std::string>(), "unsuspend");
  EXPECT_EQ(events[0][1].as<std::string>(), "users/1");
  EXPECT_EQ(events[0][2].as<std::string>(), "req-unsuspend");

  // With nothing in force, nothing is written.
  absl::StatusOr<UserRecord> again = store_.users.UnsuspendUser(
      project_, user.id, "users/1", "req-again", std::nullopt);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->version, unsuspended->version);
  EXPECT_EQ(StoredSuspensions(user.id), stored);
  EXPECT_EQ(Count("SELECT count(*) FROM user_events WHERE request_id = "
                  "'req-again'"),
            0);
}

TEST_F(PostgresStoresTest, NoSessionWhileASuspensionIsInForce) {
  UserRecord user = Create(Basics("locked_out"));
  ASSERT_TRUE(store_.users.SuspendUser(SuspensionOf(user.id, "abuse")).ok());
  absl::StatusOr<SessionRecord> session =
      store_.sessions.CreateSession(LoginOf(user.id, 'x'));
  EXPECT_EQ(session.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(Reason(session.status()), "USER_SUSPENDED");
  // A password that changed meanwhile is told first: it was never right.
  SessionLogin stale = LoginOf(user.id, 'y');
  stale.password_hash = "$argon2id$an-older-password";
  EXPECT_EQ(Reason(store_.sessions.CreateSession(stale).status()),
            "PASSWORD_CHANGED");
  EXPECT_EQ(Count("SELECT count(*) FROM sessions WHERE user_id = " +
                  std::to_string(user.id)),
            0);

  // A suspension whose end has passed no longer counts.
  TestDatabase::Get().Query(
      "UPDATE users SET suspensions = jsonb_set(suspensions, '{0,expire_time}',"
      " to_jsonb(now() - interval '1 second')) WHERE id = " +
      std::to_string(user.id));
  EXPECT_TRUE(store_.sessions.CreateSession(LoginOf(user.id, 'z')).ok());
  absl::StatusOr<UserRecord> got = store_.users.GetUser(project_, user.id);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->user.suspensions_size(), 0);
}

TEST_F(PostgresStoresTest, ASuspensionEndsTheSessionOfALoginItWaitedFor) {
  UserRecord user = Create(Basics("racing_login"));
  const std::string application = "suspend_race_test";
  PostgresStores suspender(TestDatabase::Get().ConnectionStringWith(
                               {{"application_name", application}}),
                           kTimeout);
  // A login that holds the user's row lock and has inserted its session.
  pqxx::connection login(TestDatabase::Get().connection_string());
  pqxx::work transaction(login);
  transaction.exec("SELECT 1 FROM users WHERE id = " + std::to_string(user.id) +
                   " FOR NO KEY UPDATE");
  transaction.exec(
      "INSERT INTO sessions (project_id, user_id, token_hash, "
      "expire_time) VALUES (" +
      transaction.quote(project_) + ", " + std::to_string(user.id) +
      ", '\\x01', now() + interval '1 hour')");

  std::future<absl::StatusOr<UserRecord>> suspended =
      std::async(std::launch::async, [&] {
        return suspender.users.SuspendUser(SuspensionOf(user.id, "raced"));
      });
  ASSERT_TRUE(WaitForLockWaiter(application));
  transaction.commit();
  absl::StatusOr<UserRecord> result = suspended.get();
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(Count("SELECT count(*) FROM sessions WHERE user_id = " +
                  std::to_string(user.id)),
            0);
}

TEST_F(PostgresStoresTest, ALoginThatWaitedForASuspensionGetsNoSession) {
  UserRecord user = Create(Basics("racing_suspend"));
  const std::string application = "login_race_test";
  PostgresStores logger(TestDatabase::Get().ConnectionStringWith(
                            {{"application_name", application}}),
                        kTimeout);
  // A suspension committing while the login waits for the row lock.
  pqxx::connection admin(TestDatabase::Get().connection_string());
  pqxx::work transaction(admin);
  transaction.exec(
      R"(UPDATE users SET suspensions = '[{"reason": "raced",
           "create_time": "2020-01-01T00:00:00Z"}]' WHERE id = )" +
      std::to_string(user.id));

  std::future<absl::StatusOr<SessionRecord>> session = std::async(
      std::launch::async,
      [&] { return logger.sessions.CreateSession(LoginOf(user.id, 'r')); });
  ASSERT_TRUE(WaitForLockWaiter(application));
  transaction.commit();
  EXPECT_EQ(Reason(session.get().status()), "USER_SUSPENDED");
  EXPECT_EQ(Count("SELECT count(*) FROM sessions WHERE user_id = " +
                  std::to_string(user.id)),
            0);
}

}  // namespace
}  // namespace users
