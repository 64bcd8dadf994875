#include "services/users/hashing_jobs.h"

#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "gtest/gtest.h"
#include "services/users/bounded_executor.h"
#include "services/users/password_hasher.h"
#include "tests/services/status_checks.h"

namespace users {
namespace {

// Records its calls; "hash:<password>" is the hash of <password>.
class FakeHasher final : public PasswordHasher {
 public:
  absl::StatusOr<std::string> Hash(absl::string_view password) override {
    std::lock_guard<std::mutex> lock(mutex_);
    ++hash_calls_;
    threads_.push_back(std::this_thread::get_id());
    return "hash:" + std::string(password);
  }
  absl::StatusOr<bool> Verify(absl::string_view password,
                              absl::string_view encoded) override {
    std::lock_guard<std::mutex> lock(mutex_);
    ++verify_calls_;
    threads_.push_back(std::this_thread::get_id());
    if (encoded == "malformed") {
      return absl::InvalidArgumentError("not a hash");
    }
    return encoded == "hash:" + std::string(password);
  }
  int hash_calls() {
    std::lock_guard<std::mutex> lock(mutex_);
    return hash_calls_;
  }
  int verify_calls() {
    std::lock_guard<std::mutex> lock(mutex_);
    return verify_calls_;
  }
  std::vector<std::thread::id> threads() {
    std::lock_guard<std::mutex> lock(mutex_);
    return threads_;
  }

 private:
  std::mutex mutex_;
  int hash_calls_ = 0;
  int verify_calls_ = 0;
  std::vector<std::thread::id> threads_;
};

class HashingJobsTest : public ::testing::Test {
 protected:
  HashingJobsTest() {
    deps_.hasher = &hasher_;
    deps_.hashing = &executor_;
  }
  // The executor joins its worker when destroyed: never leave it blocked.
  ~HashingJobsTest() override { Release(); }

  // Occupies the single worker and the single queue slot until Release().
  void FillExecutor() {
    std::future<void> running = started_.get_future();
    ASSERT_TRUE(executor_.TrySubmit([this] {
      started_.set_value();
      release_.wait();
    }));
    running.wait();
    ASSERT_TRUE(executor_.TrySubmit([] {}));
  }
  void Release() {
    if (!released_) gate_.set_value();
    released_ = true;
  }

