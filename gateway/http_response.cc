#include "gateway/http_response.h"

#include <algorithm>

#include "gateway/string_util.h"

namespace users::gateway {

void HttpResponse::SetJson(const nlohmann::ordered_json& json) {
  body = json.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  SetHeader("Content-Type", "application/json");
}

void HttpResponse::AddHeader(std::string name, std::string value) {
  headers.emplace_back(std::move(name), std::move(value));
}

void HttpResponse::SetHeader(std::string_view name, std::string value) {
  headers.erase(std::remove_if(headers.begin(), headers.end(),
                               [&](const auto& header) {
                                 return EqualsIgnoreCase(header.first, name);
                               }),
                headers.end());
  headers.emplace_back(std::string(name), std::move(value));
}

std::string_view HttpResponse::Header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (EqualsIgnoreCase(key, name)) return value;
  }
  return {};
}

bool HttpResponse::HasHeader(std::string_view name) const {
  for (const auto& header : headers) {
    if (EqualsIgnoreCase(header.first, name)) return true;
  }
  return false;
}

HttpResponse JsonResponse(int status, const nlohmann::ordered_json& json) {
  HttpResponse response;
  response.status = status;
  response.SetJson(json);
  return response;
}

}  // namespace users::gateway
