// The announcements of migration 0008 as the listener hears them from a real
// PostgreSQL, and the listener's connection lifecycle.

#include "storage/principal_change_listener.h"

#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <variant>

#include "tests/storage/test_database.h"

namespace users {
namespace {

using test::TestDatabase;

constexpr std::chrono::seconds kTimeout{20};

// What the listener reported, in order: a listening state or a change.
using Event = std::variant<bool, PrincipalChange>;

class Recorder {
 public:
  PrincipalChangeListener::Callbacks Callbacks() {
    return {[this](bool listening) { Push(listening); },
            [this](const PrincipalChange& change) { Push(change); }};
  }

  // The next event; nullopt after kTimeout without one.
  std::optional<Event> Next() {
    std::unique_lock<std::mutex> lock(mutex_);
    if (!arrived_.wait_for(lock, kTimeout,
                           [this] { return !events_.empty(); })) {
      return std::nullopt;
    }
    Event event = events_.front();
    events_.pop_front();
    return event;
  }

  // The next change, failing the test on anything else.
  PrincipalChange NextChange() {
    std::optional<Event> event = Next();
    if (!event.has_value()) {
      ADD_FAILURE() << "no change announced";
      return {};
    }
    if (!std::holds_alternative<PrincipalChange>(*event)) {
      ADD_FAILURE() << "listening state changed instead";
      return {};
    }
    return std::get<PrincipalChange>(*event);
  }

  bool NextIsListening(bool listening) {
    std::optional<Event> event = Next();
    return event.has_value() && std::holds_alternative<bool>(*event) &&
           std::get<bool>(*event) == listening;
  }

 private:
  void Push(Event event) {
    std::lock_guard<std::mutex> lock(mutex_);
    events_.push_back(std::move(event));
    arrived_.notify_all();
  }

  std::mutex mutex_;
  std::condition_variable arrived_;
  std::deque<Event> events_;
};

std::string Sha(char tag) { return std::string(32, tag); }

std::string Hex(const std::string& bytes) {
  static const char kDigits[] = "0123456789abcdef";
  std::string hex;
  for (unsigned char c : bytes) {
    hex += kDigits[c >> 4];
    hex += kDigits[c & 15];
  }
  return hex;
}

TEST(ParsePrincipalChangeTest, ReadsEachPayload) {
  std::optional<PrincipalChange> token =
      ParsePrincipalChange("token:" + Hex(Sha('\xab')));
  ASSERT_TRUE(token.has_value());
  EXPECT_EQ(token->kind, PrincipalChange::Kind::kToken);
  EXPECT_EQ(token->token_hash, Sha('\xab'));

  std::optional<PrincipalChange> user = ParsePrincipalChange("user:42:a:b/c");
  ASSERT_TRUE(user.has_value());
  EXPECT_EQ(user->kind, PrincipalChange::Kind::kUser);
  EXPECT_EQ(user->user_id, 42);
  EXPECT_EQ(user->project_id, "a:b/c");

  std::optional<PrincipalChange> project = ParsePrincipalChange("project:p:1");
  ASSERT_TRUE(project.has_value());
  EXPECT_EQ(project->kind, PrincipalChange::Kind::kProject);
  EXPECT_EQ(project->project_id, "p:1");

  std::optional<PrincipalChange> all = ParsePrincipalChange("all:");
  ASSERT_TRUE(all.has_value());
  EXPECT_EQ(all->kind, PrincipalChange::Kind::kAll);
}

TEST(ParsePrincipalChangeTest, RefusesMalformedPayloads) {
  for (const char* payload :
       {"", "token:", "token:abc", "token:zz", "user:", "user:x:p", "user:1",
        "user:1:", "project:", "all", "session:1"}) {
    EXPECT_FALSE(ParsePrincipalChange(payload).has_value()) << payload;
  }
  EXPECT_FALSE(ParsePrincipalChange("token:" + std::string(64, 'g')));
}

class PrincipalChangeListenerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    listener_.Start();
    ASSERT_TRUE(recorder_.NextIsListening(true));
  }

  Recorder recorder_;
  PrincipalChangeListener listener_{TestDatabase::Get().connection_string(),
                                    recorder_.Callbacks()};
};

