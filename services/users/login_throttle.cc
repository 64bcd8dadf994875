#include "services/users/login_throttle.h"

#include <algorithm>
#include <cmath>

#include "boost/asio/ip/address.hpp"
#include "boost/asio/ip/network_v6.hpp"
#include "services/users/api_error.h"

namespace users {

double LoginRetryDelay(const LoginThrottlePolicy& policy,
                       const LoginFailures& failures) {
  double wait_until = 0;
  int beyond_free = failures.consecutive_failures - policy.free_failures;
  if (beyond_free >= 0) {
    // Capped before exponentiating, so a long streak cannot overflow.
    double delay = std::min(
        policy.max_delay_seconds,
        policy.first_delay_seconds * std::exp2(std::min(beyond_free, 62)));
    wait_until = failures.last_failure_time + delay;
  }
  if (failures.limit_reached_time.has_value()) {
    wait_until =
        std::max(wait_until, *failures.limit_reached_time +
                                 static_cast<double>(policy.window_seconds));
  }
  return std::max(0.0, wait_until - failures.now);
}

std::string ThrottledAddress(absl::string_view client_address) {
  boost::system::error_code error;
  boost::asio::ip::address address =
      boost::asio::ip::make_address(std::string(client_address), error);
  if (error || !address.is_v6()) return std::string(client_address);
  return boost::asio::ip::network_v6(address.to_v6(), 64)
      .canonical()
      .to_string();
}

absl::Status LoginThrottled(double delay_seconds) {
  int64_t seconds =
      std::max<int64_t>(1, static_cast<int64_t>(std::ceil(delay_seconds)));
  absl::Status status =
      ApiError(absl::StatusCode::kResourceExhausted, "LOGIN_THROTTLED",
               "too many failed logins; retry later");
  SetRetryDelay(status, seconds);
  return status;
}

}  // namespace users
