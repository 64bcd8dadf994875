#include "storage/store_error.h"

#include <vector>

#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace users {
namespace {

// The payload: "table\ncolumn\ncommit_unknown(0|1)".
constexpr absl::string_view kStoreErrorTypeUrl = "users.storage/StoreError";

}  // namespace

absl::Status StoreError(absl::StatusCode code, absl::string_view message,
                        const StoreErrorDetail& detail) {
  absl::Status status(code, message);
  status.SetPayload(
      kStoreErrorTypeUrl,
      absl::Cord(absl::StrCat(detail.table, "\n", detail.column, "\n",
                              detail.commit_unknown ? 1 : 0)));
  return status;
}

std::optional<StoreErrorDetail> GetStoreErrorDetail(
    const absl::Status& status) {
  auto payload = status.GetPayload(kStoreErrorTypeUrl);
  if (!payload.has_value()) return std::nullopt;
  std::vector<std::string> parts = absl::StrSplit(std::string(*payload), '\n');
  if (parts.size() != 3) return std::nullopt;
  StoreErrorDetail detail;
  detail.table = parts[0];
  detail.column = parts[1];
  detail.commit_unknown = parts[2] == "1";
  return detail;
}

}  // namespace users
