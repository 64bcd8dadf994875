#ifndef USERS_SERVICES_COMMON_TRUSTED_PROXIES_H_
#define USERS_SERVICES_COMMON_TRUSTED_PROXIES_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "boost/asio/ip/address.hpp"
#include "services/common/address_ranges.h"

namespace users {

// The proxies whose X-Forwarded-For (HTTP header or gRPC metadata) is
// believed, as a list of CIDR ranges, and the rule that picks the client's
// address: the peer itself unless it is a trusted proxy; then, walking
// X-Forwarded-For from the right, the first address that is not a trusted
// proxy. An unparsable entry ends the walk at the last address that was
// trusted (so a client cannot choose its own address by sending garbage).
class TrustedProxies final {
 public:
  TrustedProxies() = default;  // trusts nobody

  // Parses the ranges as AddressRanges::Parse does.
  static absl::StatusOr<TrustedProxies> Parse(absl::string_view cidrs);

  bool Contains(const boost::asio::ip::address& address) const {
    return ranges_.Contains(address);
  }

  // `peer` is the transport peer's address ("10.1.2.3", "::1"); an empty or
  // unparsable peer is returned unchanged. `forwarded_for` is the comma-
  // separated X-Forwarded-For value, possibly empty. IPv4-mapped IPv6 peers
  // are reported as IPv4.
  std::string ClientAddress(absl::string_view peer,
                            absl::string_view forwarded_for) const;

 private:
  AddressRanges ranges_;
};

}  // namespace users

#endif  // USERS_SERVICES_COMMON_TRUSTED_PROXIES_H_
