#include "services/common/public_address.h"

#include <array>
#include <cstdint>

namespace users {
namespace {

namespace ip = boost::asio::ip;

struct Range4 {
  uint32_t base;
  int prefix;
};

constexpr uint32_t Ip4(uint32_t a, uint32_t b, uint32_t c, uint32_t d) {
  return a << 24 | b << 16 | c << 8 | d;
}

constexpr std::array<Range4, 14> kNonPublic4 = {{
    {Ip4(0, 0, 0, 0), 8},
    {Ip4(10, 0, 0, 0), 8},
    {Ip4(100, 64, 0, 0), 10},
    {Ip4(127, 0, 0, 0), 8},
    {Ip4(169, 254, 0, 0), 16},
    {Ip4(172, 16, 0, 0), 12},
    {Ip4(192, 0, 0, 0), 24},
    {Ip4(192, 0, 2, 0), 24},
    {Ip4(192, 168, 0, 0), 16},
    {Ip4(198, 18, 0, 0), 15},
    {Ip4(198, 51, 100, 0), 24},
    {Ip4(203, 0, 113, 0), 24},
    {Ip4(224, 0, 0, 0), 4},
    {Ip4(240, 0, 0, 0), 4},
}};

bool IsPublic4(uint32_t address) {
  for (const Range4& range : kNonPublic4) {
    uint32_t mask = ~uint32_t{0} << (32 - range.prefix);
    if ((address & mask) == range.base) return false;
  }
  return true;
}

uint32_t Bytes4(const ip::address_v6::bytes_type& bytes, int at) {
  return uint32_t{bytes[at]} << 24 | uint32_t{bytes[at + 1]} << 16 |
         uint32_t{bytes[at + 2]} << 8 | uint32_t{bytes[at + 3]};
}

bool AllZero(const ip::address_v6::bytes_type& bytes, int from, int to) {
  for (int i = from; i < to; ++i) {
    if (bytes[i] != 0) return false;
  }
  return true;
}

bool IsPublic6(const ip::address_v6& address) {
  const ip::address_v6::bytes_type bytes = address.to_bytes();
  // ::ffff:a.b.c.d (mapped) and ::a.b.c.d (compatible; :: and ::1 included,
  // which the IPv4 rule refuses as 0.0.0.0/8).
  if (AllZero(bytes, 0, 10) && ((bytes[10] == 0xff && bytes[11] == 0xff) ||
                                (bytes[10] == 0 && bytes[11] == 0))) {
    return IsPublic4(Bytes4(bytes, 12));
  }
  // 64:ff9b::a.b.c.d (NAT64, RFC 6052).
  if (bytes[0] == 0x00 && bytes[1] == 0x64 && bytes[2] == 0xff &&
      bytes[3] == 0x9b && AllZero(bytes, 4, 12)) {
    return IsPublic4(Bytes4(bytes, 12));
  }
  // Global unicast is 2000::/3; everything else is not public.
  if ((bytes[0] & 0xe0) != 0x20) return false;
  // 2002:AABB:CCDD::/48 (6to4) carries the IPv4 address AA.BB.CC.DD.
  if (bytes[0] == 0x20 && bytes[1] == 0x02) return IsPublic4(Bytes4(bytes, 2));
  if (bytes[0] == 0x20 && bytes[1] == 0x01) {
    // 2001::/32 (Teredo) and 2001:db8::/32 (documentation).
    if (bytes[2] == 0x00 && bytes[3] == 0x00) return false;
    if (bytes[2] == 0x0d && bytes[3] == 0xb8) return false;
  }
  return true;
}

}  // namespace

bool IsPublicAddress(const ip::address& address) {
  if (address.is_v4()) return IsPublic4(address.to_v4().to_uint());
  return IsPublic6(address.to_v6());
}

}  // namespace users
