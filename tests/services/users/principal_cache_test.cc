#include "services/users/principal_cache.h"

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

namespace users {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using Time = std::chrono::steady_clock::time_point;

TokenRecord Session(const std::string& project, int64_t user) {
  TokenRecord record;
  record.kind = TokenRecord::Kind::kSession;
  record.project_id = project;
  record.id = 100 + user;
  record.user_id = user;
  return record;
}

TokenRecord ProjectKey(const std::string& project) {
  TokenRecord record;
  record.kind = TokenRecord::Kind::kApiKey;
  record.project_id = project;
  record.id = 7;
  record.scopes = {"read"};
  return record;
}

class PrincipalCacheTest : public ::testing::Test {
 protected:
  PrincipalCacheTest() : cache_(seconds(60), [this] { return now_; }) {
    cache_.SetListening(true);
  }

  // Reads and inserts as a fill with nothing in between would.
  bool Fill(const std::string& hash, const TokenRecord& record) {
    return cache_.Insert(hash, record, cache_.BeginFill());
  }

  Time now_{seconds(1000)};
  PrincipalCache cache_;
};

TEST_F(PrincipalCacheTest, AHitReturnsTheRecordFilled) {
  EXPECT_FALSE(cache_.Lookup("a").has_value());
  ASSERT_TRUE(Fill("a", Session("p", 1)));
  std::optional<TokenRecord> hit = cache_.Lookup("a");
  ASSERT_TRUE(hit.has_value());
  EXPECT_EQ(hit->project_id, "p");
  EXPECT_EQ(hit->user_id, 1);
  EXPECT_FALSE(cache_.Lookup("b").has_value());
}

TEST_F(PrincipalCacheTest, EntriesExpireAfterTheTtlCountedFromTheRead) {
  PrincipalCache::Ticket ticket = cache_.BeginFill();
  now_ += seconds(5);  // a slow read
  ASSERT_TRUE(cache_.Insert("a", Session("p", 1), ticket));
  now_ += seconds(54);
  EXPECT_TRUE(cache_.Lookup("a").has_value());
  now_ += seconds(1);  // 60 s after the read began
  EXPECT_FALSE(cache_.Lookup("a").has_value());
  EXPECT_EQ(cache_.size(), 0u);
}

TEST_F(PrincipalCacheTest, TheTtlIsAtMostSixtySeconds) {
  PrincipalCache cache(seconds(3600), [this] { return now_; });
  cache.SetListening(true);
  ASSERT_TRUE(cache.Insert("a", Session("p", 1), cache.BeginFill()));
  now_ += seconds(60);
  EXPECT_FALSE(cache.Lookup("a").has_value());
}

TEST_F(PrincipalCacheTest, AnEntryNeverOutlivesItsToken) {
  TokenRecord record = Session("p", 1);
  record.expires_in_ms = 1500;
  ASSERT_TRUE(Fill("a", record));
  now_ += milliseconds(1499);
  EXPECT_TRUE(cache_.Lookup("a").has_value());
  now_ += milliseconds(1);
  EXPECT_FALSE(cache_.Lookup("a").has_value());

  record.expires_in_ms = 0;  // expired as it was read
  EXPECT_FALSE(Fill("b", record));
  EXPECT_FALSE(cache_.Lookup("b").has_value());
}

TEST_F(PrincipalCacheTest, SuspendedUsersAreNotKept) {
  TokenRecord record = Session("p", 1);
  record.user_suspended = true;
  EXPECT_FALSE(Fill("a", record));
  EXPECT_FALSE(cache_.Lookup("a").has_value());
}

TEST_F(PrincipalCacheTest, EvictionsByTokenUserAndProject) {
  ASSERT_TRUE(Fill("u1-a", Session("p", 1)));
  ASSERT_TRUE(Fill("u1-b", Session("p", 1)));
  ASSERT_TRUE(Fill("u2", Session("p", 2)));
  ASSERT_TRUE(Fill("q-u1", Session("q", 1)));  // same id, other project
  ASSERT_TRUE(Fill("p-key", ProjectKey("p")));
  ASSERT_TRUE(Fill("q-key", ProjectKey("q")));

  cache_.EvictToken("u1-a");
  EXPECT_FALSE(cache_.Lookup("u1-a").has_value());
  EXPECT_TRUE(cache_.Lookup("u1-b").has_value());

  cache_.EvictUser("p", 1);
  EXPECT_FALSE(cache_.Lookup("u1-b").has_value());
  EXPECT_TRUE(cache_.Lookup("u2").has_value());
  EXPECT_TRUE(cache_.Lookup("q-u1").has_value());

  cache_.EvictProject("p");
  EXPECT_FALSE(cache_.Lookup("u2").has_value());
  EXPECT_FALSE(cache_.Lookup("p-key").has_value());
  EXPECT_TRUE(cache_.Lookup("q-u1").has_value());
  EXPECT_TRUE(cache_.Lookup("q-key").has_value());

  cache_.Flush();
  EXPECT_EQ(cache_.size(), 0u);
  EXPECT_FALSE(cache_.Lookup("q-key").has_value());
}

TEST_F(PrincipalCacheTest, AppliesAnnouncedChanges) {
  ASSERT_TRUE(Fill("a", Session("p", 1)));
  ASSERT_TRUE(Fill("b", Session("p", 2)));
  ASSERT_TRUE(Fill("c", ProjectKey("q")));
  ASSERT_TRUE(Fill("d", ProjectKey("r")));
  PrincipalChange change;
  change.kind = PrincipalChange::Kind::kToken;
  change.token_hash = "a";
  cache_.Apply(change);
  EXPECT_FALSE(cache_.Lookup("a").has_value());
  change = PrincipalChange{};
  change.kind = PrincipalChange::Kind::kUser;
  change.project_id = "p";
  change.user_id = 2;
  cache_.Apply(change);
  EXPECT_FALSE(cache_.Lookup("b").has_value());
  change = PrincipalChange{};
  change.kind = PrincipalChange::Kind::kProject;
  change.project_id = "q";
  cache_.Apply(change);
  EXPECT_FALSE(cache_.Lookup("c").has_value());
  EXPECT_TRUE(cache_.Lookup("d").has_value());
  cache_.Apply(PrincipalChange{});  // kAll
  EXPECT_FALSE(cache_.Lookup("d").has_value());
}

// The race the generation exists for: a fill reads the token, then a
// revocation commits and its announcement is applied (evicting nothing yet),
// then the fill inserts what it read. The insert must keep nothing.
TEST_F(PrincipalCacheTest, AFillThatReadBeforeAnEvictionKeepsNothing) {
  PrincipalCache::Ticket ticket = cache_.BeginFill();
  // ... the database read happens here; meanwhile:
  cache_.EvictToken("a");
  EXPECT_FALSE(cache_.Insert("a", Session("p", 1), ticket));
  EXPECT_FALSE(cache_.Lookup("a").has_value());

  // Any eviction counts, not only one of the same key: the announcement of
  // a user or project change does not name the token.
  ticket = cache_.BeginFill();
  cache_.EvictUser("p", 1);
  EXPECT_FALSE(cache_.Insert("a", Session("p", 1), ticket));
  ticket = cache_.BeginFill();
  cache_.EvictProject("p");
  EXPECT_FALSE(cache_.Insert("a", Session("p", 1), ticket));

  // A fill that began after the eviction is kept.
  EXPECT_TRUE(Fill("a", Session("p", 1)));
}

TEST_F(PrincipalCacheTest, NotUsedWhileNotListening) {
  ASSERT_TRUE(Fill("a", Session("p", 1)));
  PrincipalCache::Ticket before_loss = cache_.BeginFill();
  cache_.SetListening(false);  // the listener lost its connection
  EXPECT_FALSE(cache_.Lookup("a").has_value());
  EXPECT_EQ(cache_.size(), 0u);
  EXPECT_FALSE(Fill("b", Session("p", 2)));
  EXPECT_FALSE(cache_.Lookup("b").has_value());

  PrincipalCache::Ticket while_down = cache_.BeginFill();
  cache_.SetListening(true);  // listening again
  // Reads made before the listener was back may have missed a change.
  EXPECT_FALSE(cache_.Insert("c", Session("p", 3), before_loss));
  EXPECT_FALSE(cache_.Insert("c", Session("p", 3), while_down));
  EXPECT_FALSE(cache_.Lookup("a").has_value());
  EXPECT_TRUE(Fill("c", Session("p", 3)));
  EXPECT_TRUE(cache_.Lookup("c").has_value());
}

TEST_F(PrincipalCacheTest, StartsNotListening) {
  PrincipalCache cache(seconds(60), [this] { return now_; });
  EXPECT_FALSE(cache.listening());
  EXPECT_FALSE(cache.Insert("a", Session("p", 1), cache.BeginFill()));
  EXPECT_FALSE(cache.Lookup("a").has_value());
}

TEST_F(PrincipalCacheTest, AFullCacheDropsExpiredEntriesBeforeRefusing) {
  PrincipalCache cache(
      seconds(10), [this] { return now_; }, 2);
  cache.SetListening(true);
  ASSERT_TRUE(cache.Insert("a", Session("p", 1), cache.BeginFill()));
  now_ += seconds(5);
  ASSERT_TRUE(cache.Insert("b", Session("p", 2), cache.BeginFill()));
  EXPECT_FALSE(cache.Insert("c", Session("p", 3), cache.BeginFill()));
  now_ += seconds(5);  // "a" expired; "b" has 5 s left
  EXPECT_TRUE(cache.Insert("c", Session("p", 3), cache.BeginFill()));
  EXPECT_EQ(cache.size(), 2u);
  EXPECT_TRUE(cache.Lookup("b").has_value());
  EXPECT_TRUE(cache.Lookup("c").has_value());
  // Evicting the user of an expired-and-swept entry finds nothing to do.
  cache.EvictUser("p", 1);
  EXPECT_EQ(cache.size(), 2u);
}

// Records what the cache tells it, as words.
class RecordingObserver final : public PrincipalCacheObserver {
 public:
  void OnHit() override { events.push_back("hit"); }
  void OnMiss() override { events.push_back("miss"); }
  void OnStaleFill() override { events.push_back("stale"); }
  void OnChange(PrincipalChange::Kind kind) override {
    events.push_back("change " + std::to_string(static_cast<int>(kind)));
  }
  void OnListening(bool listening) override {
    events.push_back(listening ? "listening" : "not listening");
  }
  std::vector<std::string> events;
};

// A hit is a Lookup that finds the token; a miss is a read of the database
// (BeginFill), however often the token was looked up before it.
TEST_F(PrincipalCacheTest, TellsItsObserverWhatHappened) {
  RecordingObserver observer;
  PrincipalCache cache(
      seconds(60), [this] { return now_; }, PrincipalCache::kDefaultCapacity,
      &observer);
  EXPECT_FALSE(cache.Lookup("a").has_value());  // not listening
  cache.Insert("a", Session("p", 1), cache.BeginFill());
  cache.SetListening(true);
  EXPECT_FALSE(cache.Lookup("a").has_value());
  EXPECT_FALSE(cache.Lookup("a").has_value());
  ASSERT_TRUE(cache.Insert("a", Session("p", 1), cache.BeginFill()));
  EXPECT_TRUE(cache.Lookup("a").has_value());
  PrincipalCache::Ticket ticket = cache.BeginFill();
  PrincipalChange change;
  change.kind = PrincipalChange::Kind::kUser;
  change.project_id = "p";
  change.user_id = 1;
  cache.Apply(change);
  EXPECT_FALSE(cache.Insert("b", Session("p", 2), ticket));
  EXPECT_FALSE(cache.Lookup("a").has_value());
  cache.Apply(PrincipalChange{});
  cache.SetListening(false);
  // A suspended user is not kept, but no change raced the read.
  cache.SetListening(true);
  TokenRecord suspended = Session("p", 3);
  suspended.user_suspended = true;
  EXPECT_FALSE(cache.Insert("c", suspended, cache.BeginFill()));
  EXPECT_EQ(observer.events,
            (std::vector<std::string>{"miss", "listening", "miss", "hit",
                                      "miss", "change 1", "stale", "change 3",
                                      "not listening", "listening", "miss"}));
}

}  // namespace
}  // namespace users
