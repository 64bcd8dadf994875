#include "services/users/argon2id_hasher.h"

#include <argon2.h>

#include <ostream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "gtest/gtest.h"

namespace users {
namespace {

constexpr Argon2Params kFastParams{64, 1, 1};

// The reference implementation's own test vector (phc-winner-argon2
// src/test.c: Argon2id v=19, t=2, m=2^16, p=1, "password", "somesalt").
constexpr char kReferenceHash[] =
    "$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$"
    "CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc";

// libargon2's encoder, independent of ours: t=1, m=64, p=1, "password",
// salt "somesaltsomesalt".
constexpr char kFastHash[] =
    "$argon2id$v=19$m=64,t=1,p=1$c29tZXNhbHRzb21lc2FsdA$"
    "55PWTvddWPUD1GMbKxSff4ASfF85k9ibHJt4HlHQtBM";

TEST(Argon2idHasherTest, DefaultParametersAreOwaspMinimum) {
  Argon2idHasher hasher;
  EXPECT_EQ(hasher.params().memory_kib, 19456u);
  EXPECT_EQ(hasher.params().iterations, 2u);
  EXPECT_EQ(hasher.params().parallelism, 1u);
  auto hash = hasher.Hash("correct horse battery staple");
  ASSERT_TRUE(hash.ok()) << hash.status();
  EXPECT_TRUE(absl::StartsWith(*hash, "$argon2id$v=19$m=19456,t=2,p=1$"))
      << *hash;
  auto verified = hasher.Verify("correct horse battery staple", *hash);
  ASSERT_TRUE(verified.ok()) << verified.status();
  EXPECT_TRUE(*verified);
  // libargon2 agrees with our encoding.
  EXPECT_EQ(argon2id_verify(hash->c_str(), "correct horse battery staple", 28),
            ARGON2_OK);
}

TEST(Argon2idHasherTest, EncodesSaltAndHashAsUnpaddedBase64) {
  Argon2idHasher hasher(kFastParams);
  auto hash = hasher.Hash("password");
  ASSERT_TRUE(hash.ok()) << hash.status();
  EXPECT_TRUE(absl::StartsWith(*hash, "$argon2id$v=19$m=64,t=1,p=1$")) << *hash;
  std::vector<std::string> parts = absl::StrSplit(*hash, '$');
  ASSERT_EQ(parts.size(), 6u);
  EXPECT_EQ(parts[4].size(), 22u);  // 16-byte salt
  EXPECT_EQ(parts[5].size(), 43u);  // 32-byte output
  EXPECT_EQ(parts[4].find('='), std::string::npos);
  EXPECT_EQ(parts[5].find('='), std::string::npos);
  EXPECT_EQ(argon2id_verify(hash->c_str(), "password", 8), ARGON2_OK);
  EXPECT_EQ(argon2id_verify(hash->c_str(), "Password", 8),
            ARGON2_VERIFY_MISMATCH);
}

TEST(Argon2idHasherTest, VerifiesOnlyTheRightPassword) {
  Argon2idHasher hasher(kFastParams);
  auto hash = hasher.Hash("s3cret-Passw0rd");
  ASSERT_TRUE(hash.ok());
  struct Case {
    std::string password;
    bool expected;
  };
  for (const Case& c :
       {Case{"s3cret-Passw0rd", true}, Case{"s3cret-passw0rd", false},
        Case{"s3cret-Passw0r", false}, Case{"s3cret-Passw0rd ", false},
        Case{"", false}, Case{std::string("s3cret-Passw0rd\0", 16), false}}) {
    auto verified = hasher.Verify(c.password, *hash);
    ASSERT_TRUE(verified.ok()) << verified.status();
    EXPECT_EQ(*verified, c.expected) << c.password;
  }
}

TEST(Argon2idHasherTest, HashesNonAsciiAndLongPasswords) {
  Argon2idHasher hasher(kFastParams);
  for (const std::string& password :
       {std::string("p\xC3\xA4ssw\xC3\xB6rd\xF0\x9F\x94\x91"),
        std::string(512, 'x')}) {
    auto hash = hasher.Hash(password);
    ASSERT_TRUE(hash.ok());
    auto verified = hasher.Verify(password, *hash);
    ASSERT_TRUE(verified.ok());
    EXPECT_TRUE(*verified);
    verified = hasher.Verify(password.substr(0, password.size() - 1), *hash);
    ASSERT_TRUE(verified.ok());
    EXPECT_FALSE(*verified);
  }
}

TEST(Argon2idHasherTest, KeepsItsMemoryPerThreadUntilReleased) {
  // On a thread of its own, so that other tests' buffers do not count.
  std::thread([] {
    Argon2idHasher hasher(kFastParams);
    EXPECT_EQ(Argon2idHasher::ThreadMemoryBytes(), 0u);
    absl::StatusOr<std::string> first = hasher.Hash("first password");
    ASSERT_TRUE(first.ok()) << first.status();
    EXPECT_EQ(Argon2idHasher::ThreadMemoryBytes(),
              size_t{kFastParams.memory_kib} * 1024);
    Argon2idHasher::ReleaseThreadMemory();
    EXPECT_EQ(Argon2idHasher::ThreadMemoryBytes(), 0u);
    // Hashing again allocates afresh, and the hash still verifies.
    absl::StatusOr<std::string> second = hasher.Hash("second password");
    ASSERT_TRUE(second.ok()) << second.status();
    EXPECT_EQ(*hasher.Verify("second password", *second), true);
  }).join();
}

TEST(Argon2idHasherTest, SaltsEveryHash) {
  Argon2idHasher hasher(kFastParams);
  auto first = hasher.Hash("same password");
  auto second = hasher.Hash("same password");
  ASSERT_TRUE(first.ok());
  ASSERT_TRUE(second.ok());
  EXPECT_NE(*first, *second);
  std::vector<std::string> a = absl::StrSplit(*first, '$');
  std::vector<std::string> b = absl::StrSplit(*second, '$');
  EXPECT_NE(a[4], b[4]);
  for (const std::string& hash : {*first, *second}) {
    auto verified = hasher.Verify("same password", hash);
    ASSERT_TRUE(verified.ok());
    EXPECT_TRUE(*verified);
  }
}

TEST(Argon2idHasherTest, VerifiesKnownVectors) {
  Argon2idHasher hasher(kFastParams);
  auto verified = hasher.Verify("password", kReferenceHash);
  ASSERT_TRUE(verified.ok()) << verified.status();
  EXPECT_TRUE(*verified);
  verified = hasher.Verify("passwore", kReferenceHash);
  ASSERT_TRUE(verified.ok());
  EXPECT_FALSE(*verified);

  verified = hasher.Verify("password", kFastHash);
  ASSERT_TRUE(verified.ok()) << verified.status();
  EXPECT_TRUE(*verified);
}

TEST(Argon2idHasherTest, VerifiesWithTheParametersOfTheStoredHash) {
  // A hash made elsewhere with other parameters still verifies.
  char encoded[256];
  ASSERT_EQ(argon2id_hash_encoded(2, 128, 2, "hunter22", 8, "saltsaltsaltsalt",
                                  16, 32, encoded, sizeof encoded),
            ARGON2_OK);
  ASSERT_TRUE(absl::StartsWith(encoded, "$argon2id$v=19$m=128,t=2,p=2$"));
  Argon2idHasher hasher(kFastParams);
  auto verified = hasher.Verify("hunter22", encoded);
  ASSERT_TRUE(verified.ok()) << verified.status();
  EXPECT_TRUE(*verified);
  verified = hasher.Verify("hunter23", encoded);
  ASSERT_TRUE(verified.ok());
  EXPECT_FALSE(*verified);
}

TEST(Argon2idHasherTest, HashesConcurrently) {
  Argon2idHasher hasher(kFastParams);
  std::vector<std::string> hashes(4);
  std::vector<int> verified(4, 0);
  std::vector<std::thread> threads;
  threads.reserve(4);

  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&, i] {
      std::string password = "password-" + std::to_string(i);
      for (int round = 0; round < 5; ++round) {
        auto hash = hasher.Hash(password);
        if (!hash.ok()) return;
        auto ok = hasher.Verify(password, *hash);
        if (!ok.ok() || !*ok) return;
        hashes[i] = *hash;
      }
      verified[i] = 1;
    });
  }
  for (std::thread& thread : threads) thread.join();
  for (int i = 0; i < 4; ++i) {
    ASSERT_TRUE(verified[i]) << i;
    auto other =
        hasher.Verify("password-" + std::to_string((i + 1) % 4), hashes[i]);
    ASSERT_TRUE(other.ok());
    EXPECT_FALSE(*other);
  }
}

