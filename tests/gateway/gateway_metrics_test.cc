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
  const std::string scrape = registry.Render();

  EXPECT_NE(scrape.find("gateway_http_requests_total{route=\"PATCH "
                        "/v1/users/{user_id}\",code=\"200\"} 2"),
            std::string::npos)
      << scrape;
  EXPECT_NE(
      scrape.find(
          "gateway_http_requests_total{route=\"unmatched\",code=\"404\"} 1"),
      std::string::npos);
  EXPECT_EQ(scrape.find("usr_1"), std::string::npos);
  EXPECT_NE(scrape.find("gateway_http_request_duration_seconds_count{"
                        "route=\"PATCH /v1/users/{user_id}\"} 2"),
            std::string::npos);
}

TEST(GatewayMetricsTest, MetricsAreNotServedOnThePublicPort) {
  metrics::MetricsRegistry registry;
  GatewayMetrics metrics(registry);
  FakeUserBackend backend;
  Gateway gateway(GatewayHarness::DefaultConfig(), backend, &metrics);
  HttpResponse response = SendTo(gateway, JsonRequest("GET", "/metrics", ""));
  EXPECT_EQ(response.status, 404);
  EXPECT_EQ(response.body.find("gateway_http_requests_total"),
            std::string::npos);
}

TEST(GatewayMetricsTest, CountsRefusedConnectionsAndAcceptErrors) {
  metrics::MetricsRegistry registry;
  GatewayMetrics metrics(registry);
  metrics.OnConnectionRefused();
  metrics.OnConnectionRefused();
  metrics.OnAcceptError();
  metrics.ExposeOpenConnections([] { return 3.0; });
  const std::string scrape = registry.Render();
  EXPECT_NE(scrape.find("gateway_http_connections_refused_total 2"),
            std::string::npos)
      << scrape;
  EXPECT_NE(scrape.find("gateway_http_accept_errors_total 1"),
            std::string::npos);
  EXPECT_NE(scrape.find("gateway_http_connections_open 3"), std::string::npos);
}

}  // namespace
}  // namespace users::gateway
