#include "gateway/gateway.h"

#include <chrono>
#include <utility>

#include "gateway/cookie_header.h"
#include "gateway/idempotency_key.h"
#include "gateway/json_body_parser.h"
#include "gateway/medama_adapter.h"
#include "gateway/neptun_adapter.h"
#include "gateway/project_adapter.h"
#include "gateway/request_id.h"
#include "gateway/string_util.h"
#include "gateway/v1_adapter.h"
#include "services/common/log.h"

namespace users::gateway {
namespace {

int64_t NowMicros() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// True for `application/json`, with or without parameters.
bool IsJsonContentType(std::string_view content_type) {
  std::string_view media_type = content_type;
  if (size_t semicolon = media_type.find(';');
      semicolon != std::string_view::npos) {
    media_type = media_type.substr(0, semicolon);
  }
  return EqualsIgnoreCase(StripWhitespace(media_type), "application/json");
}

// Why `request` is ambiguous about where its body ends or whose credential
// it carries (CONTRACTS.md, "Ambiguous credentials"), or "" when it is not.
// Beast refuses two different Content-Length values itself; equal ones, and
// a list in one field, reach this. Credentials count only on a contract's
// routes: the Authorization header, and the contract's session cookie in
// every Cookie header together.
std::string Ambiguity(const HttpRequest& request, const Contract* contract) {
  if (request.HeaderCount("content-length") > 1 ||
      request.Header("content-length").find(',') != std::string_view::npos) {
    return "more than one Content-Length";
  }
  if (contract == nullptr) return {};
  if (request.HeaderCount("authorization") > 1) {
    return "more than one Authorization header";
  }
  std::string_view cookie = contract->CookieName();
  if (!cookie.empty() && request.CookieCount(cookie) > 1) {
    return Cat("more than one ", cookie, " cookie");
  }
  return {};
}

}  // namespace

std::string_view ReasonPhrase(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 201:
      return "Created";
    case 204:
      return "No Content";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 409:
      return "Conflict";
    case 412:
      return "Precondition Failed";
    case 413:
      return "Payload Too Large";
    case 415:
      return "Unsupported Media Type";
    case 422:
      return "Unprocessable Content";
    case 429:
      return "Too Many Requests";
    case 431:
      return "Request Header Fields Too Large";
    case 499:
      return "Client Closed Request";
    case 500:
      return "Internal Server Error";
    case 501:
      return "Not Implemented";
    case 503:
      return "Service Unavailable";
    case 504:
      return "Gateway Timeout";
    default:
      return "Error";
  }
}

HttpResponse NeutralError(const GatewayError& error,
                          std::string_view request_id) {
  nlohmann::ordered_json body;
  body["status"] = error.status;
  body["error"] = std::string(ReasonPhrase(error.status));
  body["message"] = error.status >= 500 ? "internal error" : error.message;
  body["request_id"] = std::string(request_id);
  HttpResponse response = JsonResponse(error.status, body);
  if (!error.allow.empty()) response.SetHeader("Allow", error.allow);
  if (error.retry_after_seconds > 0) {
    response.SetHeader("Retry-After",
                       std::to_string(error.retry_after_seconds));
  }
  return response;
}

Gateway::Gateway(GatewayConfig config, UserBackend& backend,
                 GatewayMetrics* metrics)
    : config_(std::move(config)),
      backend_(backend),
      metrics_(metrics),
      client_limiter_(config_.client_rps, config_.client_burst),
      principal_limiter_(config_.principal_rps, config_.principal_burst) {
  contracts_.push_back(std::make_unique<MedamaAdapter>(config_, backend_));
  contracts_.push_back(std::make_unique<V1Adapter>(config_, backend_));
  contracts_.push_back(std::make_unique<ProjectAdapter>(config_, backend_));
  contracts_.push_back(std::make_unique<NeptunAdapter>(config_, backend_));
  for (const auto& contract : contracts_) {
    for (Route& route : contract->Routes()) {
      AddRoute(std::move(route), contract.get());
    }
  }
  for (Route& route : HealthRoutes()) AddRoute(std::move(route), nullptr);
}

void Gateway::AddRoute(Route route, Contract* contract) {
  if (metrics_ != nullptr) {
    route.metrics = metrics_->ForRoute(route.method, route.pattern);
  }
  router_.Add(std::move(route), contract);
}

Gateway::~Gateway() = default;

std::vector<Route> Gateway::HealthRoutes() {
  std::vector<Route> routes;
  routes.push_back(Route{"GET", "/healthz", false, false,
                         [](const RequestContext&, const Respond& done) {
                           done(JsonResponse(200, {{"status", "ok"}}));
                         }});
  routes.push_back(
      Route{"GET", "/readyz", false, false,
            [this](const RequestContext&, Respond done) {
              backend_.CheckHealth([done = std::move(done)](bool serving) {
                done(serving ? JsonResponse(200, {{"status", "ready"}})
                             : JsonResponse(503, {{"status", "not ready"}}));
              });
            }});
  return routes;
}

bool Gateway::OriginAllowed(std::string_view origin) const {
  for (const std::string& allowed : config_.allowed_origins) {
    if (EqualsIgnoreCase(allowed, origin)) return true;
  }
  return false;
}

HttpResponse Gateway::RenderError(const Contract* contract,
                                  const GatewayError& error,
                                  std::string_view request_id) const {
  return contract == nullptr ? NeutralError(error, request_id)
                             : contract->RenderError(error, request_id);
}

