#ifndef USERS_SERVICES_COMMON_REQUEST_IDS_H_
#define USERS_SERVICES_COMMON_REQUEST_IDS_H_

#include <string>

namespace users {

// A fresh tracing id (x-request-id) for a call that came without a usable
// one: 128 bits from OpenSSL's CSPRNG as 32 lower-case hex digits, so that
// no client can predict another's. userd and the gateway both use it.
// Aborts if the CSPRNG fails.
std::string NewRequestId();

}  // namespace users

#endif  // USERS_SERVICES_COMMON_REQUEST_IDS_H_
