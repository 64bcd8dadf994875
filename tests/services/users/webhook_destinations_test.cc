#include "services/users/webhook_destinations.h"

#include <optional>
#include <string>

#include "gtest/gtest.h"

namespace users {
namespace {

WebhookDestinations Relaxed(bool allow_http, const char* cidrs) {
  absl::StatusOr<AddressRanges> ranges = AddressRanges::Parse(cidrs);
  EXPECT_TRUE(ranges.ok()) << ranges.status();
  return WebhookDestinations(allow_http,
                             ranges.ok() ? *ranges : AddressRanges());
}

std::string ReasonOf(const WebhookDestinations& destinations,
                     const std::string& uri) {
  std::optional<WebhookUriProblem> problem = destinations.CheckUri(uri);
  return problem.has_value() ? problem->reason : "OK";
}

TEST(WebhookDestinationsTest, AcceptsHttpsToPublicHostsAndNames) {
  WebhookDestinations strict;
  for (const char* uri :
       {"https://hooks.example.com/validate", "https://hooks.example.com:8443/",
        "HTTPS://Example.COM/x?y=1#z", "https://8.8.8.8/hook",
        "https://[2606:4700:4700::1111]/", "https://example.com:65535/",
        "https://example.com:1/",
        // A DNS name is checked when connecting, whatever it resolves to.
        "https://localhost/", "https://internal.svc.cluster.local/"}) {
    EXPECT_EQ(ReasonOf(strict, uri), "OK") << uri;
  }
}

TEST(WebhookDestinationsTest, HttpOnlyWhenAllowed) {
  EXPECT_EQ(ReasonOf(WebhookDestinations(), "http://example.com/"),
            "INVALID_FORMAT");
  EXPECT_EQ(ReasonOf(Relaxed(true, ""), "http://example.com/"), "OK");
  EXPECT_EQ(ReasonOf(Relaxed(true, ""), "https://example.com/"), "OK");
  std::optional<WebhookUriProblem> problem =
      WebhookDestinations().CheckUri("http://example.com/");
  ASSERT_TRUE(problem.has_value());
  EXPECT_NE(problem->description.find("https"), std::string::npos);
}

TEST(WebhookDestinationsTest, RefusesMalformedUris) {
  WebhookDestinations relaxed = Relaxed(true, "");
  for (const char* uri :
       {"", "example.com", "/relative", "ftp://example.com/",
        "file:///etc/passwd", "gopher://example.com/", "https://",
        "https://exa mple.com/", "https://example.com/ x",
        "https://example.com:99999/", "https://example.com:0/",
        "https://example.com:-1/", "https://example.com:8o/", "https://[::1/",
        "https://[v1.x]/", "https://example.com\t/", "https://[zz::1]/"}) {
    EXPECT_EQ(ReasonOf(relaxed, uri), "INVALID_FORMAT") << uri;
  }
}

TEST(WebhookDestinationsTest, RefusesCredentialsInTheUri) {
  WebhookDestinations strict;
  for (const char* uri :
       {"https://user:secret@example.com/", "https://user@example.com/",
        "https://:secret@example.com/", "https://@example.com/"}) {
    std::optional<WebhookUriProblem> problem = strict.CheckUri(uri);
    ASSERT_TRUE(problem.has_value()) << uri;
    EXPECT_EQ(std::string(problem->reason), "INVALID_FORMAT") << uri;
    EXPECT_NE(problem->description.find("credentials"), std::string::npos);
  }
}

// Every notation libcurl reads as a non-public address, checked as libcurl
// reads it.
TEST(WebhookDestinationsTest, RefusesNonPublicLiteralsInAnyNotation) {
  WebhookDestinations relaxed = Relaxed(true, "");
  for (const char* uri : {"http://127.0.0.1/",
                          "http://127.0.0.1:8080/x",
                          "http://2130706433/",
                          "http://0x7f.1/",
                          "http://0x7f000001/",
                          "http://017700000001/",
                          "http://0177.0.0.1/",
                          "http://127.1/",
                          "http://%31%32%37.0.0.1/",
                          "http://0/",
                          "http://0.0.0.0/",
                          "http://[::1]/",
                          "http://[::]/",
                          "http://[::ffff:127.0.0.1]/",
                          "http://[0:0:0:0:0:ffff:7f00:1]/",
                          "http://[::ffff:7f00:1]/",
                          "http://[::127.0.0.1]/",
                          "http://169.254.169.254/latest/meta-data/",
                          "http://[fe80::1%25eth0]/",
                          "http://10.0.0.1/",
                          "http://172.16.0.1/",
                          "http://192.168.1.1/",
                          "http://100.64.0.1/",
                          "http://224.0.0.1/",
                          "http://255.255.255.255/",
                          "http://[fd00::1]/",
                          "http://[ff02::1]/",
                          "https://[::ffff:a9fe:a9fe]/",
                          "https://10.1.2.3:443/"}) {
    std::optional<WebhookUriProblem> problem = relaxed.CheckUri(uri);
    ASSERT_TRUE(problem.has_value()) << uri;
    EXPECT_EQ(std::string(problem->reason), "DESTINATION_NOT_ALLOWED") << uri;
    EXPECT_EQ(problem->description.find("127"), std::string::npos);
  }
}

TEST(WebhookDestinationsTest, AnAllowedRangeOpensItsAddressesOnly) {
  WebhookDestinations loopback = Relaxed(true, "127.0.0.1/32");
  EXPECT_EQ(ReasonOf(loopback, "http://127.0.0.1:8080/"), "OK");
  EXPECT_EQ(ReasonOf(loopback, "http://2130706433:8080/"), "OK");
  EXPECT_EQ(ReasonOf(loopback, "http://[::ffff:127.0.0.1]:8080/"), "OK");
  EXPECT_EQ(ReasonOf(loopback, "http://127.0.0.2/"), "DESTINATION_NOT_ALLOWED");
  EXPECT_EQ(ReasonOf(loopback, "http://[::1]/"), "DESTINATION_NOT_ALLOWED");
  EXPECT_EQ(ReasonOf(loopback, "http://169.254.169.254/"),
            "DESTINATION_NOT_ALLOWED");
  WebhookDestinations cluster = Relaxed(false, "10.96.0.0/12,fd00::/8");
  EXPECT_EQ(ReasonOf(cluster, "https://10.100.1.2/"), "OK");
  EXPECT_EQ(ReasonOf(cluster, "https://[fd00::5]/"), "OK");
  EXPECT_EQ(ReasonOf(cluster, "https://10.0.0.1/"), "DESTINATION_NOT_ALLOWED");
  EXPECT_EQ(ReasonOf(cluster, "http://10.100.1.2/"), "INVALID_FORMAT");
}

TEST(WebhookDestinationsTest, MayConnectIsPublicOrAllowed) {
  namespace ip = boost::asio::ip;
  WebhookDestinations strict;
  EXPECT_TRUE(strict.MayConnect(ip::make_address("93.184.215.14")));
  EXPECT_FALSE(strict.MayConnect(ip::make_address("127.0.0.1")));
  EXPECT_FALSE(strict.MayConnect(ip::make_address("::ffff:127.0.0.1")));
  EXPECT_FALSE(strict.MayConnect(ip::make_address("::1")));
  WebhookDestinations loopback = Relaxed(false, "127.0.0.1/32");
  EXPECT_TRUE(loopback.MayConnect(ip::make_address("127.0.0.1")));
  EXPECT_TRUE(loopback.MayConnect(ip::make_address("::ffff:127.0.0.1")));
  EXPECT_FALSE(loopback.MayConnect(ip::make_address("::1")));
  EXPECT_FALSE(loopback.MayConnect(ip::make_address("10.0.0.1")));
}

}  // namespace
}  // namespace users
