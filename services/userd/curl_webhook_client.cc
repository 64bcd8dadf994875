#include "services/userd/curl_webhook_client.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <netinet/in.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <sys/socket.h>

#include <algorithm>
#include <cstring>
#include <ctime>
#include <memory>
#include <optional>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "nlohmann/json.hpp"
#include "services/common/log.h"
#include "services/users/api_error.h"
#include "services/users/text_checks.h"

namespace users {
namespace {

namespace ip = boost::asio::ip;

constexpr size_t kMaxResponseBytes = size_t{64} * 1024;
constexpr size_t kMaxMessageBytes = 500;

size_t AppendBody(char* data, size_t size, size_t count, void* user) {
  auto* body = static_cast<std::string*>(user);
  size_t bytes = size * count;
  if (body->size() + bytes > kMaxResponseBytes) return 0;  // aborts transfer
  body->append(data, bytes);
  return bytes;
}

absl::Status Unavailable() {
  return ApiError(absl::StatusCode::kUnavailable, "WEBHOOK_UNAVAILABLE",
                  "the project's validation webhook did not answer in time");
}

absl::Status Rejected(const std::string& message) {
  std::map<std::string, std::string> metadata;
  if (!message.empty()) metadata["message"] = message;
  return ApiError(absl::StatusCode::kInvalidArgument, "WEBHOOK_REJECTED",
                  message.empty() ? "the update was rejected by the project's "
                                    "validation webhook"
                                  : message,
                  metadata);
}

struct CurlDeleter {
  void operator()(CURL* curl) const { curl_easy_cleanup(curl); }
};
struct SlistDeleter {
  void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};

// What the socket-opening callback checks against, and what it saw.
struct ConnectGuard {
  const WebhookDestinations* destinations;
  std::string refused;  // the last address refused, for the log
};

std::optional<ip::address> AddressOf(const curl_sockaddr& address) {
  if (address.family == AF_INET && address.addrlen >= sizeof(sockaddr_in)) {
    sockaddr_in in;
    std::memcpy(&in, &address.addr, sizeof(in));
    return ip::address(ip::address_v4(ntohl(in.sin_addr.s_addr)));
  }
  if (address.family == AF_INET6 && address.addrlen >= sizeof(sockaddr_in6)) {
    sockaddr_in6 in6;
    std::memcpy(&in6, &address.addr, sizeof(in6));
    ip::address_v6::bytes_type bytes;
    std::memcpy(bytes.data(), in6.sin6_addr.s6_addr, bytes.size());
    return ip::address(ip::address_v6(bytes, in6.sin6_scope_id));
  }
  return std::nullopt;
}

// CURLOPT_OPENSOCKETFUNCTION: opens a socket only for an allowed address.
curl_socket_t OpenCheckedSocket(void* data, curlsocktype purpose,
                                curl_sockaddr* address) {
  auto* guard = static_cast<ConnectGuard*>(data);
  std::optional<ip::address> target = AddressOf(*address);
  if (purpose != CURLSOCKTYPE_IPCXN || !target.has_value() ||
      !guard->destinations->MayConnect(*target)) {
    guard->refused = target.has_value() ? target->to_string() : "(not IP)";
    return CURL_SOCKET_BAD;
  }
  return socket(address->family, address->socktype, address->protocol);
}

}  // namespace

struct CurlWebhookClient::Outcome {
  absl::Status verdict;
  const char* label;
};

int CurlWebhookClient::InFlightShare(int threads) {
  return std::max(1, threads / 4);
}

int CurlWebhookClient::WaitingShare(int threads) {
  return 4 * InFlightShare(threads);
}

CurlWebhookClient::CurlWebhookClient(int threads, int queue_capacity,
                                     std::chrono::milliseconds timeout,
                                     WebhookDestinations destinations,
                                     WebhookObserver* observer)
    : timeout_(timeout),
      destinations_(std::move(destinations)),
      observer_(observer),
      executor_(threads, queue_capacity, InFlightShare(threads),
                WaitingShare(threads)) {
  curl_global_init(CURL_GLOBAL_DEFAULT);
}

std::string CurlWebhookClient::Sign(const std::string& secret,
                                    const std::string& timestamp,
                                    const std::string& body) {
  std::string message = absl::StrCat(timestamp, ".", body);
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(message.data()), message.size(),
       digest, &length);
  return absl::BytesToHexString(
      absl::string_view(reinterpret_cast<const char*>(digest), length));
}

void CurlWebhookClient::Observe(const char* outcome) {
  if (observer_ != nullptr) observer_->OnWebhook(outcome);
}

void CurlWebhookClient::ValidateUserUpdated(
    WebhookCall call, std::function<void(absl::Status)> done) {
  auto shared_done = std::make_shared<decltype(done)>(std::move(done));
  auto shared_call = std::make_shared<WebhookCall>(std::move(call));
  BoundedJob job;
  job.deadline = std::min(shared_call->deadline,
                          std::chrono::steady_clock::now() + timeout_);
  job.run = [this, shared_call, shared_done] {
    Outcome outcome = Call(*shared_call);
    Observe(outcome.label);
    (*shared_done)(outcome.verdict);
  };
  job.expired = [this, shared_call, shared_done] {
    Log(LogLevel::kWarning, "webhook_expired",
        {{"project", shared_call->project_id},
         {"request_id", shared_call->request_id}});
    Observe("expired");
    (*shared_done)(Unavailable());
  };
  const std::string project = shared_call->project_id;
  if (!executor_.TrySubmit(project, std::move(job))) {
    Log(LogLevel::kWarning, "webhook_queue_full",
        {{"project", project}, {"request_id", shared_call->request_id}});
    Observe("unavailable");
    (*shared_done)(Unavailable());
  }
}

