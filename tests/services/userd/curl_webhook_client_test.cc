#include "services/userd/curl_webhook_client.h"

#include <chrono>
#include <future>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "tests/services/status_checks.h"
#include "tests/services/userd/test_webhook_server.h"

namespace users {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using std::chrono::steady_clock;

// Expected values computed independently with OpenSSL's command line:
//   printf '%s' '<timestamp>.<body>' | openssl dgst -sha256 -hmac '<secret>'
TEST(CurlWebhookClientSignTest, IsHexHmacSha256OfTimestampDotBody) {
  EXPECT_EQ(
      CurlWebhookClient::Sign(
          "whsec_test", "1700000000",
          R"({"event":"validateUserUpdated","projectId":"acme","userId":7})"),
      "31af9678b147e25ef664ef4133afa24a772aecb510c04188fa023b39471447ce");
}

TEST(CurlWebhookClientSignTest, EmptySecretAndParts) {
  // HMAC-SHA256 with an empty key of the message ".".
  EXPECT_EQ(CurlWebhookClient::Sign("", "", ""),
            "0d0ab78babcce47b6860946aad720dcc13630f70074364b65665c4caefb81ecf");
}

TEST(CurlWebhookClientSignTest, DependsOnEveryInput) {
  const std::string base = CurlWebhookClient::Sign("secret", "1", "{}");
  EXPECT_EQ(base,  // of "1.{}"
            "1122767b193110cfec322b6f199b599edbf608ed087f2d27afb0b97d99523908");
  EXPECT_EQ(base.find_first_not_of("0123456789abcdef"), std::string::npos);
  EXPECT_EQ(CurlWebhookClient::Sign("secret", "1", "{}"), base);
  EXPECT_NE(CurlWebhookClient::Sign("secreT", "1", "{}"), base);
  EXPECT_NE(CurlWebhookClient::Sign("secret", "2", "{}"), base);
  EXPECT_NE(CurlWebhookClient::Sign("secret", "1", "{ }"), base);
}

// Counts the outcomes the client reports.
class RecordingObserver final : public WebhookObserver {
 public:
  void OnWebhook(const char* outcome) override {
    std::lock_guard<std::mutex> lock(mutex_);
    ++counts_[outcome];
  }
  int Count(const std::string& outcome) {
    std::lock_guard<std::mutex> lock(mutex_);
    return counts_[outcome];
  }

 private:
  std::mutex mutex_;
  std::map<std::string, int> counts_;
};

// Holds requests until opened; opens at the latest when destroyed. Declare
// it after the server and the client, so that it opens before they stop.
class Gate {
 public:
  Gate() : waiter_(promise_.get_future().share()) {}
  ~Gate() { Open(); }
  void Open() {
    if (!open_) promise_.set_value();
    open_ = true;
  }
  std::shared_future<void> Waiter() const { return waiter_; }

