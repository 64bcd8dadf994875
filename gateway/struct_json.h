#ifndef USERS_GATEWAY_STRUCT_JSON_H_
#define USERS_GATEWAY_STRUCT_JSON_H_

#include "google/protobuf/struct.pb.h"
#include "nlohmann/json.hpp"

namespace users::gateway {

// Converts a Struct to a JSON object. Doubles that hold integers are written
// as integers, so {"n":1} comes back as {"n":1}. (The other way is
// users::JsonObjectToStruct, services/common/json_struct.h.)
nlohmann::ordered_json StructToJson(const google::protobuf::Struct& value);

}  // namespace users::gateway

#endif  // USERS_GATEWAY_STRUCT_JSON_H_
