#include "services/userd/curl_webhook_client.h"

#include <curl/curl.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <ctime>
#include <memory>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "nlohmann/json.hpp"
#include "services/common/api_error.h"
#include "services/common/log.h"

namespace users {
namespace {

constexpr size_t kMaxResponseBytes = 64 * 1024;

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

}  // namespace

CurlWebhookClient::CurlWebhookClient(int threads, int queue_capacity,
                                     std::chrono::milliseconds timeout,
                                     WebhookObserver* observer)
    : timeout_(timeout), observer_(observer), executor_(threads, queue_capacity) {
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

void CurlWebhookClient::ValidateUserUpdated(
    WebhookCall call, std::function<void(absl::Status)> done) {
  auto shared_done = std::make_shared<decltype(done)>(std::move(done));
  auto shared_call = std::make_shared<WebhookCall>(std::move(call));
  bool queued = executor_.TrySubmit([this, shared_call, shared_done] {
    absl::Status verdict = Call(*shared_call);
    if (observer_ != nullptr) {
      observer_->OnWebhook(verdict.ok() ? "allowed"
                           : absl::IsUnavailable(verdict) ? "unavailable"
                                                          : "rejected");
    }
    (*shared_done)(verdict);
  });
  if (!queued) {
    if (observer_ != nullptr) observer_->OnWebhook("unavailable");
    (*shared_done)(Unavailable());
  }
}

absl::Status CurlWebhookClient::Call(const WebhookCall& call) {
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
  if (!curl) return Unavailable();
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
  CURL* handle = curl.get();
  curl_easy_setopt(handle, CURLOPT_URL, call.uri.c_str());
  curl_easy_setopt(handle, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(handle, CURLOPT_POST, 1L);
  curl_easy_setopt(handle, CURLOPT_POSTFIELDS, body.c_str());
  curl_easy_setopt(handle, CURLOPT_POSTFIELDSIZE, static_cast<long>(body.size()));
  curl_easy_setopt(handle, CURLOPT_HTTPHEADER, list);
  curl_easy_setopt(handle, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout_.count()));
  curl_easy_setopt(handle, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(handle, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(handle, CURLOPT_WRITEFUNCTION, AppendBody);
  curl_easy_setopt(handle, CURLOPT_WRITEDATA, &response);
  CURLcode result = curl_easy_perform(handle);
  if (result != CURLE_OK) {
    Log(LogLevel::kWarning, "webhook_unavailable",
        {{"project", call.project_id},
         {"error", curl_easy_strerror(result)},
         {"request_id", call.request_id}});
    return Unavailable();
  }
  long http_status = 0;
  curl_easy_getinfo(handle, CURLINFO_RESPONSE_CODE, &http_status);
  nlohmann::json answer =
      nlohmann::json::parse(response, nullptr, /*allow_exceptions=*/false);
  std::string message;
  if (answer.is_object() && answer.contains("message") &&
      answer["message"].is_string()) {
    message = answer["message"].get<std::string>().substr(0, 500);
  }
  bool valid = answer.is_object() && answer.contains("valid") &&
               answer["valid"] == true;
  if (http_status >= 200 && http_status < 300 && valid) {
    return absl::OkStatus();
  }
  Log(LogLevel::kInfo, "webhook_rejected",
      {{"project", call.project_id},
       {"http_status", static_cast<int64_t>(http_status)},
       {"request_id", call.request_id}});
  return Rejected(message);
}

}  // namespace users
