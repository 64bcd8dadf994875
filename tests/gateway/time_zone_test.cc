// users.v1.User.time_zone is a gRPC-only field: none of the HTTP contracts
// has it, so no adapter renders it or forwards it from a request body.

#include <string>
#include <utility>
#include <vector>

#include "gateway/medama_adapter.h"
#include "gateway/neptun_adapter.h"
#include "gateway/project_adapter.h"
#include "gateway/v1_adapter.h"
#include "gtest/gtest.h"
#include "tests/gateway/gateway_test_util.h"

namespace users::gateway {
namespace {

users::v1::User WithTimeZone() {
  users::v1::User user = MakeUser("default", 123);
  user.set_username("zoned");
  user.set_time_zone("Europe/Berlin");
  return user;
}

TEST(TimeZoneTest, NoContractRendersIt) {
  const users::v1::User user = WithTimeZone();
  for (const std::string& body : {MedamaAdapter::RenderUser(user).dump(),
                                  NeptunAdapter::RenderUser(user).dump(),
                                  ProjectAdapter::RenderUser(user).dump(),
                                  V1Adapter::RenderUser(user).dump()}) {
    EXPECT_EQ(body.find("Europe/Berlin"), std::string::npos) << body;
    EXPECT_EQ(body.find("time_zone"), std::string::npos) << body;
    EXPECT_EQ(body.find("imeZone"), std::string::npos) << body;
  }
}

TEST(TimeZoneTest, NoContractForwardsItFromABody) {
  struct Case {
    const char* target;
    std::string body;
    std::pair<std::string, std::string> credential;
  };
  const std::string zone = R"("time_zone":"Europe/Berlin",)"
                           R"("timeZone":"Europe/Berlin","timezone":"UTC")";
  const std::vector<Case> cases = {
      {"/user",
       "{\"username\":\"abcd\"," + zone + "}",
       {"Cookie", "_me_sess=t"}},
      {"/api/users/123",
       "{\"email\":\"a@example.com\"," + zone + "}",
       {"Cookie", "neptun-session=t"}},
      {"/default/users/123",
       "{\"update\":{\"bio\":\"b\"," + zone + "}}",
       {"Authorization", "Bearer t"}},
      {"/v1/users/123",
       "{\"username\":\"abcd\"," + zone + "}",
       {"Authorization", "Bearer t"}},
  };
  for (const Case& c : cases) {
    GatewayHarness harness;
    harness.backend().user = WithTimeZone();
    HttpResponse response =
        harness.Send(JsonRequest("PATCH", c.target, c.body, {c.credential}));
    EXPECT_EQ(response.body.find("Europe/Berlin"), std::string::npos)
        << c.target << ": " << response.body;
    const users::v1::UpdateUserRequest& sent = harness.backend().update_request;
    EXPECT_EQ(sent.user().time_zone(), "") << c.target;
    for (const std::string& path : sent.update_mask().paths()) {
      EXPECT_NE(path, "time_zone") << c.target;
    }
  }
}

}  // namespace
}  // namespace users::gateway