TEST_F(PrincipalChangeListenerTest, AnnouncesWhatChangesAPrincipal) {
  auto& db = TestDatabase::Get();
  db.Query("INSERT INTO projects (id) VALUES ('pcl')");
  pqxx::result user = db.Query(
      "INSERT INTO users (project_id, username, username_key, email, "
      "email_key, password_hash) VALUES ('pcl', 'ann', 'ann', "
      "'ann@example.com', 'ann@example.com', 'x') RETURNING id");
  const int64_t id = user[0][0].as<int64_t>();
  const std::string user_id = std::to_string(id);
  const std::string live = Hex(Sha('a')), expired = Hex(Sha('b')),
                    key = Hex(Sha('c'));
  db.Query(
      "INSERT INTO sessions (project_id, user_id, token_hash, "
      "expire_time) VALUES ('pcl', " +
      user_id + ", decode('" + live +
      "', 'hex'), now() + interval '1 hour'), ('pcl', " + user_id +
      ", decode('" + expired + "', 'hex'), now() - interval '1 hour')");
  db.Query(
      "INSERT INTO api_keys (project_id, token_hash, scopes) VALUES "
      "('pcl', decode('" +
      key + "', 'hex'), '[\"read\"]')");

  // Profile changes and deleting an expired session announce nothing: the
  // next announcement is the role change.
  db.Query("UPDATE users SET bio = 'hello', email_verified = true WHERE id = " +
           user_id);
  db.Query("DELETE FROM sessions WHERE token_hash = decode('" + expired +
           "', 'hex')");
  db.Query("UPDATE users SET role = 2 WHERE id = " + user_id);
  PrincipalChange change = recorder_.NextChange();
  EXPECT_EQ(change.kind, PrincipalChange::Kind::kUser);
  EXPECT_EQ(change.project_id, "pcl");
  EXPECT_EQ(change.user_id, id);

  db.Query(
      "UPDATE users SET suspensions = '[{\"reason\": \"r\"}]' WHERE id = " +
      user_id);
  EXPECT_EQ(recorder_.NextChange().kind, PrincipalChange::Kind::kUser);
  db.Query("UPDATE users SET password_hash = 'y' WHERE id = " + user_id);
  EXPECT_EQ(recorder_.NextChange().kind, PrincipalChange::Kind::kUser);

  db.Query(
      "UPDATE sessions SET expire_time = now() WHERE token_hash = "
      "decode('" +
      live + "', 'hex')");
  change = recorder_.NextChange();
  EXPECT_EQ(change.kind, PrincipalChange::Kind::kToken);
  EXPECT_EQ(change.token_hash, Sha('a'));

  db.Query("UPDATE api_keys SET scopes = '[]' WHERE project_id = 'pcl'");
  change = recorder_.NextChange();
  EXPECT_EQ(change.kind, PrincipalChange::Kind::kToken);
  EXPECT_EQ(change.token_hash, Sha('c'));
  db.Query("DELETE FROM api_keys WHERE project_id = 'pcl'");
  EXPECT_EQ(recorder_.NextChange().token_hash, Sha('c'));

  db.Query("UPDATE projects SET password_min_length = 10 WHERE id = 'pcl'");
  change = recorder_.NextChange();
  EXPECT_EQ(change.kind, PrincipalChange::Kind::kProject);
  EXPECT_EQ(change.project_id, "pcl");

  // Deleting the user ends its live sessions with it.
  db.Query("UPDATE sessions SET expire_time = now() + interval '1 hour'");
  EXPECT_EQ(recorder_.NextChange().token_hash, Sha('a'));
  db.Query("DELETE FROM users WHERE id = " + user_id);
  std::set<PrincipalChange::Kind> kinds;
  kinds.insert(recorder_.NextChange().kind);
  kinds.insert(recorder_.NextChange().kind);
  EXPECT_EQ(kinds,
            (std::set<PrincipalChange::Kind>{PrincipalChange::Kind::kToken,
                                             PrincipalChange::Kind::kUser}));

  // A rolled-back change announces nothing.
  {
    pqxx::connection connection(db.connection_string());
    pqxx::work work(connection);
    work.exec("UPDATE projects SET webhook_uri = 'https://x' WHERE id = 'pcl'");
    work.abort();
  }
  db.Query("TRUNCATE sessions");
  EXPECT_EQ(recorder_.NextChange().kind, PrincipalChange::Kind::kAll);
}

TEST_F(PrincipalChangeListenerTest, ReportsALostConnectionAndListensAgain) {
  pqxx::result ended = TestDatabase::Get().Query(
      "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
      "WHERE application_name = '" +
      std::string(kPrincipalListenerApplicationName) +
      "' AND datname = current_database()");
  ASSERT_EQ(ended.size(), 1u);
  EXPECT_TRUE(recorder_.NextIsListening(false));
  EXPECT_TRUE(recorder_.NextIsListening(true));
  // And hears changes again.
  TestDatabase::Get().Query(
      "INSERT INTO projects (id) VALUES ('pcl2'); "
      "UPDATE projects SET webhook_uri = 'https://y' WHERE id = 'pcl2'");
  EXPECT_EQ(recorder_.NextChange().project_id, "pcl2");
}

// A backend frozen with SIGSTOP keeps its socket open and the kernel still
// acknowledges TCP keepalives for it: only the heartbeat finds it out.
TEST_F(PrincipalChangeListenerTest, ReportsAFrozenServerAndListensAgain) {
  pqxx::result backend = TestDatabase::Get().Query(
      "SELECT pid FROM pg_stat_activity WHERE application_name = '" +
      std::string(kPrincipalListenerApplicationName) +
      "' AND datname = current_database()");
  ASSERT_EQ(backend.size(), 1u);
  const pid_t pid = backend[0][0].as<pid_t>();
  ASSERT_EQ(kill(pid, SIGSTOP), 0) << "cannot signal the backend " << pid;
  // Thawed however the test ends.
  std::unique_ptr<const pid_t, void (*)(const pid_t*)> thaw(
      &pid, [](const pid_t* frozen) { kill(*frozen, SIGCONT); });
  const auto frozen_at = std::chrono::steady_clock::now();
  EXPECT_TRUE(recorder_.NextIsListening(false));
  const auto noticed_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - frozen_at);
  RecordProperty("noticed_ms", static_cast<int>(noticed_ms.count()));
  // A new connection has a backend of its own.
  EXPECT_TRUE(recorder_.NextIsListening(true));
  thaw.reset();
  TestDatabase::Get().Query(
      "INSERT INTO projects (id) VALUES ('pcl3'); "
      "UPDATE projects SET webhook_uri = 'https://z' WHERE id = 'pcl3'");
  EXPECT_EQ(recorder_.NextChange().project_id, "pcl3");
}

TEST_F(PrincipalChangeListenerTest, StopReportsNotListening) {
  listener_.Stop();
  EXPECT_TRUE(recorder_.NextIsListening(false));
}

}  // namespace
}  // namespace users
