// The gateway's strict JSON body parser on arbitrary bytes. What it accepts
// must be one object that survives a round trip: serialized and parsed again,
// it is accepted and equal.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "gateway/json_body_parser.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view body(reinterpret_cast<const char*>(data), size);
  absl::StatusOr<nlohmann::json> parsed =
      users::gateway::JsonBodyParser::Parse(body);
  if (!parsed.ok()) {
    if (parsed.status().code() != absl::StatusCode::kInvalidArgument) {
      __builtin_trap();
    }
    return 0;
  }
  if (!parsed->is_object()) __builtin_trap();
  std::string again = parsed->dump();
  absl::StatusOr<nlohmann::json> reparsed =
      users::gateway::JsonBodyParser::Parse(again);
  if (!reparsed.ok() || *reparsed != *parsed) __builtin_trap();
  return 0;
}
