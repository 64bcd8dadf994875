#include "gateway/neptun_adapter.h"

#include <utility>

#include "gateway/cookie_header.h"
#include "gateway/grpc_http_status.h"
#include "gateway/string_util.h"
#include "gateway/text_rules.h"
#include "gateway/time_format.h"

namespace users::gateway {
namespace {

using nlohmann::json;
using nlohmann::ordered_json;

constexpr int64_t kEmailMin = 5;
constexpr int64_t kEmailMax = 256;

std::string_view StatusMessage(int status) {
  switch (status) {
    case 400:
      return "Bad Request.";
    case 401:
      return "Unauthorized.";
    case 403:
      return "Forbidden.";
    case 404:
      return "Not Found.";
    case 405:
      return "Method Not Allowed.";
    case 409:
      return "Conflict.";
    case 413:
      return "Payload Too Large.";
    case 415:
      return "Unsupported Media Type.";
    case 422:
      return "Unprocessable Entity.";
    case 429:
      return "Too Many Requests.";
    case 503:
      return "Service Unavailable.";
    case 504:
      return "Gateway Timeout.";
    default:
      return status >= 500 ? "Internal Server Error." : "Bad Request.";
  }
}

// zod's name for the type of a JSON value.
std::string ReceivedType(const json& value) {
  if (value.is_null()) return "null";
  if (value.is_number()) return "number";
  if (value.is_boolean()) return "boolean";
  if (value.is_array()) return "array";
  if (value.is_object()) return "object";
  return "string";
}

// The error shape: {"statusCode","statusMessage","message"}.
ordered_json Body(int status, std::string_view message) {
  ordered_json body;
  body["statusCode"] = status;
  body["statusMessage"] = std::string(StatusMessage(status));
  body["message"] = std::string(message);
  return body;
}

ordered_json InvalidType(std::string_view field, const json& value) {
  ordered_json issue;
  issue["code"] = "invalid_type";
  issue["expected"] = "string";
  issue["received"] = ReceivedType(value);
  issue["path"] = {std::string(field)};
  issue["message"] = Cat("Expected string, received ", ReceivedType(value));
  return issue;
}

ordered_json Required(std::string_view field) {
  ordered_json issue;
  issue["code"] = "invalid_type";
  issue["expected"] = "string";
  issue["received"] = "undefined";
  issue["path"] = {std::string(field)};
  issue["message"] = "Required";
  return issue;
}

ordered_json TooSmall(std::string_view field, int64_t minimum) {
  ordered_json issue;
  issue["code"] = "too_small";
  issue["minimum"] = minimum;
  issue["type"] = "string";
  issue["inclusive"] = true;
  issue["exact"] = false;
  issue["message"] =
      Cat("String must contain at least ", minimum, " character(s)");
  issue["path"] = {std::string(field)};
  return issue;
}

ordered_json TooBig(std::string_view field, int64_t maximum) {
  ordered_json issue;
  issue["code"] = "too_big";
  issue["maximum"] = maximum;
  issue["type"] = "string";
  issue["inclusive"] = true;
  issue["exact"] = false;
  issue["message"] =
      Cat("String must contain at most ", maximum, " character(s)");
  issue["path"] = {std::string(field)};
  return issue;
}

ordered_json InvalidEmail() {
  ordered_json issue;
  issue["code"] = "invalid_string";
  issue["validation"] = "email";
  issue["message"] = "Invalid email";
  issue["path"] = {"email"};
  return issue;
}

// The issues of the `email` value: type, format, length (zod's order).
void CheckEmail(const json& value, ordered_json& issues) {
  if (!value.is_string()) {
    issues.push_back(InvalidType("email", value));
    return;
  }
  const std::string& email = value.get_ref<const std::string&>();
  if (!LooksLikeEmail(email)) issues.push_back(InvalidEmail());
  int64_t length = CodePointCount(email);
  if (length < kEmailMin) issues.push_back(TooSmall("email", kEmailMin));
  if (length > kEmailMax) issues.push_back(TooBig("email", kEmailMax));
}

void CheckPassword(const json& value, ordered_json& issues) {
  if (!value.is_string()) {
    issues.push_back(InvalidType("password", value));
    return;
  }
  if (value.get_ref<const std::string&>().empty()) {
    issues.push_back(TooSmall("password", 1));
  }
}

// An issue for a violation reported by userd.
ordered_json IssueFor(const RpcError::FieldViolation& violation) {
  std::string field = RenameField(violation.field, {{"login", "email"}});
  ordered_json issue;
  if (violation.reason == "INVALID_FORMAT" && field == "email") {
    issue = InvalidEmail();
    return issue;
  }
  if (violation.reason == "TOO_SHORT") {
    issue["code"] = "too_small";
  } else if (violation.reason == "TOO_LONG") {
    issue["code"] = "too_big";
  } else if (violation.reason == "INVALID_FORMAT" ||
             violation.reason == "INVALID_CHARACTERS") {
    issue["code"] = "invalid_string";
  } else {
    issue["code"] = "custom";
  }
  issue["message"] =
      violation.description.empty() ? "Invalid value" : violation.description;
  issue["path"] = {field};
  return issue;
}

// The 400 for a {user_id} that is not a positive integer.
HttpResponse BadUserId() {
  ordered_json issue;
  issue["code"] = "invalid_type";
  issue["expected"] = "number";
  issue["received"] = "string";
  issue["path"] = {"user_id"};
  issue["message"] = "user_id must be a positive integer";
  return NeptunAdapter::BadRequest("Invalid route parameter user_id.",
                                   ordered_json::array({issue}));
}

}  // namespace

NeptunAdapter::NeptunAdapter(const GatewayConfig& config, UserBackend& backend)
    : config_(config), backend_(backend) {}

std::vector<Route> NeptunAdapter::Routes() {
  auto bind = [this](void (NeptunAdapter::*method)(RequestContext, Respond)) {
    return [this, method](RequestContext context, Respond done) {
      (this->*method)(std::move(context), std::move(done));
    };
  };
  return {
      Route{"PATCH", "/api/users/{user_id}", true, true,
            bind(&NeptunAdapter::PatchUser), /*takes_idempotency_key=*/true},
      Route{"GET", "/api/users/{user_id}", false, true,
            bind(&NeptunAdapter::GetUser)},
      Route{"POST", "/api/auth/login", true, false,
            bind(&NeptunAdapter::Login)},
      Route{"POST", "/api/auth/logout", false, true,
            bind(&NeptunAdapter::Logout), /*takes_idempotency_key=*/true},
  };
}

HttpResponse NeptunAdapter::BadRequest(std::string_view message,
                                       const ordered_json& issues) {
  ordered_json body;
  body["statusCode"] = 400;
  body["statusMessage"] = std::string(StatusMessage(400));
  body["message"] = std::string(message);
  if (!issues.empty()) body["data"]["issues"] = issues;
  return JsonResponse(400, body);
}

std::optional<HttpResponse> NeptunAdapter::BuildUpdate(
    const json& body, const std::string& user_name,
    users::v1::UpdateUserRequest& request) {
  auto email = body.find("email");
  auto password = body.find("password");
  if (email == body.end() && password == body.end()) {
    return BadRequest(kBodyMessage, ordered_json::array());
  }
  ordered_json issues = ordered_json::array();
  if (email != body.end()) CheckEmail(*email, issues);
  if (password != body.end()) CheckPassword(*password, issues);
  if (!issues.empty()) return BadRequest(kBodyMessage, issues);
  users::v1::User& user = *request.mutable_user();
  user.set_name(user_name);
  if (email != body.end()) {
    user.set_email(email->get<std::string>());
    request.mutable_update_mask()->add_paths("email");
  }
  if (password != body.end()) {
    user.set_password(password->get<std::string>());
    request.mutable_update_mask()->add_paths("password");
  }
  return std::nullopt;
}

ordered_json NeptunAdapter::RenderUser(const users::v1::User& user) {
  int64_t id = ParseInt64(UserIdOfName(user.name())).value_or(0);
  ordered_json body;
  body["user"]["id"] = id;
  body["user"]["primary_email"] = user.email();
  return body;
}

int NeptunAdapter::HttpStatusFor(const RpcError& error) {
  if (error.code == grpc::StatusCode::PERMISSION_DENIED) {
    // neptun knows no 403 but for a suspended account.
    return error.reason == "USER_SUSPENDED" ? 403 : 401;
  }
  if (error.code == grpc::StatusCode::INVALID_ARGUMENT &&
      error.reason == "REQUEST_ID_REUSED") {
    return 422;
  }
  return HttpStatusFromGrpc(error.code);
}

HttpResponse NeptunAdapter::RenderError(const GatewayError& error,
                                        std::string_view request_id) const {
  std::string message;
  if (error.status >= 500) {
    message = Cat(StatusMessage(error.status), " Request id: ", request_id);
  } else if (error.status == 400 && !error.message.empty()) {
    message = error.message;
  } else {
    message = std::string(StatusMessage(error.status));
  }
  HttpResponse response =
      JsonResponse(error.status, Body(error.status, message));
  if (!error.allow.empty()) response.SetHeader("Allow", error.allow);
  if (error.retry_after_seconds > 0) {
    response.SetHeader("Retry-After",
                       std::to_string(error.retry_after_seconds));
  }
  return response;
}

HttpResponse NeptunAdapter::RenderRpcError(const RpcError& error,
                                           std::string_view request_id) const {
  const int status = HttpStatusFor(error);
  if (status == 400) {
    ordered_json issues = ordered_json::array();
    for (const auto& violation : error.violations) {
      issues.push_back(IssueFor(violation));
    }
    return BadRequest(kBodyMessage, issues);
  }
  GatewayError out{status, "", 0, ""};
  if (status == 429) out.retry_after_seconds = error.RetryAfterSeconds();
  if (status == 503) {
    out.retry_after_seconds = error.UnavailableRetryAfterSeconds();
  }
  HttpResponse response = RenderError(out, request_id);
  if (error.reason == "LOGIN_THROTTLED") {
    response.SetJson(Body(429, "Too many login attempts."));
  } else if (status == 403 && error.reason == "USER_SUSPENDED") {
    response.SetJson(Body(403, "Account suspended."));
  } else if (status == 422) {
    response.SetJson(Body(422, "Idempotency key reused."));
  }
  return response;
}

std::string NeptunAdapter::UserName(const RequestContext& context) const {
  auto it = context.params.find("user_id");
  if (it == context.params.end()) return {};
  std::optional<int64_t> id = ParsePositiveId(it->second);
  if (!id) return {};
  return Cat("projects/", config_.neptun_project, "/users/", *id);
}

void NeptunAdapter::PatchUser(RequestContext context, Respond done) {
  const std::string name = UserName(context);
  if (name.empty()) return done(BadUserId());
  users::v1::UpdateUserRequest request;
  if (auto error = BuildUpdate(context.body, name, request)) {
    return done(std::move(*error));
  }
  request.set_request_id(context.idempotency_key);
  std::string request_id = context.request_id;
  std::string cookie = context.credential;
  backend_.UpdateUser(
      CallOptions{context.credential, request_id, true}, request,
      [this, request_id, cookie,
       done](const RpcResult<users::v1::User>& result) {
        if (!result.status.ok()) {
          RpcError error = RpcError::FromStatus(result.status);
          LogRpcFailure(request_id, "UpdateUser", error);
          return done(RenderRpcError(error, request_id));
        }
        HttpResponse response = JsonResponse(200, RenderUser(result.response));
        std::string token = result.Metadata("x-session-token");
        if (token.empty() || !IsValidTokenText(token)) token = cookie;
        std::optional<int64_t> expire =
            ParseRfc3339Seconds(result.Metadata("x-session-expire-time"));
        response.AddHeader(
            "Set-Cookie",
            expire ? SessionCookie(kCookie, token, *expire - NowUnixSeconds(),
                                   !config_.insecure_cookies)
                   : SessionCookieWithoutMaxAge(kCookie, token,
                                                !config_.insecure_cookies));
        done(std::move(response));
      });
}

void NeptunAdapter::GetUser(RequestContext context, Respond done) {
  const std::string name = UserName(context);
  if (name.empty()) return done(BadUserId());
  users::v1::GetUserRequest request;
  request.set_name(name);
  std::string request_id = context.request_id;
  backend_.GetUser(
      CallOptions{context.credential, request_id, true}, request,
      [this, request_id, done](const RpcResult<users::v1::User>& result) {
        if (!result.status.ok()) {
          RpcError error = RpcError::FromStatus(result.status);
          LogRpcFailure(request_id, "GetUser", error);
          return done(RenderRpcError(error, request_id));
        }
        done(JsonResponse(200, RenderUser(result.response)));
      });
}

void NeptunAdapter::Login(RequestContext context, Respond done) {
  const json& body = context.body;
  ordered_json issues = ordered_json::array();
  auto email = body.find("email");
  auto password = body.find("password");
  if (email == body.end()) {
    issues.push_back(Required("email"));
  } else if (!email->is_string()) {
    issues.push_back(InvalidType("email", *email));
  }
  if (password == body.end()) {
    issues.push_back(Required("password"));
  } else {
    CheckPassword(*password, issues);
  }
  if (!issues.empty()) {
    return done(BadRequest("Invalid body(email, password).", issues));
  }
  users::v1::CreateSessionRequest request;
  request.set_parent(Cat("projects/", config_.neptun_project));
  request.set_login(email->get<std::string>());
  request.set_password(password->get<std::string>());
  std::string request_id = context.request_id;
  backend_.CreateSession(
      CallOptions{"", request_id, false, context.request.client_address},
      request,
      [this, request_id, done](const RpcResult<users::v1::Session>& result) {
        if (!result.status.ok()) {
          RpcError error = RpcError::FromStatus(result.status);
          LogRpcFailure(request_id, "CreateSession", error);
          return done(RenderRpcError(error, request_id));
        }
        HttpResponse response =
            JsonResponse(200, RenderUser(result.response.user()));
        response.AddHeader(
            "Set-Cookie",
            SessionCookie(
                kCookie, result.response.token(),
                SecondsUntil(result.response.expire_time(), NowUnixSeconds()),
                !config_.insecure_cookies));
        done(std::move(response));
      });
}

void NeptunAdapter::Logout(RequestContext context, Respond done) {
  std::string request_id = context.request_id;
  users::v1::DeleteSessionRequest request;
  request.set_request_id(context.idempotency_key);
  backend_.DeleteSession(
      CallOptions{context.credential, request_id, false}, request,
      [this, request_id,
       done](const RpcResult<google::protobuf::Empty>& result) {
        HttpResponse response;
        if (!result.status.ok()) {
          RpcError error = RpcError::FromStatus(result.status);
          LogRpcFailure(request_id, "DeleteSession", error);
          response = RenderRpcError(error, request_id);
        } else {
          response.status = 204;
        }
        if (response.status == 204 || response.status == 401) {
          response.AddHeader("Set-Cookie",
                             ExpiredCookie(kCookie, !config_.insecure_cookies));
        }
        done(std::move(response));
      });
}

}  // namespace users::gateway
