// AIP-161 mask resolution on arbitrary paths and users.
//
// Input: the mask's paths, comma-separated, up to the first newline ("-"
// alone: no mask at all), then a users.v1.User in protobuf wire format.
// Whatever resolves must name only writable paths, each once.

#include <cstddef>
#include <cstdint>
#include <set>
#include <string>
#include <string_view>

#include "google/protobuf/field_mask.pb.h"
#include "services/users/user_mask.h"
#include "users/v1/user.pb.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  size_t newline = input.find('\n');
  std::string_view paths = input.substr(0, newline);
  std::string_view wire = newline == std::string_view::npos
                              ? std::string_view()
                              : input.substr(newline + 1);
  users::v1::User user;
  if (!user.ParseFromArray(wire.data(), static_cast<int>(wire.size()))) {
    user.Clear();
  }
  google::protobuf::FieldMask mask;
  const bool has_mask = paths != "-";
  if (has_mask) {
    while (true) {
      size_t comma = paths.find(',');
      mask.add_paths(std::string(paths.substr(0, comma)));
      if (comma == std::string_view::npos) break;
      paths.remove_prefix(comma + 1);
    }
  }
  absl::StatusOr<users::ResolvedMask> resolved =
      users::ResolveUpdateMask(user, has_mask ? &mask : nullptr);
  if (!resolved.ok()) {
    if (resolved.status().code() != absl::StatusCode::kInvalidArgument) {
      __builtin_trap();
    }
    return 0;
  }
  const std::vector<std::string>& writable = users::WritableUserPaths();
  std::set<std::string> known(writable.begin(), writable.end());
  std::set<std::string> seen;
  for (const std::string& path : resolved->paths) {
    if (known.count(path) == 0 || !seen.insert(path).second) __builtin_trap();
  }
  return 0;
}
