#include "services/users/resource_names.h"

#include <ostream>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/services/status_checks.h"

namespace users {
namespace {

using ::testing::ElementsAre;
using ::testing::Pair;

Principal SessionPrincipal() {
  Principal principal;
  principal.project_id = "acme";
  principal.user_id = 7;
  principal.session_id = 70;
  principal.can_read = principal.can_write = true;
  return principal;
}

Principal UnboundKeyPrincipal() {
  Principal principal;
  principal.project_id = "acme";
  principal.api_key_id = 3;
  principal.can_read = true;
  return principal;
}

void ExpectMalformed(const absl::Status& status, const std::string& field) {
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(test::Reason(status), "INVALID_FIELD");
  EXPECT_THAT(test::ViolatedFields(status), ElementsAre(field));
  EXPECT_THAT(test::Metadata(status),
              ElementsAre(Pair(field, "INVALID_FORMAT")));
}

// --- ParseUserName ---------------------------------------------------------

struct GoodNameCase {
  const char* label;
  const char* name;
  const char* project;
  int64_t user_id;
};

void PrintTo(const GoodNameCase& c, std::ostream* os) { *os << c.label; }

class ParseUserNameTest : public ::testing::TestWithParam<GoodNameCase> {};

TEST_P(ParseUserNameTest, Parses) {
  auto parsed = ParseUserName(GetParam().name, SessionPrincipal(), "name");
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->project_id, GetParam().project);
  EXPECT_EQ(parsed->user_id, GetParam().user_id);
}

INSTANTIATE_TEST_SUITE_P(
    Table, ParseUserNameTest,
    ::testing::Values(
        GoodNameCase{"literal", "projects/acme/users/42", "acme", 42},
        GoodNameCase{"dash_project", "projects/-/users/42", "acme", 42},
        GoodNameCase{"me", "projects/-/users/me", "acme", 7},
        GoodNameCase{"me_in_named_project", "projects/acme/users/me", "acme",
                     7},
        // Parsing does not authorize: another project is for the authorizer.
        GoodNameCase{"other_project", "projects/globex/users/42", "globex", 42},
        GoodNameCase{"one", "projects/acme/users/1", "acme", 1},
        GoodNameCase{"eighteen_digits",
                     "projects/acme/users/999999999999999999", "acme",
                     999999999999999999},
        GoodNameCase{"int64_max", "projects/acme/users/9223372036854775807",
                     "acme", 9223372036854775807}),
    [](const auto& info) { return std::string(info.param.label); });

class BadUserNameTest : public ::testing::TestWithParam<const char*> {};

TEST_P(BadUserNameTest, IsInvalidArgumentOnTheField) {
  auto parsed = ParseUserName(GetParam(), SessionPrincipal(), "user.name");
  ASSERT_FALSE(parsed.ok()) << GetParam();
  ExpectMalformed(parsed.status(), "user.name");
}

INSTANTIATE_TEST_SUITE_P(
    Table, BadUserNameTest,
    ::testing::Values("", "projects", "projects/acme", "projects/acme/users",
                      "projects/acme/users/", "projects/acme/users/7/",
                      "projects/acme/users/7/x", "/projects/acme/users/7",
                      "project/acme/users/7", "projects/acme/people/7",
                      "projects//users/7", "projects/Acme/users/7",
                      "projects/ab/users/7", "projects/acme-/users/7",
                      "projects/1acme/users/7", "projects/ac_me/users/7",
                      "projects/acme/users/0", "projects/acme/users/-1",
                      "projects/acme/users/+7", "projects/acme/users/ 7",
                      "projects/acme/users/7 ", "projects/acme/users/7a",
                      "projects/acme/users/abc", "projects/acme/users/1e3",
                      "projects/acme/users/0x10", "projects/acme/users/ME",
                      "projects/acme/users/self", "projects/acme/users/007",
                      "projects/acme/users/9223372036854775808",
                      "projects/acme/users/99999999999999999999999",
                      "projects/-/users/-"));

TEST(ParseUserNameTest, MeNeedsAUserBehindTheCredentials) {
  auto parsed =
      ParseUserName("projects/-/users/me", UnboundKeyPrincipal(), "name");
  ASSERT_FALSE(parsed.ok());
  ExpectMalformed(parsed.status(), "name");
  // A literal id is still fine for such a key.
  auto literal =
      ParseUserName("projects/-/users/5", UnboundKeyPrincipal(), "name");
  ASSERT_TRUE(literal.ok());
  EXPECT_EQ(literal->project_id, "acme");
  EXPECT_EQ(literal->user_id, 5);
}

TEST(FormatUserNameTest, RoundTrips) {
  EXPECT_EQ(FormatUserName("acme", 42), "projects/acme/users/42");
  auto parsed = ParseUserName(FormatUserName("acme", 123456789012),
                              SessionPrincipal(), "name");
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed->project_id, "acme");
  EXPECT_EQ(parsed->user_id, 123456789012);
}

