#include "services/common/trusted_proxies.h"

#include <optional>
#include <utility>
#include <vector>

#include "absl/strings/str_split.h"

namespace users {

absl::StatusOr<TrustedProxies> TrustedProxies::Parse(absl::string_view cidrs) {
  absl::StatusOr<AddressRanges> ranges = AddressRanges::Parse(cidrs);
  if (!ranges.ok()) return ranges.status();
  TrustedProxies result;
  result.ranges_ = *std::move(ranges);
  return result;
}

std::string TrustedProxies::ClientAddress(
    absl::string_view peer, absl::string_view forwarded_for) const {
  std::optional<boost::asio::ip::address> current = ParseIpAddress(peer);
  if (!current.has_value()) return std::string(peer);
  std::vector<absl::string_view> hops = absl::StrSplit(forwarded_for, ',');
  for (auto hop = hops.rbegin(); hop != hops.rend(); ++hop) {
    if (!Contains(*current)) break;
    std::optional<boost::asio::ip::address> next = ParseIpAddress(*hop);
    if (!next.has_value()) break;
    current = next;
  }
  return current->to_string();
}

}  // namespace users
