#include "services/users/tokens.h"

#include <set>
#include <string>

#include "absl/strings/escaping.h"
#include "gtest/gtest.h"

namespace users {
namespace {

bool IsBase64UrlAlphabet(const std::string& text) {
  for (char c : text) {
    bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
              (c >= '0' && c <= '9') || c == '-' || c == '_';
    if (!ok) return false;
  }
  return true;
}

TEST(NewTokenTest, Is43Base64UrlCharacters) {
  for (int i = 0; i < 200; ++i) {
    std::string token = NewToken();
    EXPECT_EQ(token.size(), 43u) << token;
    EXPECT_TRUE(IsBase64UrlAlphabet(token)) << token;
    std::string decoded;
    ASSERT_TRUE(absl::WebSafeBase64Unescape(token, &decoded)) << token;
    EXPECT_EQ(decoded.size(), 32u);
  }
}

TEST(NewTokenTest, IsDistinctAcrossCalls) {
  std::set<std::string> tokens;
  for (int i = 0; i < 1000; ++i) tokens.insert(NewToken());
  EXPECT_EQ(tokens.size(), 1000u);
}

TEST(RandomBytesTest, HasTheRequestedLengthAndVaries) {
  EXPECT_EQ(RandomBytes(0).size(), 0u);
  EXPECT_EQ(RandomBytes(1).size(), 1u);
  EXPECT_EQ(RandomBytes(64).size(), 64u);
  EXPECT_NE(RandomBytes(32), RandomBytes(32));
}

TEST(Base64UrlEncodeTest, UsesTheUrlAlphabetWithoutPadding) {
  struct Case {
    std::string bytes;
    const char* expected;
  };
  for (const Case& c :
       {Case{"", ""}, Case{"f", "Zg"}, Case{"fo", "Zm8"}, Case{"foo", "Zm9v"},
        Case{"foob", "Zm9vYg"}, Case{"\xFB\xFF", "-_8"},
        Case{"\xFB\xEF\xBE", "----"}, Case{"\xFF\xFF\xFF", "____"}}) {
    EXPECT_EQ(Base64UrlEncode(c.bytes), c.expected);
  }
}

TEST(TokenHashTest, IsRawSha256) {
  // Known vectors (FIPS 180-2; `printf abc | openssl dgst -sha256`).
  EXPECT_EQ(absl::BytesToHexString(TokenHash("abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(absl::BytesToHexString(TokenHash("")),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(TokenHash("abc").size(), 32u);
}

TEST(TokenHashTest, IsDeterministicAndDistinguishesTokens) {
  std::string token = NewToken();
  EXPECT_EQ(TokenHash(token), TokenHash(token));
  EXPECT_NE(TokenHash(token), TokenHash(token + "x"));
  EXPECT_NE(TokenHash(token), token);
}

}  // namespace
}  // namespace users
