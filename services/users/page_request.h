#ifndef USERS_SERVICES_USERS_PAGE_REQUEST_H_
#define USERS_SERVICES_USERS_PAGE_REQUEST_H_

#include <cstdint>
#include <string>

#include "services/common/api_error.h"

namespace users {

// One page of a List call (AIP-158) over rows in id order.
struct PageRequest {
  int size = 0;          // rows to return
  int64_t after_id = 0;  // the last id of the previous page, or 0
};

// Reads `page_size` (0 means 50; capped at 1000; negative is refused) and
// `page_token` (what a previous response returned as next_page_token),
// adding violations of "page_size" / "page_token" to `violations`.
PageRequest ParsePageRequest(int32_t page_size, const std::string& page_token,
                             FieldViolations& violations);

// The next_page_token after a page whose last row has `last_id`.
std::string NextPageToken(int64_t last_id);

}  // namespace users

#endif  // USERS_SERVICES_USERS_PAGE_REQUEST_H_
