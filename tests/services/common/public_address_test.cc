#include "services/common/public_address.h"

#include <string>

#include "gtest/gtest.h"

namespace users {
namespace {

bool IsPublic(const std::string& text) {
  return IsPublicAddress(boost::asio::ip::make_address(text));
}

class NotPublicTest : public ::testing::TestWithParam<const char*> {};

TEST_P(NotPublicTest, IsRefused) { EXPECT_FALSE(IsPublic(GetParam())); }

INSTANTIATE_TEST_SUITE_P(
    Ipv4, NotPublicTest,
    ::testing::Values(
        // unspecified, "this network"
        "0.0.0.0", "0.255.255.255",
        // loopback
        "127.0.0.1", "127.255.255.254",
        // RFC 1918, edges included
        "10.0.0.0", "10.255.255.255", "172.16.0.1", "172.31.255.255",
        "192.168.0.1", "192.168.255.255",
        // CGNAT
        "100.64.0.1", "100.127.255.255",
        // link-local, with the cloud metadata address
        "169.254.0.1", "169.254.169.254",
        // protocol assignments, documentation, benchmarking
        "192.0.0.8", "192.0.2.1", "198.51.100.7", "203.0.113.9", "198.18.0.1",
        "198.19.255.255",
        // multicast, reserved, broadcast
        "224.0.0.1", "239.255.255.255", "240.0.0.1", "255.255.255.255"));

INSTANTIATE_TEST_SUITE_P(
    Ipv6, NotPublicTest,
    ::testing::Values(
        "::", "::1",
        // unique local fc00::/7 (both halves), link-local, site-local
        "fc00::1", "fd12:3456::1", "fe80::1", "febf:ffff::1", "fec0::1",
        // multicast, discard-only, documentation, Teredo
        "ff02::1", "ff0e::1", "100::1", "2001:db8::1", "2001:0:4136::1",
        // mapped and compatible forms of refused IPv4 addresses
        "::ffff:127.0.0.1", "::ffff:10.1.2.3", "::ffff:169.254.169.254",
        "::ffff:0.0.0.0", "::ffff:100.64.0.1", "::ffff:224.0.0.1",
        "::ffff:255.255.255.255", "::127.0.0.1", "::10.0.0.1",
        "::169.254.169.254",
        // NAT64 and 6to4 carrying refused IPv4 addresses
        "64:ff9b::127.0.0.1", "64:ff9b::a9fe:a9fe", "2002:7f00:1::1",
        "2002:c0a8:101::1",
        // anything outside 2000::/3 that is not special
        "4000::1", "e000::1"));

class PublicTest : public ::testing::TestWithParam<const char*> {};

TEST_P(PublicTest, IsAllowed) { EXPECT_TRUE(IsPublic(GetParam())); }

INSTANTIATE_TEST_SUITE_P(
    All, PublicTest,
    ::testing::Values(
        // next to the refused ranges
        "1.1.1.1", "8.8.8.8", "9.255.255.255", "11.0.0.0", "100.63.255.255",
        "100.128.0.0", "126.255.255.255", "128.0.0.0", "169.253.255.255",
        "169.255.0.0", "172.15.255.255", "172.32.0.0", "192.167.255.255",
        "192.169.0.0", "198.17.255.255", "198.20.0.0", "223.255.255.255",
        // global unicast IPv6 and the forms of public IPv4 addresses
        "2606:4700:4700::1111", "2a00:1450:4001::200e", "2001:4860::8888",
        "::ffff:8.8.8.8", "::8.8.8.8", "64:ff9b::8.8.8.8", "2002:808:808::1"));

}  // namespace
}  // namespace users
