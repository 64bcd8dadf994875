#include "gateway/gateway_metrics.h"

#include <memory>
#include <string>

#include "gateway/gateway.h"
#include "gtest/gtest.h"
#include "prometheus/registry.h"
#include "services/metrics/build_info.h"
#include "services/metrics/exposition.h"
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
  prometheus::Registry registry;
  GatewayMetrics metrics(registry);
  FakeUserBackend backend;
  Gateway gateway(GatewayHarness::DefaultConfig(), backend, &metrics);

  for (const char* id : {"usr_1", "usr_2"}) {
    SendTo(gateway, JsonRequest("PATCH", std::string("/v1/users/") + id,
                                R"({"username":"abc"})",
                                {{"Authorization", "Bearer t"}}));
  }
  SendTo(gateway, JsonRequest("GET", "/nowhere", ""));
  SendTo(gateway, JsonRequest("BREW", "/nowhere", ""));
  SendTo(gateway, JsonRequest("DELETE", "/v1/users/usr_1/nothing", ""));
  const std::string scrape = metrics::RenderExposition(metrics.collectables());

  EXPECT_NE(scrape.find("gateway_http_requests_total{code=\"200\",method=\""
                        "PATCH\",route=\"/v1/users/{user_id}\"} 2"),
            std::string::npos)
      << scrape;
  EXPECT_NE(scrape.find("gateway_http_requests_total{code=\"404\",method=\""
                        "GET\",route=\"unmatched\"} 1"),
            std::string::npos);
  EXPECT_NE(scrape.find("gateway_http_requests_total{code=\"404\",method=\""
                        "DELETE\",route=\"unmatched\"} 1"),
            std::string::npos);
  // A method outside the standard ones is "other", never its own series.
  EXPECT_NE(scrape.find("gateway_http_requests_total{code=\"404\",method=\""
                        "other\",route=\"unmatched\"} 1"),
            std::string::npos);
  EXPECT_EQ(scrape.find("BREW"), std::string::npos);
  EXPECT_EQ(scrape.find("usr_1"), std::string::npos);
  EXPECT_NE(scrape.find("gateway_http_request_duration_seconds_count{method=\""
                        "PATCH\",route=\"/v1/users/{user_id}\"} 2"),
            std::string::npos);
  // Routes without responses have no series yet.
  EXPECT_EQ(scrape.find("method=\"POST\""), std::string::npos);
  EXPECT_NE(scrape.find(std::string("gateway_build_info{commit=\"") +
                        metrics::BuildCommit() + "\",version=\"" +
                        metrics::BuildVersion() + "\"} 1"),
            std::string::npos);
}

// Two gateways over one GatewayMetrics (as in tests) count a route into the
// same series.
TEST(GatewayMetricsTest, ARouteHasOneSeriesWhoeverAsks) {
  prometheus::Registry registry;
  GatewayMetrics metrics(registry);
  RouteMetrics* first = metrics.ForRoute("PATCH", "/v1/users/{user_id}");
  EXPECT_EQ(metrics.ForRoute("PATCH", "/v1/users/{user_id}"), first);
  EXPECT_NE(metrics.ForRoute("GET", "/v1/users/{user_id}"), first);
  EXPECT_EQ(metrics.Unmatched("GET"), metrics.Unmatched("GET"));
  EXPECT_EQ(metrics.Unmatched("BREW"), metrics.Unmatched("get"));
  first->OnResponse(204, 0.001);
  first->OnResponse(999, 0.001);  // not an HTTP status, still counted
  const std::string scrape = metrics::RenderExposition(metrics.collectables());
  EXPECT_NE(scrape.find("gateway_http_requests_total{code=\"999\",method=\""
                        "PATCH\",route=\"/v1/users/{user_id}\"} 1"),
            std::string::npos)
      << scrape;
  EXPECT_NE(scrape.find("gateway_http_request_duration_seconds_count{method=\""
                        "PATCH\",route=\"/v1/users/{user_id}\"} 2"),
            std::string::npos);
}

TEST(GatewayMetricsTest, MetricsAreNotServedOnThePublicPort) {
  prometheus::Registry registry;
  GatewayMetrics metrics(registry);
  FakeUserBackend backend;
  Gateway gateway(GatewayHarness::DefaultConfig(), backend, &metrics);
  HttpResponse response = SendTo(gateway, JsonRequest("GET", "/metrics", ""));
  EXPECT_EQ(response.status, 404);
  EXPECT_EQ(response.body.find("gateway_http_requests_total"),
            std::string::npos);
}

TEST(GatewayMetricsTest, CountsRefusedConnectionsAndAcceptErrors) {
  prometheus::Registry registry;
  GatewayMetrics metrics(registry);
  metrics.OnConnectionRefused();
  metrics.OnConnectionRefused();
  metrics.OnAcceptError();
  metrics.ExposeOpenConnections([] { return 3.0; });
  const std::string scrape = metrics::RenderExposition(metrics.collectables());
  EXPECT_NE(scrape.find("gateway_http_connections_refused_total 2"),
            std::string::npos)
      << scrape;
  EXPECT_NE(scrape.find("gateway_http_accept_errors_total 1"),
            std::string::npos);
  EXPECT_NE(scrape.find("gateway_http_connections_open 3"), std::string::npos);
}

}  // namespace
}  // namespace users::gateway
