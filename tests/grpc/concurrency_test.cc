// Concurrent UpdateUser calls against one real server and database: the
// unique index decides races, and updates of different fields never
// overwrite each other (each UPDATE sets only its masked columns).

#include <atomic>
#include <condition_variable>
#include <iterator>
#include <mutex>
#include <thread>

#include "tests/grpc/userd_fixture.h"

namespace users {
namespace test {
namespace {

class ConcurrencyTest : public UserdFixture {};

// Starts `count` threads that each wait until all are ready, then run
// `body(i)`; joins them.
template <typename Body>
void RunTogether(int count, Body body) {
  std::mutex mutex;
  std::condition_variable all_ready;
  int ready = 0;
  std::vector<std::thread> threads;
  threads.reserve(count);
  for (int i = 0; i < count; ++i) {
    threads.emplace_back([&, i] {
      {
        std::unique_lock<std::mutex> lock(mutex);
        if (++ready == count) all_ready.notify_all();
        all_ready.wait(lock, [&] { return ready == count; });
      }
      body(i);
    });
  }
  for (std::thread& thread : threads) thread.join();
}

TEST_F(ConcurrencyTest, SixtyFourUsersRaceForOneUsernameAndOneWins) {
  constexpr int kUsers = 64;
  std::vector<std::string> tokens(kUsers);
  std::vector<std::string> names(kUsers);
  for (int i = 0; i < kUsers; ++i) {
    v1::User user = CreateUser("racer_" + std::to_string(i));
    names[i] = user.name();
    tokens[i] = CreateKey({"read", "write"}, user.name());
  }
  // One name in case, width and normalisation variants.
  const std::string variants[] = {
      "TheWinner", "thewinner", "THEWINNER", "theWinner",
      "\xEF\xBC\xB4he\xEF\xBC\xB7inner"};  // full-width Ｔ and Ｗ
  std::atomic<int> ok{0}, already_exists{0}, other{0};
  std::vector<CallError> errors(kUsers);
  RunTogether(kUsers, [&](int i) {
    v1::User change;
    change.set_name("projects/-/users/me");
    change.set_username(variants[i % std::size(variants)]);
    v1::User out;
    grpc::Status status = Update(tokens[i], change, {"username"}, &out);
    errors[i] = ParseError(status);
    if (status.ok()) {
      ++ok;
    } else if (status.error_code() == grpc::StatusCode::ALREADY_EXISTS) {
      ++already_exists;
    } else {
      ++other;
    }
  });
  EXPECT_EQ(ok.load(), 1);
  EXPECT_EQ(already_exists.load(), kUsers - 1);
  EXPECT_EQ(other.load(), 0);
  for (const CallError& error : errors) {
    if (error.code == grpc::StatusCode::ALREADY_EXISTS) {
      EXPECT_EQ(error.reason, "USERNAME_TAKEN");
      ASSERT_EQ(error.fields.size(), 1u);
      EXPECT_EQ(error.fields[0], "user.username");
    }
  }
  auto rows = TestDatabase::Get().Query(
      "SELECT count(*) FROM users WHERE username_key = 'thewinner'");
  EXPECT_EQ(rows[0][0].as<int>(), 1);
}

// Twenty concurrent single-field updates. User has fifteen writable fields,
// so they go to two users: every writable field of the first (password
// included) and five fields of the second. All must persist.
TEST_F(ConcurrencyTest, TwentyConcurrentUpdatesOfDifferentFieldsAllPersist) {
  v1::User first = CreateUser("fields_first");
  v1::User second = CreateUser("fields_second");

  struct Change {
    std::string name;
    std::string path;
    v1::User values;
  };
  std::vector<Change> changes;
  auto add = [&](const v1::User& user, const std::string& path, auto set) {
    Change change{user.name(), path, {}};
    set(change.values);
    changes.push_back(std::move(change));
  };
  for (const v1::User* user : {&first, &second}) {
    const std::string tag = user == &first ? "one" : "two";
    add(*user, "given_name", [&](v1::User& u) { u.set_given_name("G" + tag); });
    add(*user, "family_name",
        [&](v1::User& u) { u.set_family_name("F" + tag); });
    add(*user, "display_name",
        [&](v1::User& u) { u.set_display_name("D" + tag); });
    add(*user, "bio", [&](v1::User& u) { u.set_bio("bio " + tag); });
    add(*user, "avatar_uri", [&](v1::User& u) {
      u.set_avatar_uri("https://example.com/" + tag + ".png");
    });
  }
  add(first, "username",
      [](v1::User& u) { u.set_username("fields_first_renamed"); });
  add(first, "email",
      [](v1::User& u) { u.set_email("first_new@example.com"); });
  add(first, "password",
      [](v1::User& u) { u.set_password("parallel password"); });
  add(first, "role", [](v1::User& u) { u.set_role(v1::User::ROLE_ADMIN); });
  add(first, "birth_date", [](v1::User& u) {
    u.mutable_birth_date()->set_year(1990);
    u.mutable_birth_date()->set_month(1);
    u.mutable_birth_date()->set_day(2);
  });
  add(first, "location", [](v1::User& u) {
    u.mutable_location()->set_latitude(34.05);
    u.mutable_location()->set_longitude(-118.25);
  });
  add(first, "metadata", [](v1::User& u) {
    (*u.mutable_metadata()->mutable_fields())["theme"].set_string_value("dark");
  });
  add(first, "secure_metadata", [](v1::User& u) {
    (*u.mutable_secure_metadata()->mutable_fields())["k"].set_string_value("v");
  });
  add(first, "settings.language",
      [](v1::User& u) { u.mutable_settings()->set_language("de"); });
  add(first, "settings.script_types", [](v1::User& u) {
    u.mutable_settings()->add_script_types("click-events");
  });
  ASSERT_EQ(changes.size(), 20u);

  std::vector<grpc::Status> results(changes.size());
  RunTogether(static_cast<int>(changes.size()), [&](int i) {
    v1::User request = changes[i].values;
    request.set_name(changes[i].name);
    v1::User out;
    results[i] = Update(kAdminToken, request, {changes[i].path}, &out);
  });
  for (size_t i = 0; i < results.size(); ++i) {
    EXPECT_TRUE(results[i].ok())
        << changes[i].path << ": " << results[i].error_message();
  }

  v1::User one = MustGet(first.name());
  v1::User two = MustGet(second.name());
  EXPECT_EQ(one.given_name(), "Gone");
  EXPECT_EQ(one.family_name(), "Fone");
  EXPECT_EQ(one.display_name(), "Done");
  EXPECT_EQ(one.bio(), "bio one");
  EXPECT_EQ(one.avatar_uri(), "https://example.com/one.png");
  EXPECT_EQ(one.username(), "fields_first_renamed");
  EXPECT_EQ(one.email(), "first_new@example.com");
  EXPECT_EQ(one.role(), v1::User::ROLE_ADMIN);
  EXPECT_EQ(one.birth_date().year(), 1990);
  EXPECT_DOUBLE_EQ(one.location().latitude(), 34.05);
  EXPECT_EQ(one.metadata().fields().at("theme").string_value(), "dark");
  EXPECT_EQ(one.settings().language(), "de");
  ASSERT_EQ(one.settings().script_types_size(), 1);
  EXPECT_EQ(one.settings().script_types(0), "click-events");
  EXPECT_FALSE(Login("fields_first_renamed", "parallel password").empty());
  auto secure = TestDatabase::Get().Query(
      "SELECT secure_metadata->>'k' FROM users WHERE username = "
      "'fields_first_renamed'");
  EXPECT_EQ(std::string(secure[0][0].c_str()), "v");
  EXPECT_EQ(two.given_name(), "Gtwo");
  EXPECT_EQ(two.family_name(), "Ftwo");
  EXPECT_EQ(two.display_name(), "Dtwo");
  EXPECT_EQ(two.bio(), "bio two");
  EXPECT_EQ(two.avatar_uri(), "https://example.com/two.png");
  // 15 updates of the first user, each one version step.
  EXPECT_EQ(one.etag(), std::to_string(1 + 15));
}

}  // namespace
}  // namespace test
}  // namespace users
