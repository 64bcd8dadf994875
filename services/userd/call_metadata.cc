#include "services/userd/call_metadata.h"

#include <algorithm>
#include <chrono>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/strip.h"
#include "services/common/request_ids.h"

namespace users {
namespace {

constexpr std::chrono::seconds kDefaultDeadline{30};
constexpr size_t kMaxRequestIdLength = 128;

std::string Metadata(const grpc::CallbackServerContext& context,
                     const char* key) {
  const auto& metadata = context.client_metadata();
  auto it = metadata.find(key);
  if (it == metadata.end()) return "";
  return std::string(it->second.data(), it->second.size());
}

bool IsPrintableToken(const std::string& text) {
  return std::all_of(text.begin(), text.end(),
                     [](char c) { return c > 0x20 && c < 0x7F; });
}

// "ipv4:10.1.2.3:5000", "ipv6:[::1]:5000" or "ipv6:%5B::1%5D:5000" -> the
// address; anything else (unix:...) -> "".
std::string PeerAddress(std::string peer) {
  absl::StrReplaceAll({{"%5B", "["}, {"%5D", "]"}}, &peer);
  absl::string_view rest(peer);
  if (!absl::ConsumePrefix(&rest, "ipv4:") &&
      !absl::ConsumePrefix(&rest, "ipv6:")) {
    return "";
  }
  if (absl::ConsumePrefix(&rest, "[")) {
    return std::string(rest.substr(0, rest.find(']')));
  }
  return std::string(rest.substr(0, rest.rfind(':')));
}

}  // namespace

CallContext CallContextFrom(const grpc::CallbackServerContext& context) {
  CallContext call;
  std::string authorization = Metadata(context, "authorization");
  if (absl::StartsWithIgnoreCase(authorization, "bearer ")) {
    call.bearer_token = std::string(
        absl::StripAsciiWhitespace(absl::string_view(authorization).substr(7)));
  }
  call.request_id = Metadata(context, "x-request-id");
  if (call.request_id.empty() || call.request_id.size() > kMaxRequestIdLength ||
      !IsPrintableToken(call.request_id)) {
    call.request_id = NewRequestId();
  }
  call.self_only = Metadata(context, "x-self-only") == "1";
  call.peer_address = PeerAddress(context.peer());
  call.forwarded_for = Metadata(context, "x-forwarded-for");
  auto now_system = std::chrono::system_clock::now();
  auto deadline = context.deadline();
  auto remaining = deadline - now_system;
  if (deadline == std::chrono::system_clock::time_point::max() ||
      remaining > kDefaultDeadline) {
    remaining = kDefaultDeadline;
  }
  call.deadline =
      std::chrono::steady_clock::now() +
      std::chrono::duration_cast<std::chrono::steady_clock::duration>(
          remaining);
  return call;
}

}  // namespace users
