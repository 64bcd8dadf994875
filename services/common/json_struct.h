#ifndef USERS_SERVICES_COMMON_JSON_STRUCT_H_
#define USERS_SERVICES_COMMON_JSON_STRUCT_H_

#include <optional>

#include "google/protobuf/struct.pb.h"
#include "nlohmann/json.hpp"

namespace users {

// How deep below a google.protobuf.Struct (depth 0) a message may be in
// anything a request carries: protobuf's parser refuses messages nested more
// than 100 deep, counted from the request. A field's Value is two levels
// below its Struct (the map entry, the Value), a nested Struct or ListValue
// one below its Value, a list's Value one below the list.
inline constexpr int kMaxStructDepth = 98;

// Converts a JSON object to google.protobuf.Struct; numbers become doubles
// (Struct has no integers). std::nullopt when `object` is not an object,
// holds a number that is not finite, or nests a message deeper than
// kMaxStructDepth (a Struct no request could carry, and no client parse).
std::optional<google::protobuf::Struct> JsonObjectToStruct(
    const nlohmann::json& object);

}  // namespace users

#endif  // USERS_SERVICES_COMMON_JSON_STRUCT_H_
