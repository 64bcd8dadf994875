#ifndef USERS_GATEWAY_JSON_BODY_PARSER_H_
#define USERS_GATEWAY_JSON_BODY_PARSER_H_

#include <string_view>

#include "absl/status/statusor.h"
#include "nlohmann/json.hpp"

namespace users::gateway {

// Parses request bodies strictly: one JSON object, no duplicate keys at any
// level, valid UTF-8, at most kMaxDepth nested objects/arrays, nothing after
// the value but whitespace.
class JsonBodyParser final {
 public:
  static constexpr int kMaxDepth = 32;

  // Returns the object, or InvalidArgument whose message says what is wrong
  // in words fit for a client ("duplicate key \"email\"", "nesting deeper
  // than 32", "malformed JSON at byte 7", "body is not a JSON object").
  static absl::StatusOr<nlohmann::json> Parse(std::string_view body);
};

}  // namespace users::gateway

#endif  // USERS_GATEWAY_JSON_BODY_PARSER_H_