 private:
  std::promise<void> promise_;
  std::shared_future<void> waiter_;
  bool open_ = false;
};

constexpr char kValid[] = R"({"valid":true})";

WebhookDestinations Destinations(bool allow_http, const char* cidrs) {
  return WebhookDestinations(allow_http, *AddressRanges::Parse(cidrs));
}

// Loopback over http is what the tests' servers are: allowed explicitly.
WebhookDestinations LoopbackAllowed() {
  return Destinations(true, "127.0.0.1/32");
}

WebhookCall CallTo(const std::string& uri, const std::string& project) {
  WebhookCall call;
  call.uri = uri;
  call.secret = "whsec_test";
  call.project_id = project;
  call.user_id = 7;
  call.update_json = R"({"bio":"hello"})";
  call.request_id = "req-1";
  call.deadline = steady_clock::now() + seconds(30);
  return call;
}

std::string Url(const char* host, int port) {
  return "http://" + std::string(host) + ":" + std::to_string(port) +
         "/validate";
}

// Starts a call; the future holds its verdict.
std::future<absl::Status> Start(CurlWebhookClient& client, WebhookCall call) {
  auto promise = std::make_shared<std::promise<absl::Status>>();
  std::future<absl::Status> verdict = promise->get_future();
  client.ValidateUserUpdated(std::move(call), [promise](absl::Status status) {
    promise->set_value(std::move(status));
  });
  return verdict;
}

absl::Status Verdict(CurlWebhookClient& client, WebhookCall call) {
  return Start(client, std::move(call)).get();
}

void ExpectUnavailable(const absl::Status& status, int port) {
  EXPECT_TRUE(absl::IsUnavailable(status)) << status;
  EXPECT_EQ(test::Reason(status), "WEBHOOK_UNAVAILABLE") << status;
  // Nothing about the target reaches the caller.
  EXPECT_EQ(status.ToString().find("127.0.0.1"), std::string::npos) << status;
  EXPECT_EQ(status.ToString().find(std::to_string(port)), std::string::npos)
      << status;
  EXPECT_TRUE(test::Metadata(status).empty()) << status;
}

TEST(CurlWebhookClientTest, AnAllowedLoopbackHookIsCalledAndSigned) {
  test::TestWebhookServer server([](const std::string&) { return kValid; });
  RecordingObserver observer;
  CurlWebhookClient client(4, 16, seconds(10), LoopbackAllowed(), &observer);
  absl::Status status =
      Verdict(client, CallTo(Url("127.0.0.1", server.port()), "acme"));
  EXPECT_TRUE(status.ok()) << status;
  EXPECT_EQ(server.requests(), 1);
  EXPECT_NE(server.last_headers().find("X-Signature: "), std::string::npos);
  EXPECT_EQ(observer.Count("allowed"), 1);
}

TEST(CurlWebhookClientTest, LoopbackIsRefusedWhenNotAllowed) {
  test::TestWebhookServer server([](const std::string&) { return kValid; });
  RecordingObserver observer;
  CurlWebhookClient client(4, 16, seconds(10), Destinations(true, ""),
                           &observer);
  for (const char* host :
       {"127.0.0.1", "2130706433", "0x7f.1", "[::ffff:127.0.0.1]"}) {
    ExpectUnavailable(Verdict(client, CallTo(Url(host, server.port()), "acme")),
                      server.port());
  }
  EXPECT_EQ(server.connections(), 0);
  EXPECT_EQ(observer.Count("refused"), 4);
}

// "localhost" is a DNS name: accepted as a URI, refused on the address it
// resolves to, inside libcurl's socket callback, before any connection.
TEST(CurlWebhookClientTest, ANameResolvingToLoopbackIsRefusedAtConnectTime) {
  test::TestWebhookServer server([](const std::string&) { return kValid; });
  RecordingObserver observer;
  WebhookDestinations destinations = Destinations(true, "");
  const std::string uri = Url("localhost", server.port());
  ASSERT_FALSE(destinations.CheckUri(uri).has_value());
  CurlWebhookClient client(4, 16, seconds(10), destinations, &observer);
  ExpectUnavailable(Verdict(client, CallTo(uri, "acme")), server.port());
  EXPECT_EQ(server.connections(), 0);
  EXPECT_EQ(observer.Count("refused"), 1);
}

TEST(CurlWebhookClientTest, ANameResolvingToAnAllowedRangeIsCalled) {
  test::TestWebhookServer server([](const std::string&) { return kValid; });
  CurlWebhookClient client(4, 16, seconds(10), LoopbackAllowed());
  absl::Status status =
      Verdict(client, CallTo(Url("localhost", server.port()), "acme"));
  EXPECT_TRUE(status.ok()) << status;
  EXPECT_EQ(server.requests(), 1);
}

TEST(CurlWebhookClientTest, PlainHttpIsRefusedUnlessAllowed) {
  test::TestWebhookServer server([](const std::string&) { return kValid; });
  RecordingObserver observer;
  CurlWebhookClient client(4, 16, seconds(10),
                           Destinations(false, "127.0.0.1/32"), &observer);
  ExpectUnavailable(
      Verdict(client, CallTo(Url("127.0.0.1", server.port()), "acme")),
      server.port());
  EXPECT_EQ(server.connections(), 0);
  EXPECT_EQ(observer.Count("refused"), 1);
}

TEST(CurlWebhookClientTest, CredentialsInTheUriAreRefused) {
  test::TestWebhookServer server([](const std::string&) { return kValid; });
  CurlWebhookClient client(4, 16, seconds(10), LoopbackAllowed());
  ExpectUnavailable(
      Verdict(client, CallTo("http://user:pw@127.0.0.1:" +
                                 std::to_string(server.port()) + "/",
                             "acme")),
      server.port());
  EXPECT_EQ(server.connections(), 0);
}

TEST(CurlWebhookClientTest, ARejectionMessageIsCutOnACharacterBoundary) {
  std::string message;
  for (int i = 0; i < 300; ++i) message += "\xC3\xA9";  // 600 bytes of "é"
  test::TestWebhookServer server([&](const std::string&) {
    return R"({"valid":false,"message":")" + message + "\"}";
  });
  CurlWebhookClient client(4, 16, seconds(10), LoopbackAllowed());
  absl::Status status =
      Verdict(client, CallTo(Url("127.0.0.1", server.port()), "acme"));
  EXPECT_TRUE(absl::IsInvalidArgument(status)) << status;
  EXPECT_EQ(test::Reason(status), "WEBHOOK_REJECTED");
  const std::string cut = message.substr(0, 500);  // 250 whole characters
  EXPECT_EQ(test::Metadata(status)["message"], cut);
  EXPECT_EQ(std::string(status.message()), cut);
}

