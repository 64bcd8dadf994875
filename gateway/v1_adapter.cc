#include "gateway/v1_adapter.h"

#include <utility>

#include "gateway/cookie_header.h"
#include "gateway/grpc_http_status.h"
#include "gateway/string_util.h"
#include "gateway/text_rules.h"
#include "gateway/time_format.h"

namespace users::gateway {
namespace {

using nlohmann::json;

constexpr std::string_view kPasswordMessage =
    "Password updates require a separate endpoint";
constexpr std::string_view kInvalidParameters = "Invalid request parameters";

const std::vector<std::pair<std::string_view, std::string_view>>&
FieldRenames() {
  static const auto* renames =
      new std::vector<std::pair<std::string_view, std::string_view>>{
          {"given_name", "first_name"},
          {"family_name", "last_name"},
      };
  return *renames;
}

// Body key -> User field path, for the string fields.
const std::vector<std::pair<std::string_view, std::string_view>>&
StringFields() {
  static const auto* fields =
      new std::vector<std::pair<std::string_view, std::string_view>>{
          {"email", "email"},
          {"username", "username"},
          {"first_name", "given_name"},
          {"last_name", "family_name"},
      };
  return *fields;
}

std::string_view ErrorCode(int status) {
  switch (status) {
    case 400:
      return "validation_error";
    case 401:
      return "unauthorized";
    case 403:
      return "forbidden";
    case 404:
      return "not_found";
    case 405:
      return "method_not_allowed";
    case 409:
      return "conflict";
    case 412:
      return "precondition_failed";
    case 413:
      return "payload_too_large";
    case 415:
      return "unsupported_media_type";
    case 422:
      // The contract's only 422.
      return "idempotency_key_reused";
    case 429:
      return "rate_limited";
    case 501:
      return "not_implemented";
    case 503:
      return "service_unavailable";
    case 504:
      return "gateway_timeout";
    default:
      return status >= 500 ? "internal_error" : "bad_request";
  }
}

// The per-field message of a violation reported by userd.
std::string FieldMessage(const std::string& field,
                         const RpcError::FieldViolation& violation) {
  if (violation.reason == "INVALID_FORMAT" && field == "email") {
    return "Invalid email format";
  }
  if (violation.reason == "REQUIRED") return "This field is required";
  if (violation.reason == "TAKEN") {
    return field == "email" ? "Email already taken" : "Username already taken";
  }
  if (!violation.description.empty()) return violation.description;
  return "Invalid value";
}

std::string ParseEtag(std::string_view if_match) {
  if_match = StripWhitespace(if_match);
  if (if_match == "*") return {};
  ConsumePrefix(&if_match, "W/");
  if (if_match.size() >= 2 && if_match.front() == '"' &&
      if_match.back() == '"') {
    if_match = if_match.substr(1, if_match.size() - 2);
  }
  return std::string(if_match);
}

std::string RoleName(users::v1::User::Role role) {
  return role == users::v1::User::ROLE_ADMIN ? "admin" : "user";
}

}  // namespace

V1Adapter::V1Adapter(const GatewayConfig& config, UserBackend& backend)
    : config_(config), backend_(backend) {}

std::vector<Route> V1Adapter::Routes() {
  auto bind = [this](void (V1Adapter::*method)(RequestContext, Respond)) {
    return [this, method](RequestContext context, Respond done) {
      (this->*method)(std::move(context), std::move(done));
    };
  };
  return {
      Route{"PATCH", "/v1/users/{user_id}", true, true,
            bind(&V1Adapter::PatchUser), /*takes_idempotency_key=*/true},
      Route{"GET", "/v1/users/{user_id}", false, true,
            bind(&V1Adapter::GetUser)},
      Route{"POST", "/v1/users", true, true, bind(&V1Adapter::CreateUser),
            /*takes_idempotency_key=*/true},
      Route{"POST", "/v1/sessions", true, false,
            bind(&V1Adapter::CreateSession)},
      Route{"DELETE", "/v1/sessions/current", false, true,
            bind(&V1Adapter::DeleteSession), /*takes_idempotency_key=*/true},
  };
}

std::optional<int64_t> V1Adapter::ParseUserId(std::string_view id) {
  if (!ConsumePrefix(&id, "usr_")) return std::nullopt;
  return ParsePositiveId(id);
}

std::optional<V1Adapter::BodyError> V1Adapter::ReadUserBody(
    const json& body, bool allow_password, users::v1::User& user,
    std::vector<std::string>& mask_paths) {
  BodyError error;
  bool password_refused = false;
  for (const auto& [key, value] : body.items()) {
    if (key == "password") {
      if (!allow_password) {
        password_refused = true;
        error.details[key].emplace_back(kPasswordMessage);
        continue;
      }
      if (!value.is_string()) {
        error.details[key].emplace_back("Must be a string");
        continue;
      }
      user.set_password(value.get<std::string>());
      mask_paths.emplace_back("password");
      continue;
    }
    if (key == "role") {
      if (!value.is_string() || (value != "user" && value != "admin")) {
        error.details[key].emplace_back("Must be one of: user, admin");
        continue;
      }
      user.set_role(value == "admin" ? users::v1::User::ROLE_ADMIN
                                     : users::v1::User::ROLE_USER);
      mask_paths.emplace_back("role");
      continue;
    }
    bool known = false;
    for (const auto& [json_name, path] : StringFields()) {
      if (key != json_name) continue;
      known = true;
      if (!value.is_string()) {
        error.details[key].emplace_back("Must be a string");
        break;
      }
      const std::string& text = value.get_ref<const std::string&>();
      if (path == "email") {
        user.set_email(text);
      } else if (path == "username") {
        user.set_username(text);
      } else if (path == "given_name") {
        user.set_given_name(text);
      } else {
        user.set_family_name(text);
      }
      mask_paths.emplace_back(path);
      break;
    }
    if (!known) error.details[key].emplace_back("Unknown field");
  }
  if (error.details.empty()) return std::nullopt;
  error.message = password_refused ? std::string(kPasswordMessage)
                                   : std::string(kInvalidParameters);
  return error;
}

nlohmann::ordered_json V1Adapter::RenderUser(const users::v1::User& user) {
  nlohmann::ordered_json body;
  body["id"] = Cat("usr_", UserIdOfName(user.name()));
  body["email"] = user.email();
  body["email_verified"] = user.email_verified();
  body["username"] = user.username();
  body["first_name"] = user.given_name();
  body["last_name"] = user.family_name();
  body["role"] = RoleName(user.role());
  body["created_at"] = FormatRfc3339Seconds(user.create_time());
  body["updated_at"] = FormatRfc3339Seconds(user.update_time());
  return body;
}

int V1Adapter::HttpStatusFor(const RpcError& error) {
  if (error.code == grpc::StatusCode::ABORTED &&
      error.reason == "ETAG_MISMATCH") {
    return 412;
  }
  if (error.code == grpc::StatusCode::INVALID_ARGUMENT &&
      error.reason == "REQUEST_ID_REUSED") {
    return 422;
  }
  return HttpStatusFromGrpc(error.code);
}

HttpResponse V1Adapter::RenderError(const GatewayError& error,
                                    std::string_view request_id) const {
  nlohmann::ordered_json body;
  body["error"] = std::string(ErrorCode(error.status));
  if (error.status >= 500) {
    body["message"] = error.status == 503   ? "Service unavailable"
                      : error.status == 504 ? "Upstream timed out"
                                            : "Internal server error";
    body["request_id"] = std::string(request_id);
  } else {
    body["message"] = error.message;
  }
  HttpResponse response = JsonResponse(error.status, body);
  if (!error.allow.empty()) response.SetHeader("Allow", error.allow);
  if (error.retry_after_seconds > 0) {
    response.SetHeader("Retry-After",
                       std::to_string(error.retry_after_seconds));
  }
  return response;
}

HttpResponse V1Adapter::RenderBodyError(const BodyError& error) const {
  nlohmann::ordered_json body;
  body["error"] = "validation_error";
  body["message"] = error.message;
  body["details"] = nlohmann::ordered_json::object();
  for (const auto& [field, messages] : error.details) {
    body["details"][field] = messages;
  }
  return JsonResponse(400, body);
}

HttpResponse V1Adapter::RenderRpcError(const RpcError& error,
                                       std::string_view request_id) const {
  const int status = HttpStatusFor(error);
  if (status == 400 && !error.violations.empty()) {
    BodyError body_error;
    body_error.message = std::string(kInvalidParameters);
    for (const auto& violation : error.violations) {
      std::string field = RenameField(violation.field, FieldRenames());
      body_error.details[field].push_back(FieldMessage(field, violation));
    }
    return RenderBodyError(body_error);
  }
  GatewayError out{status, "", 0, ""};
  switch (status) {
    case 400:
      out.message = error.reason == "NOT_A_SESSION"
                        ? "The token is not a session token"
                        : std::string(kInvalidParameters);
      break;
    case 401:
      out.message =
          error.reason == "BAD_CREDENTIALS" ? "Invalid login or password"
          : error.reason == "TOKEN_INVALID" ? "Invalid or expired token"
                                            : "Authentication required";
      break;
    case 403:
      if (error.reason == "SCOPE_MISSING") {
        auto it = error.metadata.find("scope");
        out.message =
            Cat("The token lacks the ",
                it == error.metadata.end() ? "required" : it->second, " scope");
      } else if (error.reason == "ROLE_CHANGE") {
        out.message = "Changing role requires the admin role";
      } else if (error.reason == "USER_SUSPENDED") {
        out.message = "Account suspended";
      } else {
        out.message = "Not allowed";
      }
      break;
    case 404:
      out.message = error.reason == "PROJECT_NOT_FOUND" ? "Project not found"
                                                        : "User not found";
      break;
    case 409:
      out.message = error.reason == "EMAIL_TAKEN" ? "Email already taken"
                    : error.reason == "USERNAME_TAKEN"
                        ? "Username already taken"
                        : "Conflict, retry";
      break;
    case 412:
      out.message = "The user changed since the given ETag";
      break;
    case 422:
      out.message =
          "The Idempotency-Key was already used for a different request";
      break;
    case 429:
      out.message = error.reason == "LOGIN_THROTTLED"
                        ? "Too many login attempts"
                        : "Too many requests";
      out.retry_after_seconds = error.RetryAfterSeconds();
      break;
    case 503:
      out.retry_after_seconds = error.UnavailableRetryAfterSeconds();
      break;
    default:
      out.message = "Request failed";
      break;
  }
  return RenderError(out, request_id);
}

RpcCallback<users::v1::User> V1Adapter::UserResponder(std::string request_id,
                                                      std::string call,
                                                      int status,
                                                      Respond done) const {
  return [this, request_id = std::move(request_id), call = std::move(call),
          status,
          done = std::move(done)](const RpcResult<users::v1::User>& result) {
    if (!result.status.ok()) {
      RpcError error = RpcError::FromStatus(result.status);
      LogRpcFailure(request_id, call, error);
      return done(RenderRpcError(error, request_id));
    }
    HttpResponse response = JsonResponse(status, RenderUser(result.response));
    response.SetHeader("ETag", Cat("\"", result.response.etag(), "\""));
    // A bearer session that changed its own email was rotated by userd: the
    // old token no longer works, so the new one travels back in headers.
    std::string token = result.Metadata("x-session-token");
    if (!token.empty() && IsValidTokenText(token)) {
      response.SetHeader("X-Session-Token", token);
      response.SetHeader("X-Session-Expire-Time",
                         result.Metadata("x-session-expire-time"));
    }
    done(std::move(response));
  };
}

void V1Adapter::PatchUser(RequestContext context, Respond done) {
  std::optional<int64_t> id = ParseUserId(context.params["user_id"]);
  if (!id) {
    return done(RenderError(GatewayError{404, "User not found", 0, ""},
                            context.request_id));
  }
  const std::string name = Cat("projects/-/users/", *id);
  users::v1::UpdateUserRequest request;
  std::vector<std::string> paths;
  if (auto error = ReadUserBody(context.body, /*allow_password=*/false,
                                *request.mutable_user(), paths)) {
    return done(RenderBodyError(*error));
  }
  CallOptions options{context.credential, context.request_id, false};
  auto respond =
      UserResponder(context.request_id, "UpdateUser", 200, std::move(done));
  if (paths.empty()) {
    users::v1::GetUserRequest get;
    get.set_name(name);
    return backend_.GetUser(options, get, std::move(respond));
  }
  request.mutable_user()->set_name(name);
  request.set_request_id(context.idempotency_key);
  for (const std::string& path : paths) {
    request.mutable_update_mask()->add_paths(path);
  }
  if (std::string etag = ParseEtag(context.request.Header("if-match"));
      !etag.empty()) {
    request.mutable_user()->set_etag(etag);
  }
  backend_.UpdateUser(options, request, std::move(respond));
}

void V1Adapter::GetUser(RequestContext context, Respond done) {
  std::optional<int64_t> id = ParseUserId(context.params["user_id"]);
  if (!id) {
    return done(RenderError(GatewayError{404, "User not found", 0, ""},
                            context.request_id));
  }
  users::v1::GetUserRequest request;
  request.set_name(Cat("projects/-/users/", *id));
  backend_.GetUser(
      CallOptions{context.credential, context.request_id, false}, request,
      UserResponder(context.request_id, "GetUser", 200, std::move(done)));
}

void V1Adapter::CreateUser(RequestContext context, Respond done) {
  users::v1::CreateUserRequest request;
  request.set_parent("projects/-");
  std::vector<std::string> paths;
  if (auto error = ReadUserBody(context.body, /*allow_password=*/true,
                                *request.mutable_user(), paths)) {
    return done(RenderBodyError(*error));
  }
  request.set_request_id(context.idempotency_key);
  backend_.CreateUser(
      CallOptions{context.credential, context.request_id, false}, request,
      UserResponder(context.request_id, "CreateUser", 201, std::move(done)));
}

void V1Adapter::CreateSession(RequestContext context, Respond done) {
  BodyError error;
  std::map<std::string, std::string> values = {{"project", "default"}};
  for (const auto& [key, value] : context.body.items()) {
    if (key != "project" && key != "login" && key != "password") {
      error.details[key].emplace_back("Unknown field");
    } else if (!value.is_string() ||
               value.get_ref<const std::string&>().empty()) {
      error.details[key].emplace_back("Must be a non-empty string");
    } else {
      values[key] = value.get<std::string>();
    }
  }
  for (const char* required : {"login", "password"}) {
    if (!context.body.contains(required)) {
      error.details[required].emplace_back("This field is required");
    }
  }
  if (!error.details.empty()) {
    error.message = std::string(kInvalidParameters);
    return done(RenderBodyError(error));
  }
  users::v1::CreateSessionRequest request;
  request.set_parent(Cat("projects/", values["project"]));
  request.set_login(values["login"]);
  request.set_password(values["password"]);
  std::string request_id = context.request_id;
  backend_.CreateSession(
      CallOptions{"", request_id, false, context.request.client_address},
      request,
      [this, request_id, done](const RpcResult<users::v1::Session>& result) {
        if (!result.status.ok()) {
          RpcError rpc_error = RpcError::FromStatus(result.status);
          LogRpcFailure(request_id, "CreateSession", rpc_error);
          return done(RenderRpcError(rpc_error, request_id));
        }
        nlohmann::ordered_json body;
        body["token"] = result.response.token();
        body["expire_time"] =
            FormatRfc3339Seconds(result.response.expire_time());
        done(JsonResponse(200, body));
      });
}

void V1Adapter::DeleteSession(RequestContext context, Respond done) {
  std::string request_id = context.request_id;
  users::v1::DeleteSessionRequest request;
  request.set_request_id(context.idempotency_key);
  backend_.DeleteSession(
      CallOptions{context.credential, request_id, false}, request,
      [this, request_id,
       done](const RpcResult<google::protobuf::Empty>& result) {
        if (!result.status.ok()) {
          RpcError error = RpcError::FromStatus(result.status);
          LogRpcFailure(request_id, "DeleteSession", error);
          return done(RenderRpcError(error, request_id));
        }
        HttpResponse response;
        response.status = 204;
        done(std::move(response));
      });
}

}  // namespace users::gateway