struct MalformedCase {
  const char* label;
  std::string encoded;
};

void PrintTo(const MalformedCase& c, std::ostream* os) { *os << c.label; }

class MalformedHashTest : public ::testing::TestWithParam<MalformedCase> {};

TEST_P(MalformedHashTest, IsInvalidArgument) {
  Argon2idHasher hasher(kFastParams);
  auto verified = hasher.Verify("password", GetParam().encoded);
  ASSERT_FALSE(verified.ok()) << GetParam().encoded;
  EXPECT_EQ(verified.status().code(), absl::StatusCode::kInvalidArgument);
}

// A valid salt and output, for building hashes with other headers.
constexpr char kSalt[] = "c29tZXNhbHRzb21lc2FsdA";
constexpr char kOut[] = "55PWTvddWPUD1GMbKxSff4ASfF85k9ibHJt4HlHQtBM";

std::string WithHeader(const std::string& header) {
  return header + "$" + kSalt + "$" + kOut;
}

INSTANTIATE_TEST_SUITE_P(
    Table, MalformedHashTest,
    ::testing::Values(
        MalformedCase{"empty", ""}, MalformedCase{"plain_text", "password"},
        MalformedCase{"bcrypt",
                      "$2b$12$R9h/cIPz0gi.URNNX3kh2OPST9/PgBkqquzi.Ss7KIUgO2t0"
                      "jWMUW"},
        MalformedCase{"argon2i", WithHeader("$argon2i$v=19$m=64,t=1,p=1")},
        MalformedCase{"argon2d", WithHeader("$argon2d$v=19$m=64,t=1,p=1")},
        MalformedCase{"version_16", WithHeader("$argon2id$v=16$m=64,t=1,p=1")},
        MalformedCase{"no_version", WithHeader("$argon2id$m=64,t=1,p=1")},
        MalformedCase{"missing_output",
                      std::string("$argon2id$v=19$m=64,t=1,p=1$") + kSalt},
        MalformedCase{"extra_part",
                      WithHeader("$argon2id$v=19$m=64,t=1,p=1") + "$extra"},
        MalformedCase{"no_leading_dollar",
                      WithHeader("argon2id$v=19$m=64,t=1,p=1")},
        MalformedCase{"iterations_0",
                      WithHeader("$argon2id$v=19$m=64,t=0,p=1")},
        MalformedCase{"memory_0", WithHeader("$argon2id$v=19$m=0,t=1,p=1")},
        MalformedCase{"memory_below_8_per_lane",
                      WithHeader("$argon2id$v=19$m=64,t=1,p=16")},
        MalformedCase{"params_reordered",
                      WithHeader("$argon2id$v=19$t=1,m=64,p=1")},
        MalformedCase{"params_missing", WithHeader("$argon2id$v=19$m=64,t=1")},
        MalformedCase{"param_not_a_number",
                      WithHeader("$argon2id$v=19$m=abc,t=1,p=1")},
        MalformedCase{"param_negative",
                      WithHeader("$argon2id$v=19$m=64,t=-1,p=1")},
        MalformedCase{"memory_over_1gib",
                      WithHeader("$argon2id$v=19$m=1048577,t=1,p=1")},
        MalformedCase{"memory_overflow",
                      WithHeader("$argon2id$v=19$m=99999999999,t=1,p=1")},
        MalformedCase{"iterations_17",
                      WithHeader("$argon2id$v=19$m=64,t=17,p=1")},
        MalformedCase{"iterations_huge",
                      WithHeader("$argon2id$v=19$m=64,t=4294967295,p=1")},
        MalformedCase{"parallelism_0",
                      WithHeader("$argon2id$v=19$m=64,t=1,p=0")},
        MalformedCase{"parallelism_17",
                      WithHeader("$argon2id$v=19$m=64,t=1,p=17")},
        MalformedCase{"salt_not_base64",
                      std::string("$argon2id$v=19$m=64,t=1,p=1$!!!!$") + kOut},
        MalformedCase{
            "salt_too_short",
            std::string("$argon2id$v=19$m=64,t=1,p=1$c2FsdA$") + kOut},
        MalformedCase{
            "output_too_short",
            std::string("$argon2id$v=19$m=64,t=1,p=1$") + kSalt + "$c2hvcnQ"},
        MalformedCase{"output_too_long",
                      std::string("$argon2id$v=19$m=64,t=1,p=1$") + kSalt +
                          "$" + std::string(88, 'A')},
        MalformedCase{"output_not_base64",
                      std::string("$argon2id$v=19$m=64,t=1,p=1$") + kSalt +
                          "$" + std::string(43, '*')}),
    [](const auto& info) { return std::string(info.param.label); });

}  // namespace
}  // namespace users
