#include "services/users/webhook_destinations.h"

#include <curl/curl.h>

#include <memory>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "services/common/public_address.h"

namespace users {
namespace {

struct UrlDeleter {
  void operator()(CURLU* url) const { curl_url_cleanup(url); }
};

// One part of a parsed URL; nullopt when the URL has none.
std::optional<std::string> Part(CURLU* url, CURLUPart part,
                                unsigned int flags = 0) {
  char* value = nullptr;
  if (curl_url_get(url, part, &value, flags) != CURLUE_OK || value == nullptr) {
    return std::nullopt;
  }
  std::string copy(value);
  curl_free(value);
  return copy;
}

WebhookUriProblem Format(std::string description) {
  return WebhookUriProblem{"INVALID_FORMAT", std::move(description)};
}

}  // namespace

std::optional<WebhookUriProblem> WebhookDestinations::CheckUri(
    absl::string_view uri) const {
  const char* needs = allow_http_ ? "is not an absolute http(s) URL"
                                  : "is not an absolute https URL";
  for (char c : uri) {
    unsigned char u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u == 0x7F) return Format(needs);
  }
  std::unique_ptr<CURLU, UrlDeleter> url(curl_url());
  if (url == nullptr) return Format(needs);
  // Accepting any scheme here only so that the refusal below can say which.
  if (curl_url_set(url.get(), CURLUPART_URL, std::string(uri).c_str(),
                   CURLU_NON_SUPPORT_SCHEME) != CURLUE_OK) {
    return Format(needs);
  }
  std::string scheme =
      absl::AsciiStrToLower(Part(url.get(), CURLUPART_SCHEME).value_or(""));
  if (scheme != "https" && !(allow_http_ && scheme == "http")) {
    return Format(needs);
  }
  if (Part(url.get(), CURLUPART_USER).has_value() ||
      Part(url.get(), CURLUPART_PASSWORD).has_value() ||
      Part(url.get(), CURLUPART_OPTIONS).has_value()) {
    return Format("must not carry credentials (user:password@)");
  }
  std::string host = Part(url.get(), CURLUPART_HOST).value_or("");
  if (host.empty()) return Format(needs);
  int port = 0;
  if (!absl::SimpleAtoi(
          Part(url.get(), CURLUPART_PORT, CURLU_DEFAULT_PORT).value_or(""),
          &port) ||
      port < 1 || port > 65535) {
    return Format("needs a port between 1 and 65535");
  }
  // curl writes every IPv4 notation as a dotted quad and keeps IPv6 hosts in
  // brackets (the zone id apart).
  if (host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  std::optional<boost::asio::ip::address> literal = ParseIpAddress(host);
  if (literal.has_value() && !MayConnect(*literal)) {
    return WebhookUriProblem{
        "DESTINATION_NOT_ALLOWED",
        "points to a loopback, private, link-local or otherwise non-public "
        "address"};
  }
  return std::nullopt;
}

bool WebhookDestinations::MayConnect(
    const boost::asio::ip::address& address) const {
  return IsPublicAddress(address) || allowed_.Contains(address);
}

}  // namespace users
