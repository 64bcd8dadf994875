#ifndef USERS_GATEWAY_STRUCT_JSON_H_
#define USERS_GATEWAY_STRUCT_JSON_H_

#include "google/protobuf/struct.pb.h"
#include "nlohmann/json.hpp"

namespace users::gateway {

// Converts a JSON object to google.protobuf.Struct. Numbers become doubles
// (Struct has no integers). `object` must be an object.
google::protobuf::Struct JsonToStruct(const nlohmann::json& object);

// Converts a Struct back to a JSON object. Doubles that hold integers are
// written as integers, so {"n":1} comes back as {"n":1}.
nlohmann::ordered_json StructToJson(const google::protobuf::Struct& value);

}  // namespace users::gateway

#endif  // USERS_GATEWAY_STRUCT_JSON_H_