CurlWebhookClient::Outcome CurlWebhookClient::Call(const WebhookCall& call) {
  if (std::optional<WebhookUriProblem> problem =
          destinations_.CheckUri(call.uri)) {
    Log(LogLevel::kWarning, "webhook_destination_refused",
        {{"project", call.project_id},
         {"reason", problem->description},
         {"request_id", call.request_id}});
    return {Unavailable(), "refused"};
  }
  auto budget = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::min<std::chrono::steady_clock::duration>(
          timeout_, call.deadline - std::chrono::steady_clock::now()));
  if (budget.count() <= 0) return {Unavailable(), "expired"};

  nlohmann::json update = nlohmann::json::parse(call.update_json, nullptr,
                                                /*allow_exceptions=*/false);
  if (update.is_discarded()) update = nlohmann::json::object();
  nlohmann::json payload = {{"event", "validateUserUpdated"},
                            {"projectId", call.project_id},
                            {"userId", std::to_string(call.user_id)},
                            {"update", update}};
  std::string body = payload.dump();
  std::string timestamp = std::to_string(std::time(nullptr));

  std::unique_ptr<CURL, CurlDeleter> curl(curl_easy_init());
  if (!curl) return {Unavailable(), "unavailable"};
  std::unique_ptr<curl_slist, SlistDeleter> headers;
  curl_slist* list = nullptr;
  for (const std::string& header :
       {std::string("Content-Type: application/json"),
        absl::StrCat("X-Timestamp: ", timestamp),
        absl::StrCat("X-Signature: ", Sign(call.secret, timestamp, body)),
        absl::StrCat("X-Request-Id: ", call.request_id)}) {
    list = curl_slist_append(list, header.c_str());
  }
  headers.reset(list);
  std::string response;
  ConnectGuard guard{&destinations_, ""};
  CURL* handle = curl.get();
  curl_easy_setopt(handle, CURLOPT_URL, call.uri.c_str());
  curl_easy_setopt(handle, CURLOPT_PROTOCOLS_STR,
                   destinations_.allow_http() ? "http,https" : "https");
  curl_easy_setopt(handle, CURLOPT_PROXY, "");  // never one from the env
  curl_easy_setopt(handle, CURLOPT_OPENSOCKETFUNCTION, OpenCheckedSocket);
  curl_easy_setopt(handle, CURLOPT_OPENSOCKETDATA, &guard);
  curl_easy_setopt(handle, CURLOPT_POST, 1L);
  curl_easy_setopt(handle, CURLOPT_POSTFIELDS, body.c_str());
  curl_easy_setopt(handle, CURLOPT_POSTFIELDSIZE,
                   static_cast<long>(body.size()));
  curl_easy_setopt(handle, CURLOPT_HTTPHEADER, list);
  curl_easy_setopt(handle, CURLOPT_TIMEOUT_MS,
                   static_cast<long>(budget.count()));
  curl_easy_setopt(handle, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(handle, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(handle, CURLOPT_WRITEFUNCTION, AppendBody);
  curl_easy_setopt(handle, CURLOPT_WRITEDATA, &response);
  CURLcode result = curl_easy_perform(handle);
  if (result == CURLE_WRITE_ERROR) {
    // Only AppendBody fails a write: the hook answered, with more than
    // kMaxResponseBytes. That is not {"valid":true}, so it is a rejection,
    // read no further.
    Log(LogLevel::kInfo, "webhook_rejected",
        {{"project", call.project_id},
         {"reason", "answer_too_large"},
         {"request_id", call.request_id}});
    return {Rejected(""), "rejected"};
  }
  if (result != CURLE_OK) {
    // Refused addresses surface as a failed connect; a name with one allowed
    // address and one refused may still connect to the allowed one.
    const bool refused =
        !guard.refused.empty() && result == CURLE_COULDNT_CONNECT;
    Log(LogLevel::kWarning,
        refused ? "webhook_destination_refused" : "webhook_unavailable",
        {{"project", call.project_id},
         {"error", curl_easy_strerror(result)},
         {"address", guard.refused},
         {"request_id", call.request_id}});
    return {Unavailable(), refused ? "refused" : "unavailable"};
  }
  long http_status = 0;  // NOLINT(google-runtime-int): curl wants a long*
  curl_easy_getinfo(handle, CURLINFO_RESPONSE_CODE, &http_status);
  nlohmann::json answer =
      nlohmann::json::parse(response, nullptr, /*allow_exceptions=*/false);
  std::string message;
  if (answer.is_object() && answer.contains("message") &&
      answer["message"].is_string()) {
    message = std::string(
        TruncateUtf8(answer["message"].get<std::string>(), kMaxMessageBytes));
  }
  bool valid =
      answer.is_object() && answer.contains("valid") && answer["valid"] == true;
  if (http_status >= 200 && http_status < 300 && valid) {
    return {absl::OkStatus(), "allowed"};
  }
  Log(LogLevel::kInfo, "webhook_rejected",
      {{"project", call.project_id},
       {"http_status", static_cast<int64_t>(http_status)},
       {"request_id", call.request_id}});
  return {Rejected(message), "rejected"};
}

}  // namespace users
