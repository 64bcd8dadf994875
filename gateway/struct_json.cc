#include "gateway/struct_json.h"

#include <cmath>

namespace users::gateway {
namespace {

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

nlohmann::ordered_json StructToJson(const google::protobuf::Struct& value) {
  nlohmann::ordered_json out = nlohmann::ordered_json::object();
  // Map order is unspecified; sort keys for stable output.
  std::map<std::string, const google::protobuf::Value*> sorted;
  for (const auto& [key, item] : value.fields()) sorted[key] = &item;
  for (const auto& [key, item] : sorted) out[key] = FromValue(*item);
  return out;
}

}  // namespace users::gateway