void Gateway::Finish(const Contract* contract, RouteMetrics* route_metrics,
                     std::string_view method, std::string_view path,
                     const std::string& request_id, int64_t start_micros,
                     HttpResponse response, const Respond& done) const {
  if (contract != nullptr) contract->Decorate(response);
  response.SetHeader("X-Request-Id", request_id);
  Log(response.status >= 500 ? LogLevel::kError : LogLevel::kInfo,
      "http_request",
      {{"request_id", request_id},
       {"method", method},
       {"path", path},
       {"status", response.status},
       {"contract", contract == nullptr ? "none" : contract->Name()},
       {"duration_us", NowMicros() - start_micros}});
  if (route_metrics != nullptr) {
    route_metrics->OnResponse(response.status,
                              double(NowMicros() - start_micros) / 1e6);
  }
  done(std::move(response));
}

void Gateway::Handle(HttpRequest request, Respond done) {
  const int64_t start = NowMicros();
  const std::string request_id = RequestIdFor(request.Header("x-request-id"));
  Router::Match match = router_.Find(request.method, request.Path());
  const Contract* contract = match.contract;
  RouteMetrics* route_metrics = nullptr;
  if (match.route != nullptr) {
    route_metrics = match.route->metrics;
  } else if (metrics_ != nullptr) {
    route_metrics = metrics_->Unmatched(request.method);
  }
  auto fail = [&](const GatewayError& error) {
    Finish(contract, route_metrics, request.method, request.Path(), request_id,
           start, RenderError(contract, error, request_id), done);
  };
  if (std::string ambiguity = Ambiguity(request, contract);
      !ambiguity.empty()) {
    HttpResponse response = RenderError(
        contract, GatewayError{400, std::move(ambiguity), 0, ""}, request_id);
    response.close_connection = true;
    return Finish(contract, route_metrics, request.method, request.Path(),
                  request_id, start, std::move(response), done);
  }
  if (match.outcome == Router::Outcome::kNotFound) {
    return fail(GatewayError{
        404, Cat("no route for ", request.method, " ", request.Path()), 0, ""});
  }
  if (match.outcome == Router::Outcome::kMethodNotAllowed) {
    return fail(GatewayError{
        405, Cat("method ", request.method, " not allowed"), 0, match.allow});
  }
  const Route& route = *match.route;
  const bool cookie_contract =
      contract != nullptr && !contract->CookieName().empty();
  if (cookie_contract && request.HasHeader("origin") &&
      !OriginAllowed(request.Header("origin"))) {
    return fail(GatewayError{403, "origin not allowed", 0, ""});
  }
  const auto now = TokenBucketLimiter::Clock::now();
  request.client_address = config_.trusted_proxies.ClientAddress(
      request.remote_address, request.JoinedHeader("x-forwarded-for"));
  if (int wait = client_limiter_.Acquire(request.client_address, now);
      wait > 0) {
    return fail(GatewayError{429, "too many requests", wait, ""});
  }
  std::string credential;
  if (contract != nullptr) {
    credential = cookie_contract ? request.Cookie(contract->CookieName())
                                 : request.BearerToken();
  }
  if (!credential.empty() && !IsValidTokenText(credential)) {
    credential.clear();
  }
  if (route.needs_credential && credential.empty()) {
    return fail(GatewayError{401, "authentication required", 0, ""});
  }
  if (!credential.empty()) {
    if (int wait = principal_limiter_.Acquire(credential, now); wait > 0) {
      return fail(GatewayError{429, "too many requests", wait, ""});
    }
  }
  RequestContext context;
  if (route.takes_idempotency_key) {
    absl::StatusOr<std::string> key = IdempotencyKeyOf(request);
    if (!key.ok()) {
      return fail(
          GatewayError{400, std::string(key.status().message()), 0, ""});
    }
    context.idempotency_key = *std::move(key);
  }
  if (route.reads_body) {
    if (!IsJsonContentType(request.Header("content-type"))) {
      return fail(
          GatewayError{415, "Content-Type must be application/json", 0, ""});
    }
    if (static_cast<int64_t>(request.body.size()) > config_.max_body_bytes) {
      return fail(GatewayError{413, "request body too large", 0, ""});
    }
    absl::StatusOr<nlohmann::json> body = JsonBodyParser::Parse(request.body);
    if (!body.ok()) {
      return fail(GatewayError{
          400, Cat("invalid JSON body: ", std::string(body.status().message())),
          0, ""});
    }
    context.body = *std::move(body);
  }
  context.request_id = request_id;
  context.params = std::move(match.params);
  context.credential = std::move(credential);
  std::string method = request.method;
  std::string path(request.Path());
  context.request = std::move(request);
  context.request.body.clear();
  route.handler(std::move(context),
                [this, contract, route_metrics, method = std::move(method),
                 path = std::move(path), request_id, start,
                 done = std::move(done)](HttpResponse response) {
                  Finish(contract, route_metrics, method, path, request_id,
                         start, std::move(response), done);
                });
}

HttpResponse Gateway::RenderTransportError(std::string_view method,
                                           std::string_view path,
                                           std::string_view request_id_header,
                                           const GatewayError& error) const {
  const std::string request_id = RequestIdFor(request_id_header);
  const Contract* contract = nullptr;
  if (!path.empty()) {
    Router::Match match = router_.Find(method, path);
    contract = match.contract;
  }
  HttpResponse response = RenderError(contract, error, request_id);
  if (contract != nullptr) contract->Decorate(response);
  response.SetHeader("X-Request-Id", request_id);
  Log(LogLevel::kInfo, "http_request",
      {{"request_id", request_id},
       {"method", method},
       {"path", path},
       {"status", response.status},
       {"contract", contract == nullptr ? "none" : contract->Name()}});
  return response;
}

}  // namespace users::gateway
