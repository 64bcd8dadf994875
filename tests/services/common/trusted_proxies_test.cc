#include "services/common/trusted_proxies.h"

#include <string>

#include "gtest/gtest.h"

namespace users {
namespace {

TrustedProxies Trust(const char* cidrs) {
  absl::StatusOr<TrustedProxies> parsed = TrustedProxies::Parse(cidrs);
  EXPECT_TRUE(parsed.ok()) << parsed.status();
  return parsed.ok() ? *parsed : TrustedProxies();
}

TEST(TrustedProxiesTest, ParsesRangesAndBareAddresses) {
  TrustedProxies proxies = Trust(" 10.0.0.0/8, 192.168.1.7 ,fd00::/8,::1");
  auto address = [](const char* text) {
    return boost::asio::ip::make_address(text);
  };
  EXPECT_TRUE(proxies.Contains(address("10.255.0.1")));
  EXPECT_TRUE(proxies.Contains(address("192.168.1.7")));
  EXPECT_FALSE(proxies.Contains(address("192.168.1.8")));
  EXPECT_TRUE(proxies.Contains(address("fd12::5")));
  EXPECT_TRUE(proxies.Contains(address("::1")));
  EXPECT_FALSE(proxies.Contains(address("11.0.0.1")));
  EXPECT_FALSE(proxies.Contains(address("fe80::1")));
}

TEST(TrustedProxiesTest, EmptyListTrustsNobody) {
  TrustedProxies proxies = Trust("");
  EXPECT_EQ(proxies.ClientAddress("10.0.0.1", "1.2.3.4"), "10.0.0.1");
}

TEST(TrustedProxiesTest, RefusesWhatIsNotARange) {
  for (const char* bad :
       {"10.0.0.0/33", "example.com", "10.0.0/8", "::1/129", "1.2.3.4/8x"}) {
    EXPECT_FALSE(TrustedProxies::Parse(bad).ok()) << bad;
  }
}

TEST(TrustedProxiesTest, AnUntrustedPeerIsTheClientWhateverItForwards) {
  TrustedProxies proxies = Trust("10.0.0.0/8");
  EXPECT_EQ(proxies.ClientAddress("203.0.113.9", "1.1.1.1"), "203.0.113.9");
}

TEST(TrustedProxiesTest, TakesTheRightmostAddressThatIsNotAProxy) {
  TrustedProxies proxies = Trust("10.0.0.0/8");
  // The client put 6.6.6.6 in front itself; the first untrusted hop from the
  // right is what the proxy saw.
  EXPECT_EQ(
      proxies.ClientAddress("10.0.0.2", "6.6.6.6, 198.51.100.4, 10.0.0.9"),
      "198.51.100.4");
  EXPECT_EQ(proxies.ClientAddress("10.0.0.2", "2001:db8::7"), "2001:db8::7");
}

TEST(TrustedProxiesTest, GarbageEndsTheWalkAtTheLastTrustedHop) {
  TrustedProxies proxies = Trust("10.0.0.0/8");
  EXPECT_EQ(proxies.ClientAddress("10.0.0.2", "1.1.1.1, not-an-ip"),
            "10.0.0.2");
  EXPECT_EQ(proxies.ClientAddress("10.0.0.2", ""), "10.0.0.2");
  EXPECT_EQ(proxies.ClientAddress("10.0.0.2", "10.0.0.3"), "10.0.0.3");
}

TEST(TrustedProxiesTest, MappedPeersAreReportedAsIpv4) {
  TrustedProxies proxies = Trust("127.0.0.1");
  EXPECT_EQ(proxies.ClientAddress("::ffff:127.0.0.1", "192.0.2.1"),
            "192.0.2.1");
  EXPECT_EQ(proxies.ClientAddress("::ffff:192.0.2.5", ""), "192.0.2.5");
}

TEST(TrustedProxiesTest, AnUnparsablePeerIsReturnedAsItIs) {
  EXPECT_EQ(Trust("0.0.0.0/0").ClientAddress("", "1.2.3.4"), "");
}

}  // namespace
}  // namespace users
