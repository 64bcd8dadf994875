#include "services/users/user_mask.h"

#include <algorithm>
#include <initializer_list>
#include <map>
#include <ostream>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/services/status_checks.h"

namespace users {
namespace {

using ::testing::ElementsAre;
using ::testing::ElementsAreArray;
using ::testing::IsEmpty;
using ::testing::Pair;

google::protobuf::FieldMask Mask(std::initializer_list<std::string> paths) {
  google::protobuf::FieldMask mask;
  for (const std::string& path : paths) mask.add_paths(path);
  return mask;
}

// The columns named by `paths` (writable paths only).
UserColumnSet ColumnsOf(const std::vector<std::string>& paths) {
  static const std::map<std::string, UserColumn> kColumns = {
      {"username", UserColumn::kUsername},
      {"email", UserColumn::kEmail},
      {"password", UserColumn::kPasswordHash},
      {"given_name", UserColumn::kGivenName},
      {"family_name", UserColumn::kFamilyName},
      {"display_name", UserColumn::kDisplayName},
      {"role", UserColumn::kRole},
      {"avatar_uri", UserColumn::kAvatarUri},
      {"bio", UserColumn::kBio},
      {"birth_date", UserColumn::kBirthDate},
      {"location", UserColumn::kLocation},
      {"metadata", UserColumn::kMetadata},
      {"secure_metadata", UserColumn::kSecureMetadata},
      {"settings.language", UserColumn::kLanguage},
      {"settings.script_types", UserColumn::kScriptTypes},
      {"time_zone", UserColumn::kTimeZone},
  };
  UserColumnSet set;
  for (const std::string& path : paths) Add(set, kColumns.at(path));
  return set;
}

const std::vector<std::string> kAllWritable = {"username",
                                               "email",
                                               "password",
                                               "given_name",
                                               "family_name",
                                               "display_name",
                                               "role",
                                               "avatar_uri",
                                               "bio",
                                               "birth_date",
                                               "location",
                                               "metadata",
                                               "secure_metadata",
                                               "settings.language",
                                               "settings.script_types",
                                               "time_zone"};

std::vector<std::string> WithoutPassword(std::vector<std::string> paths) {
  paths.erase(std::find(paths.begin(), paths.end(), "password"));
  return paths;
}

void ExpectResolved(const absl::StatusOr<ResolvedMask>& resolved,
                    const std::vector<std::string>& paths) {
  ASSERT_TRUE(resolved.ok()) << resolved.status();
  EXPECT_THAT(resolved->paths, ElementsAreArray(paths));
  EXPECT_EQ(resolved->columns, ColumnsOf(paths));
}

TEST(WritableUserPathsTest, ListsEveryWritableFieldInDeclarationOrder) {
  EXPECT_THAT(WritableUserPaths(), ElementsAreArray(kAllWritable));
}

// --- no mask: the populated fields -------------------------------------------

TEST(ResolveUpdateMaskTest, WithoutMaskTakesThePopulatedFields) {
  v1::User user;
  user.set_email("a@example.com");
  user.set_bio("hi");
  user.mutable_location();
  ExpectResolved(ResolveUpdateMask(user, nullptr),
                 {"email", "bio", "location"});
  google::protobuf::FieldMask empty;
  ExpectResolved(ResolveUpdateMask(user, &empty), {"email", "bio", "location"});
}

TEST(ResolveUpdateMaskTest, WithoutMaskOnAnEmptyUserResolvesNothing) {
  v1::User user;
  user.set_name("projects/acme/users/7");
  user.set_etag("\"3\"");
  user.set_email_verified(true);
  user.mutable_create_time()->set_seconds(1);
  auto resolved = ResolveUpdateMask(user, nullptr);
  ASSERT_TRUE(resolved.ok());
  EXPECT_THAT(resolved->paths, IsEmpty());
  EXPECT_TRUE(resolved->columns.none());
}

TEST(ResolveUpdateMaskTest, WithoutMaskTakesEveryKindOfPopulatedField) {
  v1::User user;
  user.set_username("alice");
  user.set_email("a@example.com");
  user.set_password("secret-password");
  user.set_given_name("A");
  user.set_family_name("L");
  user.set_display_name("AL");
  user.set_role(v1::User::ROLE_ADMIN);
  user.set_avatar_uri("https://example.com/a.png");
  user.set_bio("b");
  user.mutable_birth_date()->set_year(2000);
  user.mutable_location();
  user.mutable_metadata();
  user.mutable_secure_metadata();
  user.mutable_settings()->set_language("en");
  user.mutable_settings()->add_script_types("ads");
  user.set_time_zone("Europe/Berlin");
  ExpectResolved(ResolveUpdateMask(user, nullptr), kAllWritable);
}

TEST(ResolveUpdateMaskTest, WithoutMaskSettingsTakeTheirSetFields) {
  v1::User user;
  user.mutable_settings()->set_language("en");
  ExpectResolved(ResolveUpdateMask(user, nullptr), {"settings.language"});

  user.Clear();
  user.mutable_settings()->add_script_types("ads");
  ExpectResolved(ResolveUpdateMask(user, nullptr), {"settings.script_types"});

  // A present but empty settings message clears both.
  user.Clear();
  user.mutable_settings();
  ExpectResolved(ResolveUpdateMask(user, nullptr),
                 {"settings.language", "settings.script_types"});
}

// --- explicit masks
// ------------------------------------------------------------

struct MaskCase {
  const char* label;
  std::vector<std::string> mask;
  std::vector<std::string> expected;
};

void PrintTo(const MaskCase& c, std::ostream* os) { *os << c.label; }

class ResolveMaskTableTest : public ::testing::TestWithParam<MaskCase> {};

TEST_P(ResolveMaskTableTest, Resolves) {
  v1::User user;  // nothing populated: the mask alone decides
  google::protobuf::FieldMask mask;
  for (const std::string& path : GetParam().mask) mask.add_paths(path);
  ExpectResolved(ResolveUpdateMask(user, &mask), GetParam().expected);
}

INSTANTIATE_TEST_SUITE_P(
    Table, ResolveMaskTableTest,
    ::testing::Values(
        MaskCase{"single", {"display_name"}, {"display_name"}},
        MaskCase{"keeps_mask_order",
                 {"bio", "username", "settings.script_types"},
                 {"bio", "username", "settings.script_types"}},
        MaskCase{
            "settings_language", {"settings.language"}, {"settings.language"}},
        MaskCase{"settings_script_types",
                 {"settings.script_types"},
                 {"settings.script_types"}},
        MaskCase{"settings_whole",
                 {"settings"},
                 {"settings.language", "settings.script_types"}},
        MaskCase{"whole_fields",
                 {"location", "birth_date", "metadata", "secure_metadata"},
                 {"location", "birth_date", "metadata", "secure_metadata"}},
        MaskCase{"explicit_password", {"password"}, {"password"}},
        MaskCase{"output_only_ignored",
                 {"name", "etag", "create_time", "update_time", "suspensions",
                  "email_verified"},
                 {}},
        MaskCase{"output_only_sub_paths_ignored",
                 {"create_time.seconds", "suspensions.reason"},
                 {}},
        MaskCase{"output_only_mixed", {"etag", "email", "name"}, {"email"}},
        MaskCase{
            "duplicates", {"email", "email", "bio", "email"}, {"email", "bio"}},
        MaskCase{"settings_then_sub_path",
                 {"settings", "settings.language"},
                 {"settings.language", "settings.script_types"}},
        MaskCase{"sub_path_then_settings",
                 {"settings.script_types", "settings"},
                 {"settings.script_types", "settings.language"}},
        MaskCase{"star_without_password", {"*"}, WithoutPassword(kAllWritable)},
        MaskCase{"star_and_duplicates",
                 {"bio", "*", "username"},
                 [] {
                   std::vector<std::string> paths = {"bio"};
                   for (const std::string& path : kAllWritable) {
                     if (path != "bio" && path != "password") {
                       paths.push_back(path);
                     }
                   }
                   return paths;
                 }()}),
    [](const auto& info) { return std::string(info.param.label); });

TEST(ResolveUpdateMaskTest, StarIncludesPasswordOnlyWhenSet) {
  v1::User user;
  google::protobuf::FieldMask mask = Mask({"*"});
  auto without = ResolveUpdateMask(user, &mask);
  ASSERT_TRUE(without.ok());
  EXPECT_FALSE(Has(without->columns, UserColumn::kPasswordHash));

  user.set_password("a new password");
  ExpectResolved(ResolveUpdateMask(user, &mask), kAllWritable);
}

TEST(ResolveUpdateMaskTest, MaskOverridesPopulatedFields) {
  v1::User user;
  user.set_username("alice");
  user.set_email("a@example.com");
  google::protobuf::FieldMask mask = Mask({"bio"});
  ExpectResolved(ResolveUpdateMask(user, &mask), {"bio"});
}

// --- refused paths
// ------------------------------------------------------------

struct BadMaskCase {
  const char* label;
  std::vector<std::string> mask;
  const char* reason;
};

void PrintTo(const BadMaskCase& c, std::ostream* os) { *os << c.label; }

class BadMaskTest : public ::testing::TestWithParam<BadMaskCase> {};

TEST_P(BadMaskTest, FailsOnUpdateMask) {
  v1::User user;
  user.set_username("alice");
  google::protobuf::FieldMask mask;
  for (const std::string& path : GetParam().mask) mask.add_paths(path);
  auto resolved = ResolveUpdateMask(user, &mask);
  ASSERT_FALSE(resolved.ok());
  const absl::Status& status = resolved.status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(test::Reason(status), "INVALID_FIELD");
  EXPECT_THAT(test::ViolatedFields(status),
              ::testing::Each(::testing::Eq("update_mask")));
  EXPECT_FALSE(test::ViolatedFields(status).empty());
  EXPECT_THAT(test::Metadata(status),
              ElementsAre(Pair("update_mask", GetParam().reason)));
}

INSTANTIATE_TEST_SUITE_P(
    Table, BadMaskTest,
    ::testing::Values(
        BadMaskCase{"unknown", {"nickname"}, "UNKNOWN_FIELD"},
        BadMaskCase{
            "unknown_settings_field", {"settings.theme"}, "UNKNOWN_FIELD"},
        BadMaskCase{
            "too_deep_settings", {"settings.language.code"}, "UNKNOWN_FIELD"},
        BadMaskCase{
            "location_latitude", {"location.latitude"}, "UNKNOWN_FIELD"},
        BadMaskCase{"metadata_key", {"metadata.theme"}, "UNKNOWN_FIELD"},
        BadMaskCase{"birth_date_year", {"birth_date.year"}, "UNKNOWN_FIELD"},
        BadMaskCase{"username_sub_path", {"username.first"}, "UNKNOWN_FIELD"},
        BadMaskCase{"upper_case", {"Username"}, "INVALID_FORMAT"},
        BadMaskCase{"camel_case", {"displayName"}, "INVALID_FORMAT"},
        BadMaskCase{"double_dot", {"a..b"}, "INVALID_FORMAT"},
        BadMaskCase{"empty", {""}, "INVALID_FORMAT"},
        BadMaskCase{"leading_dot", {".email"}, "INVALID_FORMAT"},
        BadMaskCase{"trailing_dot", {"settings."}, "INVALID_FORMAT"},
        BadMaskCase{"space", {"given name"}, "INVALID_FORMAT"},
        BadMaskCase{"star_sub_path", {"settings.*"}, "INVALID_FORMAT"},
        BadMaskCase{
            "bad_among_good", {"email", "nickname", "bio"}, "UNKNOWN_FIELD"},
        BadMaskCase{
            "bad_with_star", {"*", "location.longitude"}, "UNKNOWN_FIELD"}),
    [](const auto& info) { return std::string(info.param.label); });

TEST(BadMaskTest, ListsEveryBadPath) {
  v1::User user;
  google::protobuf::FieldMask mask =
      Mask({"nickname", "email", "Bio", "metadata.theme"});
  auto resolved = ResolveUpdateMask(user, &mask);
  ASSERT_FALSE(resolved.ok());
  EXPECT_THAT(test::ViolatedFields(resolved.status()),
              ElementsAre("update_mask", "update_mask", "update_mask"));
  google::rpc::BadRequest bad_request;
  ASSERT_TRUE(GetBadRequest(resolved.status(), &bad_request));
  EXPECT_THAT(bad_request.field_violations(0).description(),
              ::testing::HasSubstr("nickname"));
  EXPECT_THAT(bad_request.field_violations(1).description(),
              ::testing::HasSubstr("Bio"));
  EXPECT_THAT(bad_request.field_violations(2).description(),
              ::testing::HasSubstr("metadata.theme"));
}

}  // namespace
}  // namespace users
