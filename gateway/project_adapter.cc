#include "gateway/project_adapter.h"

#include <optional>
#include <utility>

#include "absl/strings/ascii.h"
#include "gateway/grpc_http_status.h"
#include "gateway/string_util.h"
#include "gateway/struct_json.h"
#include "gateway/text_rules.h"
#include "gateway/time_format.h"
#include "services/common/json_struct.h"

namespace users::gateway {
namespace {

using nlohmann::json;

constexpr std::string_view kInvalidData = "user/invalid-data";

const std::vector<std::pair<std::string_view, std::string_view>>&
FieldRenames() {
  static const auto* renames =
      new std::vector<std::pair<std::string_view, std::string_view>>{
          {"display_name", "name"},
          {"avatar_uri", "avatar"},
          {"birth_date", "birthdate"},
          {"secure_metadata", "secureMetadata"},
      };
  return *renames;
}

std::string_view CodeFor(int status) {
  switch (status) {
    case 400:
      return kInvalidData;
    case 401:
      return "user/unauthorized";
    case 403:
      return "user/not-authorized";
    case 404:
      return "user/not-found";
    case 405:
      return "user/method-not-allowed";
    case 409:
      return "user/conflict";
    case 412:
      return "user/precondition-failed";
    case 413:
      return "user/payload-too-large";
    case 415:
      return "user/unsupported-media-type";
    case 422:
      // The contract's only 422.
      return "user/idempotency-key-reused";
    case 429:
      return "user/rate-limited";
    case 503:
      return "user/service-unavailable";
    case 504:
      return "user/timeout";
    default:
      return status >= 500 ? "user/server-error" : kInvalidData;
  }
}

ProjectAdapter::BodyError InvalidData(std::string message) {
  return ProjectAdapter::BodyError{std::string(kInvalidData),
                                   std::move(message)};
}

// Keeps [A-Za-z0-9._] of the trimmed username.
std::string SanitizeUsername(std::string_view username) {
  std::string out;
  for (char c : StripWhitespace(username)) {
    if (absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '.' ||
        c == '_') {
      out.push_back(c);
    }
  }
  return out;
}

// Sets a string field; JSON null clears it.
std::optional<ProjectAdapter::BodyError> ReadString(
    const json& update, std::string_view key, std::string_view path,
    std::string* out, google::protobuf::FieldMask& mask) {
  auto it = update.find(std::string(key));
  if (it == update.end()) return std::nullopt;
  if (it->is_null()) {
    mask.add_paths(std::string(path));
    return std::nullopt;
  }
  if (!it->is_string()) {
    return InvalidData(Cat("Invalid ", key, ": must be a string"));
  }
  *out = it->get<std::string>();
  mask.add_paths(std::string(path));
  return std::nullopt;
}

}  // namespace

ProjectAdapter::ProjectAdapter(const GatewayConfig& config,
                               UserBackend& backend)
    : config_(config), backend_(backend) {}

std::vector<Route> ProjectAdapter::Routes() {
  auto bind = [this](void (ProjectAdapter::*method)(RequestContext, Respond)) {
    return [this, method](RequestContext context, Respond done) {
      (this->*method)(std::move(context), std::move(done));
    };
  };
  return {
      Route{"PATCH", "/{projectId}/users/{userId}", true, true,
            bind(&ProjectAdapter::PatchUser), /*takes_idempotency_key=*/true},
      Route{"GET", "/{projectId}/users/{userId}", false, true,
            bind(&ProjectAdapter::GetUser)},
  };
}

std::string ProjectAdapter::UserName(const RequestContext& context) {
  auto project = context.params.find("projectId");
  auto user = context.params.find("userId");
  if (project == context.params.end() || user == context.params.end()) {
    return {};
  }
  // Project ids as userd accepts them: 3 to 63 characters of [a-z0-9-],
  // starting with a letter and not ending with '-'.
  const std::string& project_id = project->second;
  if (project_id.size() < 3 || project_id.size() > 63 ||
      !absl::ascii_islower(static_cast<unsigned char>(project_id.front())) ||
      project_id.back() == '-') {
    return {};
  }
  for (char c : project_id) {
    if (!absl::ascii_islower(static_cast<unsigned char>(c)) &&
        !absl::ascii_isdigit(static_cast<unsigned char>(c)) && c != '-') {
      return {};
    }
  }
  if (!ParsePositiveId(user->second)) return {};
  return Cat("projects/", project_id, "/users/", user->second);
}

std::optional<ProjectAdapter::BodyError> ProjectAdapter::BuildUpdate(
    const json& body, const std::string& user_name,
    users::v1::UpdateUserRequest& request) {
  auto found = body.find("update");
  if (found == body.end() || found->is_null() ||
      (found->is_object() && found->empty())) {
    return BodyError{"user/missing-data", "Missing required data"};
  }
  if (!found->is_object()) {
    return InvalidData("Invalid update: must be an object");
  }
  const json& update = *found;
  users::v1::User& user = *request.mutable_user();
  user.set_name(user_name);
  google::protobuf::FieldMask& mask = *request.mutable_update_mask();

  if (auto error = ReadString(update, "name", "display_name",
                              user.mutable_display_name(), mask)) {
    return error;
  }
  if (auto it = update.find("username"); it != update.end()) {
    if (!it->is_string()) {
      return InvalidData("Invalid username: must be a string");
    }
    std::string username = SanitizeUsername(it->get_ref<const std::string&>());
    if (username.empty()) {
      return InvalidData(
          "Invalid username: nothing left after keeping only letters, "
          "digits, '.' and '_'");
    }
    user.set_username(std::move(username));
    mask.add_paths("username");
  }
  if (auto error = ReadString(update, "avatar", "avatar_uri",
                              user.mutable_avatar_uri(), mask)) {
    return error;
  }
  if (auto error = ReadString(update, "bio", "bio", user.mutable_bio(), mask)) {
    return error;
  }
  if (auto it = update.find("birthdate"); it != update.end()) {
    if (!it->is_null()) {
      std::optional<google::type::Date> date;
      if (it->is_string()) date = ParseIsoDate(it->get<std::string>());
      if (!date) {
        return InvalidData(
            "Invalid birthdate: must be an ISO 8601 date or date-time");
      }
      *user.mutable_birth_date() = *date;
    }
    mask.add_paths("birth_date");
  }
  if (auto it = update.find("location"); it != update.end()) {
    if (!it->is_null()) {
      if (!it->is_object()) {
        return InvalidData(
            "Invalid location: must be an object with longitude and latitude");
      }
      auto longitude = it->find("longitude");
      auto latitude = it->find("latitude");
      if (longitude == it->end() || latitude == it->end() ||
          !longitude->is_number() || !latitude->is_number()) {
        return InvalidData(
            "Invalid location: longitude and latitude must be numbers");
      }
      double lng = longitude->get<double>();
      double lat = latitude->get<double>();
      if (lat < -90.0 || lat > 90.0) {
        return InvalidData(
            "Invalid location: latitude must be between -90 and 90");
      }
      if (lng < -180.0 || lng > 180.0) {
        return InvalidData(
            "Invalid location: longitude must be between -180 and 180");
      }
      user.mutable_location()->set_latitude(lat);
      user.mutable_location()->set_longitude(lng);
    }
    mask.add_paths("location");
  }
  for (const auto& [key, path] :
       {std::pair<std::string, std::string>{"metadata", "metadata"},
        {"secureMetadata", "secure_metadata"}}) {
    auto it = update.find(key);
    if (it == update.end()) continue;
    if (!it->is_null()) {
      if (!it->is_object()) {
        return InvalidData(Cat("Invalid ", key, ": must be an object"));
      }
      // The body parser's nesting limit keeps every object it lets through
      // within what a Struct may hold.
      std::optional<google::protobuf::Struct> value = JsonObjectToStruct(*it);
      if (!value.has_value()) {
        return InvalidData(Cat("Invalid ", key, ": nested too deeply"));
      }
      if (path == "metadata") {
        *user.mutable_metadata() = *std::move(value);
      } else {
        *user.mutable_secure_metadata() = *std::move(value);
      }
    }
    mask.add_paths(path);
  }
  return std::nullopt;
}

nlohmann::ordered_json ProjectAdapter::RenderUser(const users::v1::User& user) {
  auto string_or_null = [](const std::string& text) -> nlohmann::ordered_json {
    if (text.empty()) return nullptr;
    return text;
  };
  nlohmann::ordered_json body;
  body["id"] = UserIdOfName(user.name());
  body["username"] = user.username();
  body["name"] = string_or_null(user.display_name());
  body["avatar"] = string_or_null(user.avatar_uri());
  body["bio"] = string_or_null(user.bio());
  body["birthdate"] =
      string_or_null(FormatDateAsMidnightUtc(user.birth_date()));
  if (user.has_location()) {
    body["location"] = {
        {"type", "Point"},
        {"coordinates",
         {user.location().longitude(), user.location().latitude()}}};
  } else {
    body["location"] = nullptr;
  }
  body["metadata"] = StructToJson(user.metadata());
  body["suspensions"] = nlohmann::ordered_json::array();
  for (const auto& suspension : user.suspensions()) {
    nlohmann::ordered_json item;
    item["reason"] = suspension.reason();
    item["startDate"] = FormatRfc3339Millis(suspension.create_time());
    item["endDate"] = suspension.has_expire_time()
                          ? nlohmann::ordered_json(
                                FormatRfc3339Millis(suspension.expire_time()))
                          : nlohmann::ordered_json(nullptr);
    body["suspensions"].push_back(std::move(item));
  }
  return body;
}

HttpResponse ProjectAdapter::RenderError(const GatewayError& error,
                                         std::string_view request_id) const {
  nlohmann::ordered_json body;
  std::string_view code = CodeFor(error.status);
  if (code == "user/server-error") {
    body["error"] = "Internal server error";
    body["code"] = std::string(code);
    body["details"] = std::string(request_id);
  } else {
    body["error"] = error.message;
    body["code"] = std::string(code);
  }
  HttpResponse response = JsonResponse(error.status, body);
  if (!error.allow.empty()) response.SetHeader("Allow", error.allow);
  if (error.retry_after_seconds > 0) {
    response.SetHeader("Retry-After",
                       std::to_string(error.retry_after_seconds));
  }
  return response;
}

HttpResponse ProjectAdapter::RenderRpcError(const RpcError& error,
                                            std::string_view request_id) const {
  if (error.reason == "WEBHOOK_REJECTED") {
    auto it = error.metadata.find("message");
    std::string message = it != error.metadata.end() && !it->second.empty()
                              ? it->second
                              : "The update was rejected by validation";
    return JsonResponse(
        400, {{"error", message}, {"code", "user/validation-failed"}});
  }
  if (error.reason == "USER_SUSPENDED") {
    return JsonResponse(403, {{"error", "The account is suspended"},
                              {"code", "user/suspended"}});
  }
  if (error.reason == "REQUEST_ID_REUSED") {
    return RenderError(
        GatewayError{422,
                     "The Idempotency-Key was already used for a different "
                     "request",
                     0, ""},
        request_id);
  }
  if (error.reason == "WEBHOOK_UNAVAILABLE") {
    return JsonResponse(503,
                        {{"error", "The validation webhook is unavailable"},
                         {"code", "user/webhook-unavailable"}});
  }
  GatewayError out{HttpStatusFromGrpc(error.code), "", 0, ""};
  switch (out.status) {
    case 400:
      if (!error.violations.empty()) {
        const auto& violation = error.violations.front();
        out.message =
            Cat("Invalid ", RenameField(violation.field, FieldRenames()), ": ",
                violation.description);
      } else {
        out.message = "Invalid data";
      }
      break;
    case 401:
      out.message = "Unauthorized";
      break;
    case 403:
      out.message = "Not authorized to access this user";
      break;
    case 404:
      out.message = "User not found";
      break;
    case 409:
      out.message = error.reason == "EMAIL_TAKEN" ? "Email already taken"
                    : error.reason == "USERNAME_TAKEN"
                        ? "Username already taken"
                        : "Conflict, retry";
      break;
    case 429:
      out.message = "Too many requests";
      out.retry_after_seconds = error.RetryAfterSeconds();
      break;
    case 503:
      out.message = "Service unavailable";
      out.retry_after_seconds = error.UnavailableRetryAfterSeconds();
      break;
    case 504:
      out.message = "Upstream timed out";
      break;
    default:
      out.message = "Request failed";
      break;
  }
  return RenderError(out, request_id);
}

void ProjectAdapter::PatchUser(RequestContext context, Respond done) {
  const std::string name = UserName(context);
  if (name.empty()) {
    return done(RenderError(GatewayError{404, "User not found", 0, ""},
                            context.request_id));
  }
  users::v1::UpdateUserRequest request;
  if (auto error = BuildUpdate(context.body, name, request)) {
    return done(
        JsonResponse(400, {{"error", error->message}, {"code", error->code}}));
  }
  std::string request_id = context.request_id;
  auto respond = [this, request_id,
                  done](const RpcResult<users::v1::User>& result) {
    if (!result.status.ok()) {
      RpcError error = RpcError::FromStatus(result.status);
      LogRpcFailure(request_id, "UpdateUser", error);
      return done(RenderRpcError(error, request_id));
    }
    done(JsonResponse(200, RenderUser(result.response)));
  };
  CallOptions options{context.credential, request_id, false};
  if (request.update_mask().paths().empty()) {
    users::v1::GetUserRequest get;
    get.set_name(name);
    return backend_.GetUser(options, get, std::move(respond));
  }
  request.set_request_id(context.idempotency_key);
  backend_.UpdateUser(options, request, std::move(respond));
}

void ProjectAdapter::GetUser(RequestContext context, Respond done) {
  const std::string name = UserName(context);
  if (name.empty()) {
    return done(RenderError(GatewayError{404, "User not found", 0, ""},
                            context.request_id));
  }
  users::v1::GetUserRequest request;
  request.set_name(name);
  std::string request_id = context.request_id;
  backend_.GetUser(
      CallOptions{context.credential, request_id, false}, request,
      [this, request_id, done](const RpcResult<users::v1::User>& result) {
        if (!result.status.ok()) {
          RpcError error = RpcError::FromStatus(result.status);
          LogRpcFailure(request_id, "GetUser", error);
          return done(RenderRpcError(error, request_id));
        }
        done(JsonResponse(200, RenderUser(result.response)));
      });
}

}  // namespace users::gateway
