// userd's metrics as a scrape sees them, fed by real calls to a real server.

#include "services/userd/userd_metrics.h"

#include "services/metrics/metrics_registry.h"
#include "tests/grpc/userd_fixture.h"

namespace users {
namespace test {
namespace {

using ::testing::HasSubstr;

TEST(UserdMetricsTest, CountsCallsByMethodAndCodeAndExposesPoolGauges) {
  metrics::MetricsRegistry registry;
  UserdMetrics metrics(registry);
  UserdConfig config;
  config.listen = "127.0.0.1:0";
  config.database_url = TestDatabase::Get().connection_string();
  config.bootstrap_token = kAdminToken;
  config.argon2 = Argon2Params{1024, 1, 1};
  UserdServer server(config, &metrics, &metrics);
  ASSERT_TRUE(server.Start().ok());
  metrics.ExposeGauges([&] { return double(server.DbInUse()); },
                       [&] { return double(server.DbWaiting()); },
                       [&] { return double(server.HashQueueDepth()); });

  auto channel =
      grpc::CreateChannel("127.0.0.1:" + std::to_string(server.port()),
                          grpc::InsecureChannelCredentials());
  auto stub = v1::UserService::NewStub(channel);
  for (const char* token : {kAdminToken, "wrong-token"}) {
    v1::GetUserRequest request;
    request.set_name("projects/default/users/424242");
    v1::User user;
    grpc::ClientContext context;
    context.AddMetadata("authorization", std::string("Bearer ") + token);
    (void)stub->GetUser(&context, request, &user);
  }
  server.Shutdown(std::chrono::seconds(5));

  std::string text = registry.Render();
  EXPECT_THAT(text, HasSubstr("userd_rpc_requests_total{method=\"GetUser\","
                              "code=\"NOT_FOUND\"} 1"));
  EXPECT_THAT(text, HasSubstr("userd_rpc_requests_total{method=\"GetUser\","
                              "code=\"UNAUTHENTICATED\"} 1"));
  EXPECT_THAT(text, HasSubstr("userd_rpc_duration_seconds_count{method=\""
                              "GetUser\"} 2"));
  EXPECT_THAT(text, HasSubstr("userd_db_pool_in_use 0"));
  EXPECT_THAT(text, HasSubstr("userd_hash_queue_depth 0"));
  EXPECT_FALSE(server.Ready()) << "a stopped server is not ready";
}

}  // namespace
}  // namespace test
}  // namespace users
