#include "gateway/idempotency_key.h"

#include <string>

#include "gtest/gtest.h"

namespace users::gateway {
namespace {

HttpRequest WithHeaders(
    std::vector<std::pair<std::string, std::string>> headers) {
  HttpRequest request;
  request.method = "PATCH";
  request.target = "/user";
  request.headers = std::move(headers);
  return request;
}

TEST(IdempotencyKeyTest, AbsentIsEmpty) {
  absl::StatusOr<std::string> key =
      IdempotencyKeyOf(WithHeaders({{"X-Request-Id", "abc"}}));
  ASSERT_TRUE(key.ok()) << key.status();
  EXPECT_EQ(*key, "");
}

TEST(IdempotencyKeyTest, AcceptedKeysComeBackTrimmed) {
  const std::string longest(255, '~');
  const std::pair<std::string, std::string> cases[] = {
      {"5f0c6d1e-8c1b-4f53-a0e1-6a3f4c2b9d10",
       "5f0c6d1e-8c1b-4f53-a0e1-6a3f4c2b9d10"},
      {"a", "a"},
      {longest, longest},
      {" \t key with inner spaces \t ", "key with inner spaces"},
      {"!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~",
       "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"},
  };
  for (const auto& [sent, expected] : cases) {
    absl::StatusOr<std::string> key =
        IdempotencyKeyOf(WithHeaders({{"Idempotency-Key", sent}}));
    ASSERT_TRUE(key.ok()) << sent << ": " << key.status();
    EXPECT_EQ(*key, expected);
  }
  // Header names compare case-insensitively.
  absl::StatusOr<std::string> lower =
      IdempotencyKeyOf(WithHeaders({{"idempotency-key", "k1"}}));
  ASSERT_TRUE(lower.ok());
  EXPECT_EQ(*lower, "k1");
}

TEST(IdempotencyKeyTest, MalformedKeysAreInvalidArgumentNamingTheHeader) {
  const std::pair<std::string, std::string> cases[] = {
      {"empty", ""},
      {"only spaces and tabs", " \t "},
      {"256 characters", std::string(256, 'k')},
      {"256 characters after trimming", " " + std::string(256, 'k') + " "},
      {"a control character", "key\x01value"},
      {"DEL", "key\x7f"},
      {"a tab inside", "key\tvalue"},
      {"non-ASCII (UTF-8)", "cl\xc3\xa9"},
      {"a NUL", std::string("key\0value", 9)},
  };
  for (const auto& [name, sent] : cases) {
    absl::StatusOr<std::string> key =
        IdempotencyKeyOf(WithHeaders({{"Idempotency-Key", sent}}));
    ASSERT_FALSE(key.ok()) << name;
    EXPECT_EQ(key.status().code(), absl::StatusCode::kInvalidArgument) << name;
    EXPECT_NE(std::string(key.status().message()).find("Idempotency-Key"),
              std::string::npos)
        << name << ": " << key.status();
  }
}

TEST(IdempotencyKeyTest, MoreThanOneHeaderIsInvalidEvenWhenEqual) {
  for (const auto& second : {"k1", "k2"}) {
    absl::StatusOr<std::string> key = IdempotencyKeyOf(
        WithHeaders({{"Idempotency-Key", "k1"}, {"idempotency-key", second}}));
    ASSERT_FALSE(key.ok()) << second;
    EXPECT_EQ(key.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(key.status().message(), "more than one Idempotency-Key header");
  }
}

}  // namespace
}  // namespace users::gateway
