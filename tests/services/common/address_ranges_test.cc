#include "services/common/address_ranges.h"

#include "gtest/gtest.h"

namespace users {
namespace {

boost::asio::ip::address Address(const char* text) {
  return boost::asio::ip::make_address(text);
}

TEST(AddressRangesTest, ContainsTheAddressesOfItsRanges) {
  absl::StatusOr<AddressRanges> ranges =
      AddressRanges::Parse("10.0.0.0/8, 127.0.0.1 ,fd00::/8");
  ASSERT_TRUE(ranges.ok()) << ranges.status();
  EXPECT_FALSE(ranges->empty());
  EXPECT_TRUE(ranges->Contains(Address("10.1.2.3")));
  EXPECT_TRUE(ranges->Contains(Address("127.0.0.1")));
  EXPECT_FALSE(ranges->Contains(Address("127.0.0.2")));
  EXPECT_TRUE(ranges->Contains(Address("fd00::7")));
  EXPECT_FALSE(ranges->Contains(Address("fe80::1")));
}

TEST(AddressRangesTest, LooksUpMappedAddressesAsIpv4) {
  absl::StatusOr<AddressRanges> ranges = AddressRanges::Parse("127.0.0.1/32");
  ASSERT_TRUE(ranges.ok());
  EXPECT_TRUE(ranges->Contains(Address("::ffff:127.0.0.1")));
  EXPECT_FALSE(ranges->Contains(Address("::ffff:127.0.0.2")));
  EXPECT_FALSE(ranges->Contains(Address("::1")));
}

TEST(AddressRangesTest, EmptyContainsNothing) {
  absl::StatusOr<AddressRanges> ranges = AddressRanges::Parse(" ");
  ASSERT_TRUE(ranges.ok());
  EXPECT_TRUE(ranges->empty());
  EXPECT_FALSE(ranges->Contains(Address("127.0.0.1")));
  EXPECT_FALSE(AddressRanges().Contains(Address("::1")));
}

TEST(AddressRangesTest, RefusesWhatIsNotARange) {
  for (const char* bad : {"10.0.0.0/33", "localhost", "10/8", "::1/129",
                          "1.2.3.4/", "127.0.0.1,nope"}) {
    EXPECT_FALSE(AddressRanges::Parse(bad).ok()) << bad;
  }
}

TEST(ParseIpAddressTest, ParsesAndUnmaps) {
  EXPECT_EQ(ParseIpAddress(" 10.0.0.1 "), Address("10.0.0.1"));
  EXPECT_EQ(ParseIpAddress("::ffff:10.0.0.1"), Address("10.0.0.1"));
  EXPECT_EQ(ParseIpAddress("::1"), Address("::1"));
  EXPECT_FALSE(ParseIpAddress("example.com").has_value());
  EXPECT_FALSE(ParseIpAddress("").has_value());
}

}  // namespace
}  // namespace users
