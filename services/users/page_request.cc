#include "services/users/page_request.h"

#include "absl/strings/numbers.h"

namespace users {
namespace {

constexpr int kDefaultPageSize = 50;
constexpr int kMaxPageSize = 1000;

}  // namespace

PageRequest ParsePageRequest(int32_t page_size, const std::string& page_token,
                             FieldViolations& violations) {
  PageRequest page;
  if (page_size < 0) {
    violations.Add("page_size", "OUT_OF_RANGE", "must not be negative");
  }
  page.size = page_size <= 0 ? kDefaultPageSize : page_size;
  if (page.size > kMaxPageSize) page.size = kMaxPageSize;
  if (!page_token.empty() &&
      (!absl::SimpleAtoi(page_token, &page.after_id) || page.after_id <= 0)) {
    violations.Add("page_token", "INVALID_FORMAT",
                   "is not a token from a previous response");
  }
  return page;
}

}  // namespace users
