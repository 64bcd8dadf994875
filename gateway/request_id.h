#ifndef USERS_GATEWAY_REQUEST_ID_H_
#define USERS_GATEWAY_REQUEST_ID_H_

#include <string>
#include <string_view>

namespace users::gateway {

// The request id of a request: `given` (the X-Request-Id header) when it is
// 1..128 characters of [A-Za-z0-9._:-], else a fresh one (NewRequestId: 32
// hex digits). Ids are logged and sent as gRPC metadata, hence the charset.
std::string RequestIdFor(std::string_view given);

}  // namespace users::gateway

#endif  // USERS_GATEWAY_REQUEST_ID_H_