// An answer longer than the client reads (64 KiB) is not {"valid":true}:
// rejected, even when it begins like one, without reading the rest.
TEST(CurlWebhookClientTest, AnOversizedAnswerIsARejection) {
  const std::string padding(size_t{10} * 1024 * 1024, 'x');
  test::TestWebhookServer server([&](const std::string&) {
    return R"({"valid":true,"pad":")" + padding + "\"}";
  });
  CurlWebhookClient client(4, 16, seconds(10), LoopbackAllowed());
  const auto start = steady_clock::now();
  absl::Status status =
      Verdict(client, CallTo(Url("127.0.0.1", server.port()), "acme"));
  EXPECT_TRUE(absl::IsInvalidArgument(status)) << status;
  EXPECT_EQ(test::Reason(status), "WEBHOOK_REJECTED");
  EXPECT_TRUE(test::Metadata(status).empty()) << status;
  EXPECT_LT(steady_clock::now() - start, seconds(3));
}

TEST(CurlWebhookClientTest, AnOddCutKeepsOnlyWholeCharacters) {
  std::string message = "x";
  for (int i = 0; i < 300; ++i) message += "\xC3\xA9";
  test::TestWebhookServer server([&](const std::string&) {
    return R"({"valid":false,"message":")" + message + "\"}";
  });
  CurlWebhookClient client(4, 16, seconds(10), LoopbackAllowed());
  absl::Status status =
      Verdict(client, CallTo(Url("127.0.0.1", server.port()), "acme"));
  EXPECT_EQ(test::Reason(status), "WEBHOOK_REJECTED");
  EXPECT_EQ(test::Metadata(status)["message"], message.substr(0, 499));
}

TEST(CurlWebhookClientTest, ACallWhoseDeadlinePassedIsNeverSent) {
  test::TestWebhookServer server([](const std::string&) { return kValid; });
  RecordingObserver observer;
  CurlWebhookClient client(4, 16, seconds(10), LoopbackAllowed(), &observer);
  WebhookCall call = CallTo(Url("127.0.0.1", server.port()), "acme");
  call.deadline = steady_clock::now() - milliseconds(1);
  ExpectUnavailable(Verdict(client, std::move(call)), server.port());
  EXPECT_EQ(server.connections(), 0);
  EXPECT_EQ(observer.Count("expired"), 1);
}

