// userd's metrics as a scrape sees them, fed by real calls to a real server.

#include "services/userd/userd_metrics.h"

#include <chrono>
#include <thread>

#include "prometheus/registry.h"
#include "services/metrics/build_info.h"
#include "services/metrics/exposition.h"
#include "storage/principal_change_listener.h"
#include "tests/grpc/userd_fixture.h"

namespace users {
namespace test {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// Whether a scrape of `metrics` shows `line` within 20 s (a failure
// deadline: it shows at once on a healthy machine).
bool Eventually(const UserdMetrics& metrics, const std::string& line) {
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (true) {
    const std::string text = metrics::RenderExposition(metrics.collectables());
    if (text.find(line) != std::string::npos) return true;
    if (std::chrono::steady_clock::now() >= deadline) {
      ADD_FAILURE() << "no \"" << line << "\" in:\n" << text;
      return false;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

// Authenticates kAdminToken with a GetUser of a user that does not exist.
grpc::StatusCode GetMissingUser(v1::UserService::Stub& stub) {
  v1::GetUserRequest request;
  request.set_name("projects/default/users/424242");
  v1::User user;
  grpc::ClientContext context;
  context.AddMetadata("authorization", std::string("Bearer ") + kAdminToken);
  return stub.GetUser(&context, request, &user).error_code();
}

TEST(UserdMetricsTest, CountsCallsByMethodAndCodeAndExposesPoolGauges) {
  prometheus::Registry registry;
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
                       [&] { return double(server.HashQueueDepth()); },
                       [&] { return double(server.PrincipalCacheEntries()); });

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

  std::string text = metrics::RenderExposition(metrics.collectables());
  EXPECT_THAT(text, HasSubstr("grpc_server_handled_total{grpc_code=\"NOT_FOUND"
                              "\",grpc_method=\"GetUser\",grpc_service=\""
                              "users.v1.UserService\",grpc_type=\"unary\"} 1"))
      << text;
  EXPECT_THAT(text, HasSubstr("grpc_server_handled_total{grpc_code=\""
                              "UNAUTHENTICATED\",grpc_method=\"GetUser\","
                              "grpc_service=\"users.v1.UserService\","
                              "grpc_type=\"unary\"} 1"));
  EXPECT_THAT(text, HasSubstr("grpc_server_handling_seconds_count{grpc_method="
                              "\"GetUser\",grpc_service=\"users.v1."
                              "UserService\",grpc_type=\"unary\"} 2"));
  // Series appear once counted.
  EXPECT_THAT(text, Not(HasSubstr("grpc_method=\"UpdateUser\"")));
  EXPECT_THAT(text, HasSubstr("userd_db_pool_in_use 0"));
  EXPECT_THAT(text, HasSubstr("userd_hash_queue_depth 0"));
  EXPECT_THAT(text, HasSubstr("userd_principal_cache_entries 0"));
  EXPECT_THAT(text, HasSubstr(std::string("userd_build_info{commit=\"") +
                              metrics::BuildCommit() + "\",version=\"" +
                              metrics::BuildVersion() + "\"} 1"));
  EXPECT_FALSE(server.Ready()) << "a stopped server is not ready";
}

// Every method of the three services is recorded under its own service; a
// name outside them still counts (under "unknown"), as does a webhook
// outcome outside the documented ones.
TEST(UserdMetricsTest, LabelsCallsWithTheirServiceAndCountsWebhookOutcomes) {
  prometheus::Registry registry;
  UserdMetrics metrics(registry);
  metrics.OnCallFinished("CreateSession", grpc::StatusCode::OK, 0.01);
  metrics.OnCallFinished("DeleteApiKey", grpc::StatusCode::NOT_FOUND, 0.002);
  metrics.OnCallFinished("DeleteApiKey", grpc::StatusCode::NOT_FOUND, 0.003);
  metrics.OnCallFinished("NoSuchMethod", grpc::StatusCode::INTERNAL, 0.5);
  for (const char* outcome : {"allowed", "allowed", "refused", "novel"}) {
    metrics.OnWebhook(outcome);
  }
  const std::string text = metrics::RenderExposition(metrics.collectables());
  for (const char* line : {
           "grpc_server_handled_total{grpc_code=\"OK\",grpc_method=\""
           "CreateSession\",grpc_service=\"users.v1.SessionService\","
           "grpc_type=\"unary\"} 1\n",
           "grpc_server_handled_total{grpc_code=\"NOT_FOUND\",grpc_method=\""
           "DeleteApiKey\",grpc_service=\"users.v1.ProjectService\","
           "grpc_type=\"unary\"} 2\n",
           "grpc_server_handled_total{grpc_code=\"INTERNAL\",grpc_method=\""
           "NoSuchMethod\",grpc_service=\"unknown\",grpc_type=\"unary\"} 1\n",
           "grpc_server_handling_seconds_bucket{grpc_method=\"DeleteApiKey\","
           "grpc_service=\"users.v1.ProjectService\",grpc_type=\"unary\","
           "le=\"0.0025\"} 1\n",
           "userd_webhook_calls_total{outcome=\"allowed\"} 2\n",
           "userd_webhook_calls_total{outcome=\"refused\"} 1\n",
           "userd_webhook_calls_total{outcome=\"novel\"} 1\n",
       }) {
    EXPECT_THAT(text, HasSubstr(line)) << text;
  }
}

// The principal cache's series, fed by a real server and its listener: they
// exist from the start, count a miss then a hit for a token used twice,
// count the changes the database announces, and a lost listening
// connection.
TEST(UserdMetricsTest, CountsThePrincipalCacheAndItsListener) {
  prometheus::Registry registry;
  UserdMetrics metrics(registry);
  const std::string before = metrics::RenderExposition(metrics.collectables());
  for (const char* line : {
           "userd_principal_cache_hits_total 0\n",
           "userd_principal_cache_misses_total 0\n",
           "userd_principal_cache_stale_fills_total 0\n",
           "userd_principal_cache_changes_total{kind=\"all\"} 0\n",
           "userd_principal_cache_listening 0\n",
           "userd_principal_listener_reconnects_total 0\n",
       }) {
    EXPECT_THAT(before, HasSubstr(line));
  }

  UserdConfig config;
  config.listen = "127.0.0.1:0";
  config.database_url = TestDatabase::Get().connection_string();
  config.bootstrap_token = kAdminToken;
  config.argon2 = Argon2Params{1024, 1, 1};
  UserdServer server(config, &metrics, &metrics, &metrics);
  ASSERT_TRUE(server.Start().ok());
  metrics.ExposeGauges([&] { return double(server.DbInUse()); },
                       [&] { return double(server.DbWaiting()); },
                       [&] { return double(server.HashQueueDepth()); },
                       [&] { return double(server.PrincipalCacheEntries()); });
  ASSERT_TRUE(Eventually(metrics, "userd_principal_cache_listening 1\n"));

  auto stub = v1::UserService::NewStub(
      grpc::CreateChannel("127.0.0.1:" + std::to_string(server.port()),
                          grpc::InsecureChannelCredentials()));
  EXPECT_EQ(GetMissingUser(*stub), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(GetMissingUser(*stub), grpc::StatusCode::NOT_FOUND);
  std::string text = metrics::RenderExposition(metrics.collectables());
  EXPECT_THAT(text, HasSubstr("userd_principal_cache_misses_total 1\n"));
  EXPECT_THAT(text, HasSubstr("userd_principal_cache_hits_total 1\n"));
  EXPECT_THAT(text, HasSubstr("userd_principal_cache_entries 1\n"));

  // A change to the key's project evicts it.
  TestDatabase::Get().Query(
      "UPDATE projects SET password_min_length = password_min_length + 1 "
      "WHERE id = 'default'");
  EXPECT_TRUE(Eventually(
      metrics, "userd_principal_cache_changes_total{kind=\"project\"} 1\n"));
  EXPECT_THAT(metrics::RenderExposition(metrics.collectables()),
              HasSubstr("userd_principal_cache_entries 0\n"));

  // The listener's connection ends; it listens again.
  TestDatabase::Get().Query(
      "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
      "WHERE application_name = '" +
      std::string(kPrincipalListenerApplicationName) +
      "' AND datname = current_database()");
  EXPECT_TRUE(
      Eventually(metrics, "userd_principal_listener_reconnects_total 1\n"));
  EXPECT_TRUE(Eventually(metrics, "userd_principal_cache_listening 1\n"));

  server.Shutdown(std::chrono::seconds(5));
  EXPECT_THAT(metrics::RenderExposition(metrics.collectables()),
              HasSubstr("userd_principal_cache_listening 0\n"));
}

}  // namespace
}  // namespace test
}  // namespace users
