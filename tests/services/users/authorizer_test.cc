#include "services/users/authorizer.h"

#include <map>
#include <ostream>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/services/status_checks.h"
#include "users/v1/user.pb.h"

namespace users {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::Pair;

constexpr char kProject[] = "acme";
constexpr char kOtherProject[] = "globex";
constexpr int64_t kUser = 7;
constexpr int64_t kAdmin = 1;
constexpr int64_t kOtherUser = 8;

TokenRecord Session(int64_t user_id, int role) {
  TokenRecord token;
  token.kind = TokenRecord::Kind::kSession;
  token.project_id = kProject;
  token.id = 100 + user_id;
  token.user_id = user_id;
  token.user_role = role;
  return token;
}

// A key, optionally bound to a user whose current role is `role`.
TokenRecord ApiKey(std::vector<std::string> scopes,
                   std::optional<int64_t> user_id = std::nullopt,
                   int role = v1::User::ROLE_USER) {
  TokenRecord token;
  token.kind = TokenRecord::Kind::kApiKey;
  token.project_id = kProject;
  token.id = 3;
  token.user_id = user_id;
  if (user_id.has_value()) token.user_role = role;
  token.scopes = std::move(scopes);
  return token;
}

const std::map<std::string, TokenRecord>& Tokens() {
  static const auto* tokens = new std::map<std::string, TokenRecord>{
      {"session_user", Session(kUser, v1::User::ROLE_USER)},
      {"session_admin", Session(kAdmin, v1::User::ROLE_ADMIN)},
      {"key_read", ApiKey({"read"})},
      {"key_write", ApiKey({"write"})},
      {"key_admin", ApiKey({"admin"})},
      {"key_all", ApiKey({"read", "write", "admin"})},
      {"bound_read", ApiKey({"read"}, kUser)},
      {"bound_write", ApiKey({"write"}, kUser)},
      {"bound_all",
       ApiKey({"read", "write", "admin"}, kUser, v1::User::ROLE_ADMIN)},
      // An admin key of a user who is no longer an admin.
      {"bound_all_demoted", ApiKey({"read", "write", "admin"}, kUser)},
  };
  return *tokens;
}

enum class Target { kSelf, kOther, kOtherProject };

struct AccessCase {
  const char* token;
  Target target;
  Access access;
  bool self_only;
  // "" = allowed; else the PERMISSION_DENIED reason.
  const char* reason;
  // metadata["scope"] for SCOPE_MISSING.
  const char* scope = "";
};

std::string CaseName(const AccessCase& c) {
  std::string name = c.token;
  name += c.target == Target::kSelf    ? "_self"
          : c.target == Target::kOther ? "_other"
                                       : "_other_project";
  name += c.access == Access::kRead ? "_read" : "_write";
  if (c.self_only) name += "_self_only";
  return name;
}

void PrintTo(const AccessCase& c, std::ostream* os) { *os << CaseName(c); }

class AuthorizeUserAccessTest : public ::testing::TestWithParam<AccessCase> {};

TEST_P(AuthorizeUserAccessTest, Decides) {
  const AccessCase& c = GetParam();
  const TokenRecord& token = Tokens().at(c.token);
  Principal principal = PrincipalFromToken(token);
  int64_t self = token.user_id.value_or(kUser);
  std::string project = kProject;
  int64_t user_id = self;
  if (c.target == Target::kOther) user_id = kOtherUser;
  if (c.target == Target::kOtherProject) project = kOtherProject;

  absl::Status status =
      AuthorizeUserAccess(principal, project, user_id, c.access, c.self_only);
  if (*c.reason == '\0') {
    EXPECT_TRUE(status.ok()) << status;
    return;
  }
  EXPECT_EQ(status.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(test::Reason(status), c.reason);
  EXPECT_EQ(test::Domain(status), "users.v1");
  if (*c.scope != '\0') {
    EXPECT_THAT(test::Metadata(status), ElementsAre(Pair("scope", c.scope)));
  } else {
    EXPECT_THAT(test::Metadata(status), IsEmpty());
  }
}

constexpr Access kR = Access::kRead;
constexpr Access kW = Access::kWrite;
constexpr Target kSelf = Target::kSelf;
constexpr Target kOther = Target::kOther;
constexpr Target kElsewhere = Target::kOtherProject;

INSTANTIATE_TEST_SUITE_P(
    Table, AuthorizeUserAccessTest,
    ::testing::Values(
        // A user's session: itself only, in its project.
        AccessCase{"session_user", kSelf, kR, false, ""},
        AccessCase{"session_user", kSelf, kW, false, ""},
        AccessCase{"session_user", kSelf, kR, true, ""},
        AccessCase{"session_user", kSelf, kW, true, ""},
        AccessCase{"session_user", kOther, kR, false, "NOT_SELF"},
        AccessCase{"session_user", kOther, kW, false, "NOT_SELF"},
        AccessCase{"session_user", kOther, kW, true, "NOT_SELF"},
        AccessCase{"session_user", kElsewhere, kR, false, "OTHER_PROJECT"},
        AccessCase{"session_user", kElsewhere, kW, false, "OTHER_PROJECT"},
        // An admin's session: every user of its project, unless self_only.
        AccessCase{"session_admin", kSelf, kR, false, ""},
        AccessCase{"session_admin", kSelf, kW, true, ""},
        AccessCase{"session_admin", kOther, kR, false, ""},
        AccessCase{"session_admin", kOther, kW, false, ""},
        AccessCase{"session_admin", kOther, kR, true, "NOT_SELF"},
        AccessCase{"session_admin", kOther, kW, true, "NOT_SELF"},
        AccessCase{"session_admin", kElsewhere, kR, false, "OTHER_PROJECT"},
        AccessCase{"session_admin", kElsewhere, kW, true, "OTHER_PROJECT"},
        // Keys bound to no user: no "self"; scopes checked before NOT_SELF.
        AccessCase{"key_read", kOther, kR, false, "NOT_SELF"},
        AccessCase{"key_read", kOther, kW, false, "SCOPE_MISSING", "write"},
        AccessCase{"key_read", kElsewhere, kW, false, "OTHER_PROJECT"},
        AccessCase{"key_write", kOther, kR, false, "NOT_SELF"},
        AccessCase{"key_write", kOther, kW, false, "NOT_SELF"},
        AccessCase{"key_admin", kOther, kR, false, "SCOPE_MISSING", "read"},
        AccessCase{"key_admin", kOther, kW, false, "SCOPE_MISSING", "write"},
        AccessCase{"key_all", kOther, kR, false, ""},
        AccessCase{"key_all", kOther, kW, false, ""},
        AccessCase{"key_all", kOther, kR, true, "NOT_SELF"},
        AccessCase{"key_all", kOther, kW, true, "NOT_SELF"},
        AccessCase{"key_all", kElsewhere, kR, false, "OTHER_PROJECT"},
        // Keys bound to a user act as that user, within their scopes.
        AccessCase{"bound_read", kSelf, kR, false, ""},
        AccessCase{"bound_read", kSelf, kR, true, ""},
        AccessCase{"bound_read", kSelf, kW, false, "SCOPE_MISSING", "write"},
        AccessCase{"bound_read", kOther, kR, false, "NOT_SELF"},
        AccessCase{"bound_read", kElsewhere, kR, false, "OTHER_PROJECT"},
        AccessCase{"bound_write", kSelf, kR, false, ""},
        AccessCase{"bound_write", kSelf, kW, true, ""},
        AccessCase{"bound_write", kOther, kW, false, "NOT_SELF"},
        AccessCase{"bound_write", kElsewhere, kW, false, "OTHER_PROJECT"},
        AccessCase{"bound_all", kSelf, kW, true, ""},
        AccessCase{"bound_all", kOther, kW, false, ""},
        AccessCase{"bound_all", kOther, kW, true, "NOT_SELF"},
        AccessCase{"bound_all", kElsewhere, kR, false, "OTHER_PROJECT"},
        AccessCase{"bound_all_demoted", kSelf, kW, false, ""},
        AccessCase{"bound_all_demoted", kOther, kW, false, "NOT_SELF"}),
    [](const auto& info) { return CaseName(info.param); });

TEST(AuthorizeRoleChangeTest, OnlyAdminsMayChangeRoles) {
  struct Case {
    const char* token;
    bool allowed;
  };
  for (const Case& c :
       {Case{"session_user", false}, Case{"session_admin", true},
        Case{"key_read", false}, Case{"key_write", false},
        Case{"key_admin", true}, Case{"key_all", true},
        Case{"bound_write", false}, Case{"bound_all", true},
        Case{"bound_all_demoted", false}}) {
    absl::Status status =
        AuthorizeRoleChange(PrincipalFromToken(Tokens().at(c.token)));
    if (c.allowed) {
      EXPECT_TRUE(status.ok()) << c.token << ": " << status;
    } else {
      EXPECT_EQ(status.code(), absl::StatusCode::kPermissionDenied) << c.token;
      EXPECT_EQ(test::Reason(status), "ROLE_CHANGE") << c.token;
    }
  }
}

TEST(AuthorizeProjectAdminTest, NeedsAdminInTheSameProject) {
  struct Case {
    const char* token;
    const char* project;
    const char* reason;
  };
  for (const Case& c :
       {Case{"session_admin", kProject, ""}, Case{"key_admin", kProject, ""},
        Case{"key_all", kProject, ""},
        Case{"session_user", kProject, "SCOPE_MISSING"},
        Case{"key_write", kProject, "SCOPE_MISSING"},
        Case{"bound_read", kProject, "SCOPE_MISSING"},
        Case{"session_admin", kOtherProject, "OTHER_PROJECT"},
        Case{"key_admin", kOtherProject, "OTHER_PROJECT"},
        Case{"session_user", kOtherProject, "OTHER_PROJECT"}}) {
    absl::Status status = AuthorizeProjectAdmin(
        PrincipalFromToken(Tokens().at(c.token)), c.project);
    if (*c.reason == '\0') {
      EXPECT_TRUE(status.ok()) << c.token << ": " << status;
      continue;
    }
    EXPECT_EQ(status.code(), absl::StatusCode::kPermissionDenied) << c.token;
    EXPECT_EQ(test::Reason(status), c.reason) << c.token << " " << c.project;
    if (std::string(c.reason) == "SCOPE_MISSING") {
      EXPECT_THAT(test::Metadata(status), ElementsAre(Pair("scope", "admin")));
    }
  }
}

TEST(AuthorizeUserAdministrationTest, NeedsAdminAndWrite) {
  EXPECT_TRUE(AuthorizeUserAdministration(
                  PrincipalFromToken(ApiKey({"admin", "write"})), kProject)
                  .ok());
  absl::Status admin_only = AuthorizeUserAdministration(
      PrincipalFromToken(ApiKey({"admin", "read"})), kProject);
  EXPECT_EQ(test::Reason(admin_only), "SCOPE_MISSING");
  EXPECT_THAT(test::Metadata(admin_only), ElementsAre(Pair("scope", "write")));
  absl::Status write_only = AuthorizeUserAdministration(
      PrincipalFromToken(ApiKey({"write"})), kProject);
  EXPECT_THAT(test::Metadata(write_only), ElementsAre(Pair("scope", "admin")));
}

// --- PrincipalFromToken ------------------------------------------------------

TEST(PrincipalFromTokenTest, SessionOfAUser) {
  Principal p = PrincipalFromToken(Session(kUser, v1::User::ROLE_USER));
  EXPECT_EQ(p.project_id, kProject);
  EXPECT_EQ(p.user_id, kUser);
  EXPECT_EQ(p.session_id, 100 + kUser);
  EXPECT_FALSE(p.api_key_id.has_value());
  EXPECT_TRUE(p.can_read);
  EXPECT_TRUE(p.can_write);
  EXPECT_FALSE(p.is_admin);
  EXPECT_EQ(p.Actor(), "users/7");
}

TEST(PrincipalFromTokenTest, CarriesTheTokensProjectSettings) {
  TokenRecord token = ApiKey({"write"});
  token.project.id = kProject;
  token.project.webhook_uri = "https://hooks.example/v";
  token.project.password_min_length = 14;
  Principal p = PrincipalFromToken(token);
  EXPECT_EQ(p.project.id, kProject);
  EXPECT_EQ(p.project.webhook_uri, "https://hooks.example/v");
  EXPECT_EQ(p.project.password_min_length, 14);
}

TEST(PrincipalFromTokenTest, SessionOfAnAdmin) {
  Principal p = PrincipalFromToken(Session(kAdmin, v1::User::ROLE_ADMIN));
  EXPECT_TRUE(p.can_read);
  EXPECT_TRUE(p.can_write);
  EXPECT_TRUE(p.is_admin);
  EXPECT_EQ(p.Actor(), "users/1");
}

TEST(PrincipalFromTokenTest, SessionWithUnspecifiedRoleIsNotAdmin) {
  Principal p = PrincipalFromToken(Session(kUser, v1::User::ROLE_UNSPECIFIED));
  EXPECT_FALSE(p.is_admin);
}

struct ScopeCase {
  const char* label;
  std::vector<std::string> scopes;
  bool can_read;
  bool can_write;
  bool is_admin;
};

void PrintTo(const ScopeCase& c, std::ostream* os) { *os << c.label; }

class ApiKeyScopesTest : public ::testing::TestWithParam<ScopeCase> {};

TEST_P(ApiKeyScopesTest, GrantsExactlyTheScopes) {
  const ScopeCase& c = GetParam();
  Principal p = PrincipalFromToken(ApiKey(c.scopes));
  EXPECT_EQ(p.can_read, c.can_read);
  EXPECT_EQ(p.can_write, c.can_write);
  EXPECT_EQ(p.is_admin, c.is_admin);
  EXPECT_EQ(p.project_id, kProject);
  EXPECT_EQ(p.api_key_id, 3);
  EXPECT_FALSE(p.session_id.has_value());
  EXPECT_FALSE(p.user_id.has_value());
  EXPECT_EQ(p.Actor(), "apiKeys/3");
}

INSTANTIATE_TEST_SUITE_P(
    Table, ApiKeyScopesTest,
    ::testing::Values(
        ScopeCase{"none", {}, false, false, false},
        ScopeCase{"read", {"read"}, true, false, false},
        ScopeCase{"write_implies_read", {"write"}, true, true, false},
        ScopeCase{"admin", {"admin"}, false, false, true},
        ScopeCase{"read_write", {"read", "write"}, true, true, false},
        ScopeCase{"all", {"admin", "write", "read"}, true, true, true},
        ScopeCase{"unknown_ignored",
                  {"superuser", "READ", "Write"},
                  false,
                  false,
                  false}),
    [](const auto& info) { return std::string(info.param.label); });

TEST(PrincipalFromTokenTest, UserBoundKeyActsAsItsUser) {
  Principal p = PrincipalFromToken(ApiKey({"read"}, kUser));
  EXPECT_EQ(p.user_id, kUser);
  EXPECT_EQ(p.api_key_id, 3);
  EXPECT_FALSE(p.session_id.has_value());
  EXPECT_TRUE(p.can_read);
  EXPECT_FALSE(p.can_write);
  EXPECT_EQ(p.Actor(), "apiKeys/3");
}

TEST(AuthorizeScopeGrantTest, AKeyGetsOnlyScopesItsCreatorHolds) {
  struct Case {
    const char* token;
    const char* scope;
    bool allowed;
  };
  for (const Case& c :
       {Case{"key_admin", "admin", true}, Case{"key_admin", "write", false},
        Case{"key_admin", "read", false}, Case{"key_all", "write", true},
        Case{"key_write", "read", true}, Case{"key_read", "write", false},
        Case{"session_user", "write", true},
        Case{"session_user", "admin", false},
        Case{"session_admin", "admin", true},
        Case{"bound_all_demoted", "admin", false}}) {
    absl::Status status =
        AuthorizeScopeGrant(PrincipalFromToken(Tokens().at(c.token)), c.scope);
    if (c.allowed) {
      EXPECT_TRUE(status.ok()) << c.token << " " << c.scope << ": " << status;
    } else {
      EXPECT_EQ(test::Reason(status), "SCOPE_NOT_HELD")
          << c.token << " " << c.scope;
    }
  }
}

TEST(AuthorizeProjectCreationTest, OnlyTheOperatorKeyCreatesProjects) {
  TokenRecord operator_key = ApiKey({"admin", "read", "write"});
  operator_key.project_id = "default";
  operator_key.is_operator = true;
  EXPECT_TRUE(AuthorizeProjectCreation(PrincipalFromToken(operator_key)).ok());
  // An admin key of project default is not the operator.
  operator_key.is_operator = false;
  EXPECT_EQ(
      test::Reason(AuthorizeProjectCreation(PrincipalFromToken(operator_key))),
      "OPERATOR_ONLY");
  EXPECT_EQ(test::Reason(AuthorizeProjectCreation(
                PrincipalFromToken(Tokens().at("session_admin")))),
            "OPERATOR_ONLY");
}

}  // namespace
}  // namespace users
