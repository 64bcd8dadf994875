#include "services/userd/curl_webhook_client.h"

#include <string>

#include "gtest/gtest.h"

namespace users {
namespace {

// Expected values computed independently with OpenSSL's command line:
//   printf '%s' '<timestamp>.<body>' | openssl dgst -sha256 -hmac '<secret>'
TEST(CurlWebhookClientSignTest, IsHexHmacSha256OfTimestampDotBody) {
  EXPECT_EQ(
      CurlWebhookClient::Sign(
          "whsec_test", "1700000000",
          R"({"event":"validateUserUpdated","projectId":"acme","userId":7})"),
      "31af9678b147e25ef664ef4133afa24a772aecb510c04188fa023b39471447ce");
}

TEST(CurlWebhookClientSignTest, EmptySecretAndParts) {
  // HMAC-SHA256 with an empty key of the message ".".
  EXPECT_EQ(CurlWebhookClient::Sign("", "", ""),
            "0d0ab78babcce47b6860946aad720dcc13630f70074364b65665c4caefb81ecf");
}

TEST(CurlWebhookClientSignTest, DependsOnEveryInput) {
  const std::string base = CurlWebhookClient::Sign("secret", "1", "{}");
  EXPECT_EQ(base,  // of "1.{}"
            "1122767b193110cfec322b6f199b599edbf608ed087f2d27afb0b97d99523908");
  EXPECT_EQ(base.find_first_not_of("0123456789abcdef"), std::string::npos);
  EXPECT_EQ(CurlWebhookClient::Sign("secret", "1", "{}"), base);
  EXPECT_NE(CurlWebhookClient::Sign("secreT", "1", "{}"), base);
  EXPECT_NE(CurlWebhookClient::Sign("secret", "2", "{}"), base);
  EXPECT_NE(CurlWebhookClient::Sign("secret", "1", "{ }"), base);
}

}  // namespace
}  // namespace users