// --- project names and ids -------------------------------------------------

TEST(ParseProjectNameTest, DashIsThePrincipalsProject) {
  auto parsed = ParseProjectName("projects/-", SessionPrincipal(), "parent");
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(*parsed, "acme");
  parsed = ParseProjectName("projects/globex", SessionPrincipal(), "parent");
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(*parsed, "globex");
}

TEST(ParseProjectNameTest, RefusesMalformedNames) {
  for (const char* name :
       {"", "projects", "projects/", "projects/-/users", "project/acme",
        "projects/ACME", "projects/a", "projects/acme/", "acme"}) {
    auto parsed = ParseProjectName(name, SessionPrincipal(), "parent");
    ASSERT_FALSE(parsed.ok()) << name;
    ExpectMalformed(parsed.status(), "parent");
  }
}

TEST(ParseLiteralProjectNameTest, HasNoAliases) {
  auto parsed = ParseLiteralProjectName("projects/acme", "name");
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(*parsed, "acme");
  auto dash = ParseLiteralProjectName("projects/-", "name");
  ASSERT_FALSE(dash.ok());
  ExpectMalformed(dash.status(), "name");
}

struct ProjectIdCase {
  const char* label;
  std::string id;
  bool valid;
};

void PrintTo(const ProjectIdCase& c, std::ostream* os) { *os << c.label; }

class ProjectIdTest : public ::testing::TestWithParam<ProjectIdCase> {};

TEST_P(ProjectIdTest, Checks) {
  EXPECT_EQ(IsValidProjectId(GetParam().id), GetParam().valid);
}

INSTANTIATE_TEST_SUITE_P(
    Table, ProjectIdTest,
    ::testing::Values(ProjectIdCase{"three", "abc", true},
                      ProjectIdCase{"digits_and_hyphens", "a1-b2--c3", true},
                      ProjectIdCase{"max_63", "a" + std::string(62, '0'), true},
                      ProjectIdCase{"two", "ab", false},
                      ProjectIdCase{"empty", "", false},
                      ProjectIdCase{"over_63", "a" + std::string(63, '0'),
                                    false},
                      ProjectIdCase{"leading_digit", "1abc", false},
                      ProjectIdCase{"leading_hyphen", "-abc", false},
                      ProjectIdCase{"trailing_hyphen", "abc-", false},
                      ProjectIdCase{"upper_case", "Abc", false},
                      ProjectIdCase{"inner_upper_case", "abC", false},
                      ProjectIdCase{"underscore", "a_bc", false},
                      ProjectIdCase{"dot", "a.bc", false},
                      ProjectIdCase{"slash", "ab/c", false},
                      ProjectIdCase{"dash_alias", "-", false},
                      ProjectIdCase{"non_ascii", "ab\xC3\xA9", false}),
    [](const auto& info) { return std::string(info.param.label); });

}  // namespace
}  // namespace users
