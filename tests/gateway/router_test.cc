#include "gateway/router.h"

#include <string>

#include "gtest/gtest.h"

namespace users::gateway {
namespace {

Route MakeRoute(std::string method, std::string pattern) {
  return Route{std::move(method), std::move(pattern), false, false,
               [](RequestContext, Respond) {}};
}

class RouterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    router_.Add(MakeRoute("PATCH", "/{projectId}/users/{userId}"), nullptr);
    router_.Add(MakeRoute("GET", "/{projectId}/users/{userId}"), nullptr);
    router_.Add(MakeRoute("PATCH", "/api/users/{user_id}"), nullptr);
    router_.Add(MakeRoute("GET", "/api/users/{user_id}"), nullptr);
    router_.Add(MakeRoute("PATCH", "/v1/users/{user_id}"), nullptr);
    router_.Add(MakeRoute("POST", "/v1/users"), nullptr);
    router_.Add(MakeRoute("PATCH", "/user"), nullptr);
    router_.Add(MakeRoute("DELETE", "/v1/sessions/current"), nullptr);
  }
  Router router_;
};

struct Case {
  std::string method;
  std::string path;
  Router::Outcome outcome;
  std::string pattern;  // when found
  std::string param;    // name=value of one parameter, when found
};

TEST_F(RouterTest, StaticSegmentsWinAndParametersAreCaptured) {
  const Case cases[] = {
      {"PATCH", "/api/users/7", Router::Outcome::kFound, "/api/users/{user_id}",
       "user_id=7"},
      {"PATCH", "/proj1234/users/67890", Router::Outcome::kFound,
       "/{projectId}/users/{userId}", "projectId=proj1234"},
      {"PATCH", "/v1/users/usr_1", Router::Outcome::kFound,
       "/v1/users/{user_id}", "user_id=usr_1"},
      {"GET", "/api/users/7", Router::Outcome::kFound, "/api/users/{user_id}",
       "user_id=7"},
      {"POST", "/v1/users", Router::Outcome::kFound, "/v1/users", ""},
      {"PATCH", "/user", Router::Outcome::kFound, "/user", ""},
      {"DELETE", "/api/users/7", Router::Outcome::kMethodNotAllowed, "", ""},
      {"GET", "/user", Router::Outcome::kMethodNotAllowed, "", ""},
      {"PATCH", "/user/", Router::Outcome::kNotFound, "", ""},
      {"PATCH", "/users", Router::Outcome::kNotFound, "", ""},
      {"PATCH", "//users/7", Router::Outcome::kNotFound, "", ""},
      {"PATCH", "/p/users/", Router::Outcome::kNotFound, "", ""},
      {"PATCH", "/", Router::Outcome::kNotFound, "", ""},
      {"DELETE", "/v1/sessions/current", Router::Outcome::kFound,
       "/v1/sessions/current", ""},
  };
  for (const Case& c : cases) {
    Router::Match match = router_.Find(c.method, c.path);
    EXPECT_EQ(match.outcome, c.outcome) << c.method << " " << c.path;
    if (c.outcome != Router::Outcome::kFound ||
        match.outcome != Router::Outcome::kFound) {
      continue;
    }
    EXPECT_EQ(match.route->pattern, c.pattern) << c.path;
    if (!c.param.empty()) {
      size_t eq = c.param.find('=');
      EXPECT_EQ(match.params[c.param.substr(0, eq)], c.param.substr(eq + 1))
          << c.path;
    }
  }
}

TEST_F(RouterTest, MethodNotAllowedListsTheAllowedMethods) {
  Router::Match match = router_.Find("DELETE", "/api/users/7");
  ASSERT_EQ(match.outcome, Router::Outcome::kMethodNotAllowed);
  EXPECT_EQ(match.allow, "PATCH, GET");
}

}  // namespace
}  // namespace users::gateway