// A call queued behind its project's share whose caller gives up meanwhile
// is dropped when its turn comes, never sent.
TEST(CurlWebhookClientTest, AQueuedCallPastItsDeadlineIsDropped) {
  Gate* gate_ptr = nullptr;
  test::TestWebhookServer server([&](const std::string&) {
    gate_ptr->Waiter().wait();
    return std::string(kValid);
  });
  RecordingObserver observer;
  // Four threads: one call of a project in flight at a time.
  ASSERT_EQ(CurlWebhookClient::InFlightShare(4), 1);
  CurlWebhookClient client(4, 16, seconds(10), LoopbackAllowed(), &observer);
  Gate gate;
  gate_ptr = &gate;
  const std::string uri = Url("127.0.0.1", server.port());
  std::future<absl::Status> held = Start(client, CallTo(uri, "acme"));
  server.WaitForRequests(1);
  WebhookCall late = CallTo(uri, "acme");
  late.deadline = steady_clock::now() + milliseconds(20);
  const auto late_deadline = late.deadline;
  std::future<absl::Status> dropped = Start(client, std::move(late));
  // The queued call's caller gives up while the first call is held.
  while (steady_clock::now() <= late_deadline) std::this_thread::yield();
  gate.Open();
  EXPECT_TRUE(held.get().ok());
  ExpectUnavailable(dropped.get(), server.port());
  EXPECT_EQ(server.requests(), 1);
  EXPECT_EQ(observer.Count("expired"), 1);
}

// One project's hook holds every request; another project's calls go
// through meanwhile, because the first may use only its share of threads.
TEST(CurlWebhookClientTest, ASlowProjectDoesNotFailTheOthers) {
  Gate* gate_ptr = nullptr;
  test::TestWebhookServer slow([&](const std::string&) {
    gate_ptr->Waiter().wait();
    return std::string(kValid);
  });
  test::TestWebhookServer quick([](const std::string&) { return kValid; });
  RecordingObserver observer;
  const int threads = 4;
  const int share = CurlWebhookClient::InFlightShare(threads);
  const int waiting = CurlWebhookClient::WaitingShare(threads);
  CurlWebhookClient client(threads, 64, seconds(10), LoopbackAllowed(),
                           &observer);
  Gate gate;
  gate_ptr = &gate;
  std::vector<std::future<absl::Status>> held;
  held.reserve(share + waiting);
  for (int i = 0; i < share + waiting; ++i) {
    held.push_back(
        Start(client, CallTo(Url("127.0.0.1", slow.port()), "slow")));
  }
  slow.WaitForRequests(share);
  // Beyond its share, the slow project is refused at once.
  ExpectUnavailable(
      Verdict(client, CallTo(Url("127.0.0.1", slow.port()), "slow")),
      slow.port());
  // The other project's calls all succeed while the slow one is held, as
  // many at once as its own share allows.
  std::vector<std::future<absl::Status>> others;
  others.reserve(share + waiting);
  for (int i = 0; i < share + waiting; ++i) {
    others.push_back(
        Start(client, CallTo(Url("127.0.0.1", quick.port()), "quick")));
  }
  for (std::future<absl::Status>& verdict : others) {
    // Bounded, so that a held thread shows as a failure, not a hang.
    ASSERT_EQ(verdict.wait_for(seconds(20)), std::future_status::ready);
    EXPECT_TRUE(verdict.get().ok());
  }
  EXPECT_EQ(quick.requests(), share + waiting);
  EXPECT_EQ(slow.requests(), share);
  gate.Open();
  for (std::future<absl::Status>& verdict : held) {
    EXPECT_TRUE(verdict.get().ok());
  }
  EXPECT_EQ(slow.requests(), share + waiting);
}

}  // namespace
}  // namespace users
