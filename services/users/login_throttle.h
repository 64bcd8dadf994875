#ifndef USERS_SERVICES_USERS_LOGIN_THROTTLE_H_
#define USERS_SERVICES_USERS_LOGIN_THROTTLE_H_

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "storage/session_store.h"

namespace users {

// Login throttling (OWASP ASVS V6.3): exponential back-off rather than a hard
// lock-out that an attacker could turn against the victim.
struct LoginThrottlePolicy {
  // Failed checks of one identifier from one address that cost nothing.
  int free_failures = 5;
  // After them, the address waits first_delay, doubling with each further
  // failure, up to max_delay.
  double first_delay_seconds = 1;
  double max_delay_seconds = 15 * 60;
  // Independently, `window_limit` failures of an identifier within
  // `window_seconds`, from any addresses, close it to every address until the
  // oldest of them leaves the window.
  int window_limit = 100;
  int64_t window_seconds = 3600;
  // Housekeeping forgets a streak that saw no failure for this long.
  int64_t streak_retention_seconds = int64_t{24} * 3600;
};

// Seconds until an attempt with these failures may be checked; 0 when it may
// be checked now.
double LoginRetryDelay(const LoginThrottlePolicy& policy,
                       const LoginFailures& failures);

// What a client address counts as: an IPv4 address itself, an IPv6 address
// its /64 (one host can hold a whole /64, so per-address counting of single
// IPv6 addresses would let it rotate past the back-off). Anything that is not
// an address is returned unchanged.
std::string ThrottledAddress(absl::string_view client_address);

// RESOURCE_EXHAUSTED, ErrorInfo reason LOGIN_THROTTLED, and a
// google.rpc.RetryInfo of `delay_seconds` rounded up to whole seconds. It says
// nothing about the account or the password.
absl::Status LoginThrottled(double delay_seconds);

}  // namespace users

#endif  // USERS_SERVICES_USERS_LOGIN_THROTTLE_H_
