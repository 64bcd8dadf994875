#include "gateway/gateway_metrics.h"

#include <memory>
#include <string>

#include "gateway/gateway.h"
#include "gtest/gtest.h"
#include "services/metrics/metrics_registry.h"
#include "tests/gateway/fake_user_backend.h"
#include "tests/gateway/gateway_test_util.h"

namespace users::gateway {
namespace {

HttpResponse SendTo(Gateway& gateway, HttpRequest request) {
  HttpResponse answer;
  bool answered = false;
  gateway.Handle(std::move(request), [&](HttpResponse response) {
    answer = std::move(response);
    answered = true;
  });
  EXPECT_TRUE(answered);
  return answer;
}

TEST(GatewayMetricsTest, CountsResponsesByRoutePatternNotByPath) {
  metrics::MetricsRegistry registry;
  GatewayMetrics metrics(registry);
  FakeUserBackend backend;
  Gateway gateway(GatewayHarness::DefaultConfig(), backend, &metrics);

  for (const char* id : {"usr_1", "usr_2"}) {
    SendTo(gateway, JsonRequest("PATCH", std::string("/v1/users/") + id,
                                R"({"username":"abc"})",
                                {{"Authorization", "Bearer t"}}));
  }
  SendTo(gateway, JsonRequest("GET", "/nowhere", ""));
  HttpResponse scrape = SendTo(gateway, JsonRequest("GET", "/metrics", ""));

  EXPECT_EQ(scrape.status, 200);
  EXPECT_EQ(scrape.Header("Content-Type").rfind("text/plain; version=0.0.4", 0),
            0u);
  EXPECT_NE(scrape.body.find("gateway_http_requests_total{route=\"PATCH "
                             "/v1/users/{user_id}\",code=\"200\"} 2"),
            std::string::npos)
      << scrape.body;
  EXPECT_NE(scrape.body.find(
                "gateway_http_requests_total{route=\"unmatched\",code=\"404\"} 1"),
            std::string::npos);
  EXPECT_EQ(scrape.body.find("usr_1"), std::string::npos);
  EXPECT_NE(scrape.body.find("gateway_http_request_duration_seconds_count{"
                             "route=\"PATCH /v1/users/{user_id}\"} 2"),
            std::string::npos);
}

TEST(GatewayMetricsTest, NoMetricsRouteWithoutMetrics) {
  FakeUserBackend backend;
  Gateway gateway(GatewayHarness::DefaultConfig(), backend);
  EXPECT_EQ(SendTo(gateway, JsonRequest("GET", "/metrics", "")).status, 404);
}

}  // namespace
}  // namespace users::gateway
