// Raw bytes as they arrive on a gateway connection: Beast's request parser
// with the gateway's header and body limits, then Gateway::Handle over the
// in-process fake backend, so routing, the common checks (Origin, cookies,
// bearer tokens, X-Forwarded-For, Content-Type, strict JSON) and every
// contract adapter run on what the parser accepts.
//
// Input: one byte choosing the fake backend's answer (see kAnswers), then
// the HTTP/1.1 byte stream; up to four pipelined requests are handled.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "boost/beast/core/error.hpp"
#include "boost/beast/http.hpp"
#include "gateway/gateway.h"
#include "gateway/gateway_metrics.h"
#include "gateway/growing_string_body.h"
#include "gateway/http_session.h"
#include "gateway/rpc_error.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "prometheus/registry.h"
#include "services/common/trusted_proxies.h"
#include "tests/gateway/fake_user_backend.h"

namespace {

namespace http = boost::beast::http;
using users::gateway::FakeUserBackend;
using users::gateway::MakeRpcStatus;
using users::gateway::RpcError;

// The answers the fake backend can give, as userd would.
grpc::Status Answer(uint8_t choice) {
  switch (choice % 10) {
    case 0:
      return grpc::Status::OK;
    case 1:
      return MakeRpcStatus(
          grpc::StatusCode::INVALID_ARGUMENT, "invalid", "INVALID_FIELD",
          {RpcError::FieldViolation{"user.username", "too short", "TOO_SHORT"},
           RpcError::FieldViolation{"user.settings.script_types[1]", "bad",
                                    "INVALID_VALUE"},
           RpcError::FieldViolation{"user.location", "out of range", ""}});
    case 2:
      return MakeRpcStatus(grpc::StatusCode::ALREADY_EXISTS, "taken",
                           "USERNAME_TAKEN", {}, {{"field", "username"}});
    case 3:
      return MakeRpcStatus(grpc::StatusCode::ABORTED, "stale", "ETAG_MISMATCH");
    case 4:
      return MakeRpcStatus(grpc::StatusCode::PERMISSION_DENIED, "suspended",
                           "USER_SUSPENDED");
    case 5:
      return MakeRpcStatus(grpc::StatusCode::NOT_FOUND, "no", "USER_NOT_FOUND");
    case 6:
      return MakeRpcStatus(grpc::StatusCode::UNAUTHENTICATED, "no",
                           "TOKEN_INVALID");
    case 7: {
      grpc::Status base = MakeRpcStatus(grpc::StatusCode::RESOURCE_EXHAUSTED,
                                        "retry later", "LOGIN_THROTTLED");
      google::rpc::Status details;
      details.ParseFromString(base.error_details());
      google::rpc::RetryInfo retry;
      retry.mutable_retry_delay()->set_seconds(3);
      retry.mutable_retry_delay()->set_nanos(500000000);
      details.add_details()->PackFrom(retry);
      return grpc::Status(base.error_code(), base.error_message(),
                          details.SerializeAsString());
    }
    case 8:
      return grpc::Status(grpc::StatusCode::INTERNAL, "boom",
                          "not a google.rpc.Status");
    default:
      return MakeRpcStatus(grpc::StatusCode::UNAVAILABLE, "down",
                           "WEBHOOK_UNAVAILABLE");
  }
}

users::v1::User FullUser() {
  users::v1::User user;
  user.set_name("projects/default/users/7");
  user.set_username("ann");
  user.set_email("ann@example.com");
  user.set_given_name("Ann");
  user.set_family_name("Smith");
  user.set_display_name("Ann S");
  user.set_bio("hello");
  user.set_avatar_uri("https://example.com/a.png");
  user.mutable_settings()->set_language("en");
  user.mutable_settings()->add_script_types("default");
  user.mutable_location()->set_latitude(-18.25);
  user.mutable_location()->set_longitude(34.05);
  user.mutable_birth_date()->set_year(1990);
  user.mutable_birth_date()->set_month(2);
  user.mutable_birth_date()->set_day(28);
  (*user.mutable_metadata()->mutable_fields())["theme"].set_string_value(
      "dark");
  auto* suspension = user.add_suspensions();
  suspension->set_reason("spam");
  suspension->mutable_create_time()->set_seconds(1700000000);
  user.mutable_create_time()->set_seconds(1672574400);
  user.mutable_update_time()->set_seconds(1672578000);
  user.set_etag("3");
  return user;
}

struct Fixture {
  Fixture() : metrics(registry), gateway(Config(), backend, &metrics) {
    backend.user = FullUser();
    backend.session.set_token("sess-token");
    backend.session.mutable_expire_time()->set_seconds(1900000000);
    backend.initial_metadata.emplace("x-session-token", "rotated-token");
    backend.initial_metadata.emplace("x-session-expire-time",
                                     "2030-01-01T00:00:00Z");
  }
  static users::gateway::GatewayConfig Config() {
    users::gateway::GatewayConfig config;
    config.api_commit = "97dd2ae";
    config.allowed_origins = {"https://app.example.com"};
    config.trusted_proxies =
        *users::TrustedProxies::Parse("10.0.0.0/8,fd00::/8");
    return config;
  }

  prometheus::Registry registry;
  users::gateway::GatewayMetrics metrics;
  FakeUserBackend backend;
  users::gateway::Gateway gateway;
};

users::gateway::HttpRequest ToHttpRequest(
    http::request<users::gateway::GrowingStringBody>&& message) {
  users::gateway::HttpRequest request;
  request.method = std::string(message.method_string());
  request.target = std::string(message.target());
  for (const auto& field : message) {
    request.headers.emplace_back(std::string(field.name_string()),
                                 std::string(field.value()));
  }
  request.body = std::move(message.body());
  request.remote_address = "10.1.2.3";
  return request;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static Fixture* fixture = new Fixture();
  if (size < 1) return 0;
  fixture->backend.status = Answer(data[0]);
  fixture->backend.calls.clear();
  boost::asio::const_buffer input(data + 1, size - 1);
  for (int i = 0; i < 4 && input.size() > 0; ++i) {
    // As HttpSession reads a request.
    http::request_parser<users::gateway::GrowingStringBody> parser;
    parser.eager(true);
    parser.header_limit(users::gateway::HttpSession::kHeaderLimit);
    parser.body_limit(
        static_cast<std::uint64_t>(fixture->gateway.config().max_body_bytes));
    boost::beast::error_code error;
    while (!error && !parser.is_done() && input.size() > 0) {
      size_t used = parser.put(input, error);
      input += used;
      if (used == 0 && !error) break;
    }
    if (error == http::error::header_limit ||
        error == http::error::body_limit) {
      const auto& message = parser.get();
      std::string_view path = message.target();
      path = path.substr(0, path.find('?'));
      auto request_id = message.find("x-request-id");
      (void)fixture->gateway.RenderTransportError(
          path.empty() ? std::string_view() : message.method_string(), path,
          request_id == message.end() ? std::string_view()
                                      : request_id->value(),
          users::gateway::GatewayError{413, "too large", 0, ""});
      return 0;
    }
    if (error || !parser.is_done()) return 0;
    int answers = 0;
    fixture->gateway.Handle(
        ToHttpRequest(parser.release()),
        [&](const users::gateway::HttpResponse& response) {
          ++answers;
          if (response.status < 100 || response.status > 599) {
            __builtin_trap();
          }
        });
    // The fake backend answers at once: every request is answered before
    // Handle returns, exactly once.
    if (answers != 1) __builtin_trap();
  }
  return 0;
}
