#include "services/common/json_struct.h"

#include <cmath>
#include <string>

namespace users {
namespace {

// `depth`: the message's own depth below the outermost Struct. False when
// the JSON cannot become a Struct (JsonObjectToStruct).
bool SetStruct(const nlohmann::json& object, int depth,
               google::protobuf::Struct* out);

bool SetValue(const nlohmann::json& json, int depth,
              google::protobuf::Value* value) {
  if (depth > kMaxStructDepth) return false;
  using Type = nlohmann::json::value_t;
  switch (json.type()) {
    case Type::null:
      value->set_null_value(google::protobuf::NULL_VALUE);
      return true;
    case Type::boolean:
      value->set_bool_value(json.get<bool>());
      return true;
    case Type::number_integer:
    case Type::number_unsigned:
    case Type::number_float: {
      const double number = json.get<double>();
      if (!std::isfinite(number)) return false;
      value->set_number_value(number);
      return true;
    }
    case Type::string:
      value->set_string_value(json.get_ref<const std::string&>());
      return true;
    case Type::array: {
      if (depth + 1 > kMaxStructDepth) return false;
      google::protobuf::ListValue* list = value->mutable_list_value();
      for (const nlohmann::json& item : json) {
        if (!SetValue(item, depth + 2, list->add_values())) return false;
      }
      return true;
    }
    case Type::object:
      return SetStruct(json, depth + 1, value->mutable_struct_value());
    default:  // binary or discarded: never the result of parsing JSON
      return false;
  }
}

bool SetStruct(const nlohmann::json& object, int depth,
               google::protobuf::Struct* out) {
  if (depth > kMaxStructDepth) return false;
  auto& fields = *out->mutable_fields();
  for (const auto& [key, item] : object.items()) {
    if (!SetValue(item, depth + 2, &fields[key])) return false;
  }
  return true;
}

}  // namespace

std::optional<google::protobuf::Struct> JsonObjectToStruct(
    const nlohmann::json& object) {
  google::protobuf::Struct out;
  if (!object.is_object() || !SetStruct(object, 0, &out)) return std::nullopt;
  return out;
}

}  // namespace users