  FakeHasher hasher_;
  std::promise<void> started_;
  std::promise<void> gate_;
  std::shared_future<void> release_ = gate_.get_future().share();
  bool released_ = false;
  BoundedExecutor executor_{1, 1};
  ServiceDeps deps_;
};

TEST_F(HashingJobsTest, HashRunsOnTheExecutor) {
  // Shared with the job so that they outlive its last use.
  auto result = std::make_shared<
      std::promise<std::pair<absl::StatusOr<std::string>, std::thread::id>>>();
  auto future = result->get_future();
  SubmitHash(deps_, "pw", [result](absl::StatusOr<std::string> hash) {
    result->set_value({std::move(hash), std::this_thread::get_id()});
  });
  auto [hash, thread] = future.get();
  ASSERT_TRUE(hash.ok()) << hash.status();
  EXPECT_EQ(*hash, "hash:pw");
  EXPECT_NE(thread, std::this_thread::get_id());
  EXPECT_EQ(hasher_.hash_calls(), 1);
}

TEST_F(HashingJobsTest, VerifyPassesTheHashersVerdict) {
  struct Case {
    std::string password;
    std::string encoded;
    absl::StatusCode code;
    bool match;
  };
  for (const Case& c :
       {Case{"pw", "hash:pw", absl::StatusCode::kOk, true},
        Case{"pw", "hash:other", absl::StatusCode::kOk, false},
        Case{"pw", "malformed", absl::StatusCode::kInvalidArgument, false}}) {
    auto result = std::make_shared<std::promise<absl::StatusOr<bool>>>();
    auto future = result->get_future();
    SubmitVerify(deps_, c.password, c.encoded,
                 [result](absl::StatusOr<bool> verdict) {
                   result->set_value(std::move(verdict));
                 });
    absl::StatusOr<bool> verdict = future.get();
    EXPECT_EQ(verdict.status().code(), c.code) << c.encoded;
    if (verdict.ok()) {
      EXPECT_EQ(*verdict, c.match) << c.encoded;
    }
  }
  EXPECT_EQ(hasher_.verify_calls(), 3);
}

TEST_F(HashingJobsTest, VerifyWithoutAStoredHashStillHashesAndFails) {
  auto result = std::make_shared<std::promise<absl::StatusOr<bool>>>();
  auto future = result->get_future();
  SubmitVerify(deps_, "pw", "", [result](absl::StatusOr<bool> verdict) {
    result->set_value(std::move(verdict));
  });
  absl::StatusOr<bool> verdict = future.get();
  ASSERT_TRUE(verdict.ok());
  EXPECT_FALSE(*verdict);
  EXPECT_EQ(hasher_.hash_calls(), 1);  // the same work as a real check
  EXPECT_EQ(hasher_.verify_calls(), 0);
}

// "José" typed with a precomposed é (NFC) and with e + combining acute (NFD).
constexpr char kNfcPassword[] = "Jos\xC3\xA9 secret";
constexpr char kNfdPassword[] = "Jose\xCC\x81 secret";

TEST_F(HashingJobsTest, HashesTheNfcForm) {
  auto result = std::make_shared<std::promise<absl::StatusOr<std::string>>>();
  auto future = result->get_future();
  SubmitHash(deps_, kNfdPassword, [result](absl::StatusOr<std::string> hash) {
    result->set_value(std::move(hash));
  });
  absl::StatusOr<std::string> hash = future.get();
  ASSERT_TRUE(hash.ok()) << hash.status();
  EXPECT_EQ(*hash, std::string("hash:") + kNfcPassword);
}

absl::StatusOr<bool> VerifyNow(const ServiceDeps& deps,
                               const std::string& password,
                               const std::string& encoded) {
  auto result = std::make_shared<std::promise<absl::StatusOr<bool>>>();
  auto future = result->get_future();
  SubmitVerify(deps, password, encoded, [result](absl::StatusOr<bool> verdict) {
    result->set_value(std::move(verdict));
  });
  return future.get();
}

TEST_F(HashingJobsTest, VerifiesEitherNormalisationOfTheSamePassword) {
  const std::string stored = std::string("hash:") + kNfcPassword;
  absl::StatusOr<bool> nfd = VerifyNow(deps_, kNfdPassword, stored);
  ASSERT_TRUE(nfd.ok()) << nfd.status();
  EXPECT_TRUE(*nfd);
  absl::StatusOr<bool> nfc = VerifyNow(deps_, kNfcPassword, stored);
  ASSERT_TRUE(nfc.ok()) << nfc.status();
  EXPECT_TRUE(*nfc);
  EXPECT_EQ(hasher_.verify_calls(), 2);  // the NFC form matched at once
}

TEST_F(HashingJobsTest, VerifiesAHashOfTheRawFormMadeBeforeNormalisation) {
  const std::string legacy = std::string("hash:") + kNfdPassword;
  absl::StatusOr<bool> verdict = VerifyNow(deps_, kNfdPassword, legacy);
  ASSERT_TRUE(verdict.ok()) << verdict.status();
  EXPECT_TRUE(*verdict);
  EXPECT_EQ(hasher_.verify_calls(), 2);  // NFC first, then the raw form
}

TEST_F(HashingJobsTest, VerifiesOnceWhenTheRawFormIsAlreadyNfc) {
  absl::StatusOr<bool> verdict = VerifyNow(deps_, "pw", "hash:other");
  ASSERT_TRUE(verdict.ok()) << verdict.status();
  EXPECT_FALSE(*verdict);
  EXPECT_EQ(hasher_.verify_calls(), 1);
}

TEST_F(HashingJobsTest, WrongPasswordFailsInBothForms) {
  absl::StatusOr<bool> verdict =
      VerifyNow(deps_, kNfdPassword, "hash:Jose secret");
  ASSERT_TRUE(verdict.ok()) << verdict.status();
  EXPECT_FALSE(*verdict);
  EXPECT_EQ(hasher_.verify_calls(), 2);
}

TEST_F(HashingJobsTest, HashQueueFullIsResourceExhaustedAtOnce) {
  FillExecutor();
  bool called = false;
  absl::Status status;
  std::thread::id thread;
  SubmitHash(deps_, "pw", [&](const absl::StatusOr<std::string>& hash) {
    called = true;
    thread = std::this_thread::get_id();
    status = hash.status();
  });
  // Called synchronously, on this thread.
  ASSERT_TRUE(called);
  EXPECT_EQ(thread, std::this_thread::get_id());
  EXPECT_EQ(status.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(test::Reason(status), "HASH_QUEUE_FULL");
  EXPECT_EQ(test::Domain(status), "users.v1");
  Release();
  EXPECT_EQ(hasher_.hash_calls(), 0);
}

TEST_F(HashingJobsTest, VerifyQueueFullIsResourceExhaustedAtOnce) {
  FillExecutor();
  bool called = false;
  absl::Status status;
  SubmitVerify(deps_, "pw", "hash:pw",
               [&](const absl::StatusOr<bool>& verdict) {
                 called = true;
                 status = verdict.status();
               });
  ASSERT_TRUE(called);
  EXPECT_EQ(status.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(test::Reason(status), "HASH_QUEUE_FULL");
  Release();
  EXPECT_EQ(hasher_.verify_calls(), 0);
}

TEST_F(HashingJobsTest, AHashWhoseCallerGaveUpIsNeverComputed) {
  std::future<void> running = started_.get_future();
  ASSERT_TRUE(executor_.TrySubmit([this] {
    started_.set_value();
    release_.wait();
  }));
  running.wait();
  auto result = std::make_shared<std::promise<absl::Status>>();
  auto future = result->get_future();
  SubmitVerify(
      deps_, "pw", "hash:pw",
      [result](const absl::StatusOr<bool>& verdict) {
        result->set_value(verdict.status());
      },
      std::chrono::steady_clock::now());  // already passed when it is taken
  Release();
  absl::Status status = future.get();
  EXPECT_EQ(status.code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_EQ(hasher_.verify_calls(), 0);
  EXPECT_EQ(hasher_.hash_calls(), 0);
}

}  // namespace
}  // namespace users
