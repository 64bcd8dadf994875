#ifndef USERS_SERVICES_USERS_PAGE_REQUEST_H_
#define USERS_SERVICES_USERS_PAGE_REQUEST_H_

#include <cstdint>
#include <string>
#include <vector>

#include "services/users/api_error.h"

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

// Hands the first page.size of `rows` (read with a limit of page.size + 1)
// to `add`, in order, and returns the next_page_token: "" after the last page.
// Rows have an int64_t `id`.
template <typename Row, typename Add>
std::string TakePage(std::vector<Row>& rows, const PageRequest& page, Add add) {
  const size_t size = static_cast<size_t>(page.size);
  for (size_t i = 0; i < rows.size() && i < size; ++i) add(rows[i]);
  return rows.size() > size ? std::to_string(rows[size - 1].id) : "";
}

}  // namespace users

#endif  // USERS_SERVICES_USERS_PAGE_REQUEST_H_
