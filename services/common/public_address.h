#ifndef USERS_SERVICES_COMMON_PUBLIC_ADDRESS_H_
#define USERS_SERVICES_COMMON_PUBLIC_ADDRESS_H_

#include "boost/asio/ip/address.hpp"

namespace users {

// Whether `address` is a public unicast address: one a request to the
// internet may reach without reaching into the network the service runs in.
//
// Never public (IPv4): 0.0.0.0/8 (unspecified, "this network"), 10.0.0.0/8,
// 172.16.0.0/12, 192.168.0.0/16 (RFC 1918), 100.64.0.0/10 (CGNAT),
// 127.0.0.0/8 (loopback), 169.254.0.0/16 (link-local), 192.0.0.0/24 (IETF
// protocol assignments), 192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24
// (documentation), 198.18.0.0/15 (benchmarking), 224.0.0.0/4 (multicast) and
// 240.0.0.0/4 (reserved, with the broadcast address 255.255.255.255).
//
// IPv6: only global unicast (2000::/3) is public, minus 2001::/32 (Teredo)
// and 2001:db8::/32 (documentation); so ::, ::1, fc00::/7 (unique local),
// fe80::/10 (link-local), fec0::/10, ff00::/8 (multicast) and 100::/64 are
// not. Forms that carry an IPv4 address follow the IPv4 rule for it:
// IPv4-mapped ::ffff:a.b.c.d, IPv4-compatible ::a.b.c.d, NAT64
// 64:ff9b::a.b.c.d and 6to4 2002:AABB:CCDD::/48.
bool IsPublicAddress(const boost::asio::ip::address& address);

}  // namespace users

#endif  // USERS_SERVICES_COMMON_PUBLIC_ADDRESS_H_
