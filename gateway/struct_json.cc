#include "gateway/struct_json.h"

#include <cmath>

namespace users::gateway {
namespace {

google::protobuf::Value ToValue(const nlohmann::json& json) {
  google::protobuf::Value value;
  switch (json.type()) {
    case nlohmann::json::value_t::null:
      value.set_null_value(google::protobuf::NULL_VALUE);
      break;
    case nlohmann::json::value_t::boolean:
      value.set_bool_value(json.get<bool>());
      break;
    case nlohmann::json::value_t::number_integer:
    case nlohmann::json::value_t::number_unsigned:
    case nlohmann::json::value_t::number_float:
      value.set_number_value(json.get<double>());
      break;
    case nlohmann::json::value_t::string:
      value.set_string_value(json.get<std::string>());
      break;
    case nlohmann::json::value_t::array:
      for (const auto& item : json) {
        *value.mutable_list_value()->add_values() = ToValue(item);
      }
      value.mutable_list_value();
      break;
    case nlohmann::json::value_t::object:
      *value.mutable_struct_value() = JsonToStruct(json);
      break;
    default:
      value.set_null_value(google::protobuf::NULL_VALUE);
      break;
  }
  return value;
}

nlohmann::ordered_json FromValue(const google::protobuf::Value& value) {
  switch (value.kind_case()) {
    case google::protobuf::Value::kBoolValue:
      return value.bool_value();
    case google::protobuf::Value::kNumberValue: {
      double number = value.number_value();
      if (std::isfinite(number) && std::trunc(number) == number &&
          std::fabs(number) < 9007199254740992.0) {
        return static_cast<int64_t>(number);
      }
      return number;
    }
    case google::protobuf::Value::kStringValue:
      return value.string_value();
    case google::protobuf::Value::kListValue: {
      nlohmann::ordered_json array = nlohmann::ordered_json::array();
      for (const auto& item : value.list_value().values()) {
        array.push_back(FromValue(item));
      }
      return array;
    }
    case google::protobuf::Value::kStructValue:
      return StructToJson(value.struct_value());
    default:
      return nullptr;
  }
}

}  // namespace

google::protobuf::Struct JsonToStruct(const nlohmann::json& object) {
  google::protobuf::Struct out;
  for (const auto& [key, item] : object.items()) {
    (*out.mutable_fields())[key] = ToValue(item);
  }
  return out;
}

nlohmann::ordered_json StructToJson(const google::protobuf::Struct& value) {
  nlohmann::ordered_json out = nlohmann::ordered_json::object();
  // Map order is unspecified; sort keys for stable output.
  std::map<std::string, const google::protobuf::Value*> sorted;
  for (const auto& [key, item] : value.fields()) sorted[key] = &item;
  for (const auto& [key, item] : sorted) out[key] = FromValue(*item);
  return out;
}

}  // namespace users::gateway
