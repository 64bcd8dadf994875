#include "services/common/address_ranges.h"

#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace users {
namespace {

namespace ip = boost::asio::ip;

ip::address Unmapped(const ip::address& address) {
  if (address.is_v6() && address.to_v6().is_v4_mapped()) {
    return ip::make_address_v4(ip::v4_mapped, address.to_v6());
  }
  return address;
}

}  // namespace

std::optional<ip::address> ParseIpAddress(absl::string_view text) {
  boost::system::error_code error;
  ip::address address =
      ip::make_address(std::string(absl::StripAsciiWhitespace(text)), error);
  if (error) return std::nullopt;
  return Unmapped(address);
}

absl::StatusOr<AddressRanges> AddressRanges::Parse(absl::string_view cidrs) {
  AddressRanges result;
  for (absl::string_view entry :
       absl::StrSplit(cidrs, ',', absl::SkipWhitespace())) {
    entry = absl::StripAsciiWhitespace(entry);
    boost::system::error_code error;
    std::string text(entry);
    if (text.find('/') == std::string::npos) {
      std::optional<ip::address> address = ParseIpAddress(text);
      if (!address.has_value()) {
        return absl::InvalidArgumentError(
            absl::StrCat("not an address or CIDR range: \"", entry, "\""));
      }
      text = absl::StrCat(text, address->is_v4() ? "/32" : "/128");
    }
    if (text.find(':') == std::string::npos) {
      ip::network_v4 network = ip::make_network_v4(text, error);
      if (!error) result.v4_.push_back(network.canonical());
    } else {
      ip::network_v6 network = ip::make_network_v6(text, error);
      if (!error) result.v6_.push_back(network.canonical());
    }
    if (error) {
      return absl::InvalidArgumentError(
          absl::StrCat("not an address or CIDR range: \"", entry, "\""));
    }
  }
  return result;
}

bool AddressRanges::Contains(const ip::address& original) const {
  const ip::address address = Unmapped(original);
  if (address.is_v4()) {
    for (const ip::network_v4& network : v4_) {
      if (ip::network_v4(address.to_v4(), network.prefix_length())
              .canonical() == network) {
        return true;
      }
    }
    return false;
  }
  for (const ip::network_v6& network : v6_) {
    if (ip::network_v6(address.to_v6(), network.prefix_length()).canonical() ==
        network) {
      return true;
    }
  }
  return false;
}

}  // namespace users
