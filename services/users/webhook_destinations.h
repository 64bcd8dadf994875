#ifndef USERS_SERVICES_USERS_WEBHOOK_DESTINATIONS_H_
#define USERS_SERVICES_USERS_WEBHOOK_DESTINATIONS_H_

#include <optional>
#include <string>

#include "absl/strings/string_view.h"
#include "boost/asio/ip/address.hpp"
#include "services/common/address_ranges.h"

namespace users {

// Why a webhook URI is refused: a field reason (INVALID_FORMAT,
// DESTINATION_NOT_ALLOWED) and an English description that names no address.
struct WebhookUriProblem {
  const char* reason;
  std::string description;
};

// Where project webhooks may go. A URI is read by libcurl's own URL parser
// (curl_url), the one that later fetches it, so "http://2130706433/",
// "http://0x7f.1/" and "http://[::ffff:127.0.0.1]/" are all 127.0.0.1 here
// as they would be on the wire.
//
// The rule: https (http too when `allow_http`), a host, a port in 1-65535,
// no credentials in the URI; and every address connected to must be public
// (IsPublicAddress) or inside `allowed`. A literal IP host is checked with
// the URI; a DNS name only at connect time, on each address it resolves to.
class WebhookDestinations final {
 public:
  WebhookDestinations() = default;  // https to public addresses only
  WebhookDestinations(bool allow_http, AddressRanges allowed)
      : allow_http_(allow_http), allowed_(std::move(allowed)) {}

  // nullopt when `uri` may be configured and called.
  std::optional<WebhookUriProblem> CheckUri(absl::string_view uri) const;

  // Whether a connection to `address` may be opened.
  bool MayConnect(const boost::asio::ip::address& address) const;

  bool allow_http() const { return allow_http_; }

 private:
  bool allow_http_ = false;
  AddressRanges allowed_;
};

}  // namespace users

#endif  // USERS_SERVICES_USERS_WEBHOOK_DESTINATIONS_H_
