#include "gateway/medama_adapter.h"

#include <set>
#include <utility>

#include "gateway/cookie_header.h"
#include "gateway/grpc_http_status.h"
#include "gateway/string_util.h"
#include "gateway/text_rules.h"
#include "gateway/time_format.h"

namespace users::gateway {
namespace {

using nlohmann::json;

const std::vector<std::pair<std::string_view, std::string_view>>&
FieldRenames() {
  static const auto* renames =
      new std::vector<std::pair<std::string_view, std::string_view>>{
          {"settings.script_types", "settings.script_type"},
          {"login", "username"},
      };
  return *renames;
}

std::string TypeName(const json& value) {
  return value.is_number() ? "number" : value.type_name();
}

absl::Status Invalid(std::string_view field, std::string_view why) {
  return absl::InvalidArgumentError(Cat("invalid: ", field, " (", why, ")"));
}

// Checks a string of `min`..`max` code points, worded like the OpenAPI
// validators Medama's server uses.
absl::Status CheckString(const json& value, std::string_view field, int min,
                         int max) {
  if (!value.is_string()) {
    return Invalid(field, Cat("expected string, got ", TypeName(value)));
  }
  int64_t length = CodePointCount(value.get_ref<const std::string&>());
  if (length < min) {
    return Invalid(field,
                   Cat("string: len ", length, " less than minimum ", min));
  }
  if (length > max) {
    return Invalid(field,
                   Cat("string: len ", length, " greater than maximum ", max));
  }
  return absl::OkStatus();
}

CallOptions OptionsFor(const RequestContext& context) {
  return CallOptions{context.credential, context.request_id, false};
}

}  // namespace

MedamaAdapter::MedamaAdapter(const GatewayConfig& config, UserBackend& backend)
    : config_(config), backend_(backend) {}

std::vector<Route> MedamaAdapter::Routes() {
  auto bind = [this](void (MedamaAdapter::*method)(RequestContext, Respond)) {
    return [this, method](RequestContext context, Respond done) {
      (this->*method)(std::move(context), std::move(done));
    };
  };
  return {
      Route{"PATCH", "/user", true, true, bind(&MedamaAdapter::PatchUser),
            /*takes_idempotency_key=*/true},
      Route{"GET", "/user", false, true, bind(&MedamaAdapter::GetUser)},
      Route{"POST", "/auth/login", true, false, bind(&MedamaAdapter::Login)},
      Route{"POST", "/auth/logout", false, true, bind(&MedamaAdapter::Logout),
            /*takes_idempotency_key=*/true},
  };
}

std::string MedamaAdapter::SelfName() const {
  return Cat("projects/", config_.medama_project, "/users/me");
}

absl::StatusOr<users::v1::UpdateUserRequest> MedamaAdapter::BuildUpdate(
    const json& body, const std::string& user_name) {
  users::v1::UpdateUserRequest request;
  users::v1::User& user = *request.mutable_user();
  user.set_name(user_name);
  auto& mask = *request.mutable_update_mask();
  if (auto it = body.find("username"); it != body.end()) {
    if (absl::Status status = CheckString(*it, "username", 3, 120);
        !status.ok()) {
      return status;
    }
    user.set_username(it->get<std::string>());
    mask.add_paths("username");
  }
  if (auto it = body.find("password"); it != body.end()) {
    if (absl::Status status = CheckString(*it, "password", 5, 128);
        !status.ok()) {
      return status;
    }
    user.set_password(it->get<std::string>());
    mask.add_paths("password");
  }
  if (auto it = body.find("settings"); it != body.end()) {
    const json& settings = *it;
    if (!settings.is_object()) {
      return Invalid("settings",
                     Cat("expected object, got ", TypeName(settings)));
    }
    std::string language = "en";
    if (auto lang = settings.find("language"); lang != settings.end()) {
      if (!lang->is_string()) {
        return Invalid("settings.language",
                       Cat("expected string, got ", TypeName(*lang)));
      }
      if (lang->get_ref<const std::string&>() != "en") {
        return Invalid("settings.language", Cat("invalid value: ", lang->dump(),
                                                ", want ", "one of [\"en\"]"));
      }
    }
    user.mutable_settings()->set_language(language);
    mask.add_paths("settings.language");
    if (auto types = settings.find("script_type"); types != settings.end()) {
      if (!types->is_array()) {
        return Invalid("settings.script_type",
                       Cat("expected array, got ", TypeName(*types)));
      }
      static const std::set<std::string> kAllowed = {"default", "click-events",
                                                     "page-events"};
      std::set<std::string> seen;
      for (size_t i = 0; i < types->size(); ++i) {
        const json& item = (*types)[i];
        std::string field = Cat("settings.script_type[", i, "]");
        if (!item.is_string()) {
          return Invalid(field, Cat("expected string, got ", TypeName(item)));
        }
        const std::string& value = item.get_ref<const std::string&>();
        if (kAllowed.count(value) == 0) {
          return Invalid(field, Cat("invalid value: ", item.dump(),
                                    ", want one of [\"default\", "
                                    "\"click-events\", \"page-events\"]"));
        }
        if (!seen.insert(value).second) {
          return Invalid("settings.script_type",
                         Cat("duplicate item ", item.dump()));
        }
        user.mutable_settings()->add_script_types(value);
      }
      mask.add_paths("settings.script_types");
    }
  }
  return request;
}

nlohmann::ordered_json MedamaAdapter::RenderUser(const users::v1::User& user) {
  nlohmann::ordered_json settings;
  settings["language"] =
      user.settings().language().empty() ? "en" : user.settings().language();
  settings["script_type"] = nlohmann::ordered_json::array();
  for (const std::string& type : user.settings().script_types()) {
    settings["script_type"].push_back(type);
  }
  nlohmann::ordered_json body;
  body["username"] = user.username();
  body["settings"] = std::move(settings);
  body["dateCreated"] = user.create_time().seconds();
  body["dateUpdated"] = user.update_time().seconds();
  return body;
}

HttpResponse MedamaAdapter::RenderError(const GatewayError& error,
                                        std::string_view request_id) const {
  std::string message =
      error.status >= 500
          ? Cat("internal server error (request id ", request_id, ")")
          : error.message;
  nlohmann::ordered_json body;
  body["error"]["code"] = error.status;
  body["error"]["message"] = message;
  HttpResponse response = JsonResponse(error.status, body);
  if (!error.allow.empty()) response.SetHeader("Allow", error.allow);
  if (error.retry_after_seconds > 0) {
    response.SetHeader("Retry-After",
                       std::to_string(error.retry_after_seconds));
  }
  return response;
}

HttpResponse MedamaAdapter::RenderRpcError(const RpcError& error,
                                           std::string_view request_id) const {
  GatewayError out;
  out.status = HttpStatusFromGrpc(error.code);
  switch (error.code) {
    case grpc::StatusCode::INVALID_ARGUMENT:
    case grpc::StatusCode::FAILED_PRECONDITION:
    case grpc::StatusCode::OUT_OF_RANGE:
      if (error.reason == "REQUEST_ID_REUSED") {
        out.status = 422;
        out.message = "idempotency key reused";
      } else if (!error.violations.empty()) {
        std::vector<std::string> parts;
        for (const auto& violation : error.violations) {
          parts.push_back(
              Cat("invalid: ", RenameField(violation.field, FieldRenames()),
                  " (", violation.description, ")"));
        }
        out.message = Join(parts, "; ");
      } else if (error.reason == "WEBHOOK_REJECTED") {
        auto it = error.metadata.find("message");
        out.message = it != error.metadata.end() && !it->second.empty()
                          ? it->second
                          : "update rejected";
      } else {
        out.message = "bad request";
      }
      break;
    case grpc::StatusCode::UNAUTHENTICATED:
      out.message = error.reason == "BAD_CREDENTIALS"
                        ? "invalid username or password"
                        : "unauthorised: session missing, invalid or expired";
      break;
    case grpc::StatusCode::PERMISSION_DENIED:
      out.message =
          error.reason == "USER_SUSPENDED" ? "account suspended" : "forbidden";
      break;
    case grpc::StatusCode::NOT_FOUND:
      out.message = "user not found";
      break;
    case grpc::StatusCode::ALREADY_EXISTS:
      out.message = error.reason == "EMAIL_TAKEN"
                        ? "conflict: email already taken"
                        : "conflict: username already taken";
      break;
    case grpc::StatusCode::ABORTED:
      out.message = "conflict: the user changed meanwhile, retry";
      break;
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
      out.message = error.reason == "LOGIN_THROTTLED"
                        ? "too many login attempts"
                        : "too many requests, retry later";
      out.retry_after_seconds = error.RetryAfterSeconds();
      break;
    case grpc::StatusCode::UNAVAILABLE:
      out.message = "service unavailable, retry later";
      out.retry_after_seconds = error.UnavailableRetryAfterSeconds();
      break;
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      out.message = "upstream timed out";
      break;
    default:
      out.message = "internal server error";
      break;
  }
  return RenderError(out, request_id);
}

void MedamaAdapter::Decorate(HttpResponse& response) const {
  response.SetHeader("X-Api-Commit", config_.api_commit);
}

void MedamaAdapter::PatchUser(RequestContext context, Respond done) {
  absl::StatusOr<users::v1::UpdateUserRequest> request =
      BuildUpdate(context.body, SelfName());
  if (!request.ok()) {
    return done(RenderError(
        GatewayError{400, std::string(request.status().message()), 0, ""},
        context.request_id));
  }
  std::string request_id = context.request_id;
  auto on_user = [this, request_id,
                  done](const RpcResult<users::v1::User>& result) {
    if (!result.status.ok()) {
      RpcError error = RpcError::FromStatus(result.status);
      LogRpcFailure(request_id, "UpdateUser", error);
      return done(RenderRpcError(error, request_id));
    }
    HttpResponse response = JsonResponse(200, RenderUser(result.response));
    std::string token = result.Metadata("x-session-token");
    if (!token.empty() && IsValidTokenText(token)) {
      std::optional<int64_t> expire =
          ParseRfc3339Seconds(result.Metadata("x-session-expire-time"));
      int64_t max_age = expire ? *expire - NowUnixSeconds() : 0;
      response.AddHeader(
          "Set-Cookie",
          SessionCookie(kCookie, token, max_age, !config_.insecure_cookies));
    }
    done(std::move(response));
  };
  if (request->update_mask().paths().empty()) {
    users::v1::GetUserRequest get;
    get.set_name(SelfName());
    return backend_.GetUser(OptionsFor(context), get, std::move(on_user));
  }
  request->set_request_id(context.idempotency_key);
  backend_.UpdateUser(OptionsFor(context), *request, std::move(on_user));
}

void MedamaAdapter::GetUser(RequestContext context, Respond done) {
  users::v1::GetUserRequest request;
  request.set_name(SelfName());
  std::string request_id = context.request_id;
  backend_.GetUser(
      OptionsFor(context), request,
      [this, request_id, done](const RpcResult<users::v1::User>& result) {
        if (!result.status.ok()) {
          RpcError error = RpcError::FromStatus(result.status);
          LogRpcFailure(request_id, "GetUser", error);
          return done(RenderRpcError(error, request_id));
        }
        done(JsonResponse(200, RenderUser(result.response)));
      });
}

void MedamaAdapter::Login(RequestContext context, Respond done) {
  const json& body = context.body;
  for (std::string_view field : {"username", "password"}) {
    auto it = body.find(std::string(field));
    if (it == body.end()) {
      return done(RenderError(
          GatewayError{400, Cat("invalid: ", field, " (field required)"), 0,
                       ""},
          context.request_id));
    }
    if (!it->is_string() || it->get_ref<const std::string&>().empty()) {
      return done(RenderError(
          GatewayError{400,
                       Cat("invalid: ", field, " (expected non-empty string)"),
                       0, ""},
          context.request_id));
    }
  }
  users::v1::CreateSessionRequest request;
  request.set_parent(Cat("projects/", config_.medama_project));
  request.set_login(body["username"].get<std::string>());
  request.set_password(body["password"].get<std::string>());
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
        HttpResponse response;
        response.status = 200;
        response.AddHeader(
            "Set-Cookie",
            SessionCookie(
                kCookie, result.response.token(),
                SecondsUntil(result.response.expire_time(), NowUnixSeconds()),
                !config_.insecure_cookies));
        done(std::move(response));
      });
}

void MedamaAdapter::Logout(RequestContext context, Respond done) {
  std::string request_id = context.request_id;
  users::v1::DeleteSessionRequest request;
  request.set_request_id(context.idempotency_key);
  backend_.DeleteSession(
      OptionsFor(context), request,
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
