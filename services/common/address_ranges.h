#ifndef USERS_SERVICES_COMMON_ADDRESS_RANGES_H_
#define USERS_SERVICES_COMMON_ADDRESS_RANGES_H_

#include <optional>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "boost/asio/ip/address.hpp"
#include "boost/asio/ip/network_v4.hpp"
#include "boost/asio/ip/network_v6.hpp"

namespace users {

// A set of IPv4 and IPv6 CIDR ranges (trusted proxies, allowed webhook
// destinations).
class AddressRanges final {
 public:
  AddressRanges() = default;  // contains nothing

  // Parses "10.0.0.0/8,127.0.0.1/32,::1/128" (spaces allowed, empty = none).
  // A bare address is a /32 or /128. InvalidArgument names a bad entry.
  static absl::StatusOr<AddressRanges> Parse(absl::string_view cidrs);

  // An IPv4-mapped IPv6 address (::ffff:a.b.c.d) is looked up as IPv4.
  bool Contains(const boost::asio::ip::address& address) const;
  bool empty() const { return v4_.empty() && v6_.empty(); }

 private:
  std::vector<boost::asio::ip::network_v4> v4_;
  std::vector<boost::asio::ip::network_v6> v6_;
};

// Parses one address ("10.1.2.3", "::1", surrounding spaces allowed);
// IPv4-mapped IPv6 addresses come back as IPv4. nullopt when unparsable.
std::optional<boost::asio::ip::address> ParseIpAddress(absl::string_view text);

}  // namespace users

#endif  // USERS_SERVICES_COMMON_ADDRESS_RANGES_H_
