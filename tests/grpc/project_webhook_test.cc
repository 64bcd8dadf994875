// Where a project's validateUserUpdated webhook may point, as userd decides
// when the project is created or updated.

#include <string>
#include <vector>

#include "tests/grpc/userd_fixture.h"

namespace users {
namespace test {
namespace {

class ProjectWebhookTest : public UserdFixture {
 protected:
  static grpc::Status SetWebhook(const std::string& project,
                                 const std::string& uri, v1::Project* out) {
    v1::UpdateProjectRequest request;
    request.mutable_project()->set_name("projects/" + project);
    request.mutable_project()->set_webhook_uri(uri);
    request.mutable_update_mask()->add_paths("webhook_uri");
    grpc::ClientContext context;
    Authorize(context, kAdminToken);
    return Projects()->UpdateProject(&context, request, out);
  }

  static grpc::Status CreateHooked(const std::string& project,
                                   const std::string& uri) {
    v1::CreateProjectRequest request;
    request.set_project_id(project);
    request.mutable_project()->set_webhook_uri(uri);
    request.mutable_project()->set_webhook_secret("whsec");
    v1::Project out;
    grpc::ClientContext context;
    Authorize(context, kAdminToken);
    return Projects()->CreateProject(&context, request, &out);
  }

  static std::string StoredWebhook(const std::string& project) {
    v1::GetProjectRequest request;
    request.set_name("projects/" + project);
    v1::Project out;
    grpc::ClientContext context;
    Authorize(context, kAdminToken);
    grpc::Status status = Projects()->GetProject(&context, request, &out);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return out.webhook_uri();
  }

  // Expects INVALID_ARGUMENT naming project.webhook_uri with `reason`, and
  // a message that does not repeat the address.
  static void ExpectRefused(const grpc::Status& status,
                            const std::string& reason) {
    CallError error = ParseError(status);
    EXPECT_EQ(error.code, grpc::StatusCode::INVALID_ARGUMENT)
        << status.error_message();
    EXPECT_EQ(error.reason, "INVALID_FIELD");
    EXPECT_EQ(error.fields, std::vector<std::string>{"project.webhook_uri"});
    EXPECT_EQ(error.metadata["project.webhook_uri"], reason);
  }
};

TEST_F(ProjectWebhookTest, NonPublicAddressesAreRefusedOnUpdate) {
  v1::Project out;
  ASSERT_TRUE(
      SetWebhook("default", "https://hooks.example.com/validate", &out).ok());
  for (const char* uri :
       {"https://169.254.169.254/latest/meta-data/",
        "https://[::ffff:127.0.0.1]/", "https://127.0.0.1:8443/",
        "https://2130706433/", "https://0x7f.1/", "https://10.0.0.8/",
        "https://[::1]/", "https://[fd00::1]/", "https://100.64.0.1/"}) {
    SCOPED_TRACE(uri);
    ExpectRefused(SetWebhook("default", uri, &out), "DESTINATION_NOT_ALLOWED");
  }
  EXPECT_EQ(StoredWebhook("default"), "https://hooks.example.com/validate");
}

TEST_F(ProjectWebhookTest, PlainHttpCredentialsAndBadPortsAreRefused) {
  v1::Project out;
  for (const char* uri :
       {"http://hooks.example.com/", "http://169.254.169.254/",
        "http://[::ffff:127.0.0.1]/", "https://user:pw@hooks.example.com/",
        "https://hooks.example.com:99999/", "https://hooks.example.com:0/",
        "ftp://hooks.example.com/", "hooks.example.com"}) {
    SCOPED_TRACE(uri);
    ExpectRefused(SetWebhook("default", uri, &out), "INVALID_FORMAT");
  }
}

TEST_F(ProjectWebhookTest, CreateProjectChecksTheWebhookToo) {
  ExpectRefused(CreateHooked("hook-refused", "https://192.168.1.1/"),
                "DESTINATION_NOT_ALLOWED");
  EXPECT_TRUE(CreateHooked("hook-public", "https://hooks.example.com/").ok());
  EXPECT_EQ(StoredWebhook("hook-public"), "https://hooks.example.com/");
  // A DNS name is checked where it connects, not here.
  EXPECT_TRUE(CreateHooked("hook-named", "https://localhost:8443/").ok());
}

// The operator opened http and 127.0.0.1/32 (development, tests): exactly
// that, and nothing else non-public, may be configured.
class RelaxedProjectWebhookTest : public ProjectWebhookTest {
 protected:
  static void SetUpTestSuite() {
    StartServer([](UserdConfig& config) {
      config.webhook_allow_http = true;
      config.webhook_allowed_ranges = *AddressRanges::Parse("127.0.0.1/32");
    });
  }
};

TEST_F(RelaxedProjectWebhookTest, OnlyTheAllowedRangeOpens) {
  v1::Project out;
  EXPECT_TRUE(SetWebhook("default", "http://127.0.0.1:8080/hook", &out).ok());
  EXPECT_EQ(out.webhook_uri(), "http://127.0.0.1:8080/hook");
  for (const char* uri : {"http://169.254.169.254/", "http://127.0.0.2/",
                          "http://[::1]:8080/", "http://192.168.0.1/"}) {
    SCOPED_TRACE(uri);
    ExpectRefused(SetWebhook("default", uri, &out), "DESTINATION_NOT_ALLOWED");
  }
  EXPECT_EQ(StoredWebhook("default"), "http://127.0.0.1:8080/hook");
}

}  // namespace
}  // namespace test
}  // namespace users
