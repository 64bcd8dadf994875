#include "services/users/user_changes.h"

#include <string>

#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace users {
namespace {

UserColumnSet AllColumns() {
  UserColumnSet set;
  set.set();
  return set;
}

TEST(ToUserChangesTest, CopiesEveryFieldInStorageForm) {
  v1::User user;
  user.set_username("alice");
  user.set_email("alice@example.com");
  user.set_password("plain text never stored");
  user.set_given_name("Alice");
  user.set_family_name("Liddell");
  user.set_display_name("Alice L.");
  user.set_role(v1::User::ROLE_ADMIN);
  user.set_avatar_uri("https://example.com/a.png");
  user.set_bio("line 1\nline 2");
  user.mutable_birth_date()->set_year(987);
  user.mutable_birth_date()->set_month(3);
  user.mutable_birth_date()->set_day(9);
  user.mutable_location()->set_latitude(-33.5);
  user.mutable_location()->set_longitude(151.25);
  auto& metadata = *user.mutable_metadata()->mutable_fields();
  metadata["theme"].set_string_value("dark");
  metadata["size"].set_number_value(2);
  (*user.mutable_secure_metadata()->mutable_fields())["pin"].set_string_value(
      "1234");
  user.mutable_settings()->set_language("pt-BR");
  user.mutable_settings()->add_script_types("ads");
  user.mutable_settings()->add_script_types("quote\"d");
  user.set_time_zone("Europe/Berlin");

  UserChanges changes = ToUserChanges(user, AllColumns(), "$argon2id$hash");

  EXPECT_EQ(changes.columns, AllColumns());
  EXPECT_EQ(changes.username, "alice");
  EXPECT_EQ(changes.email, "alice@example.com");
  EXPECT_EQ(changes.password_hash, "$argon2id$hash");
  EXPECT_EQ(changes.given_name, "Alice");
  EXPECT_EQ(changes.family_name, "Liddell");
  EXPECT_EQ(changes.display_name, "Alice L.");
  EXPECT_EQ(changes.role, v1::User::ROLE_ADMIN);
  EXPECT_EQ(changes.avatar_uri, "https://example.com/a.png");
  EXPECT_EQ(changes.bio, "line 1\nline 2");
  EXPECT_EQ(changes.birth_date, "0987-03-09");
  ASSERT_TRUE(changes.latitude.has_value());
  ASSERT_TRUE(changes.longitude.has_value());
  EXPECT_EQ(*changes.latitude, -33.5);
  EXPECT_EQ(*changes.longitude, 151.25);
  EXPECT_EQ(nlohmann::json::parse(changes.metadata_json),
            nlohmann::json({{"theme", "dark"}, {"size", 2}}));
  EXPECT_EQ(nlohmann::json::parse(changes.secure_metadata_json),
            nlohmann::json({{"pin", "1234"}}));
  EXPECT_EQ(changes.language, "pt-BR");
  EXPECT_EQ(nlohmann::json::parse(changes.script_types_json),
            nlohmann::json::array({"ads", "quote\"d"}));
  EXPECT_EQ(changes.time_zone, "Europe/Berlin");
}

TEST(ToUserChangesTest, StoresIdentifiersInNfcWithTheirKeys) {
  v1::User user;
  user.set_username("Jose\xCC\x81");  // a combining acute accent
  user.set_email("Jose@Example.COM");
  UserColumnSet columns;
  Add(columns, UserColumn::kUsername);
  Add(columns, UserColumn::kEmail);
  UserChanges changes = ToUserChanges(user, columns, "");
  EXPECT_EQ(changes.username, "Jos\xC3\xA9");
  EXPECT_EQ(changes.username_key, "jos\xC3\xA9");
  EXPECT_EQ(changes.email, "Jose@Example.COM");
  EXPECT_EQ(changes.email_key, "jose@example.com");

  user.set_username("\xEF\xBC\xA1\xEF\xBC\xAE\xEF\xBC\xAE");  // ＡＮＮ
  changes = ToUserChanges(user, columns, "");
  EXPECT_EQ(changes.username, "\xEF\xBC\xA1\xEF\xBC\xAE\xEF\xBC\xAE");
  EXPECT_EQ(changes.username_key, "ann");
}

TEST(ToUserChangesTest, NeverCarriesThePlainPassword) {
  v1::User user;
  user.set_password("hunter2-hunter2");
  UserColumnSet columns;
  Add(columns, UserColumn::kPasswordHash);
  UserChanges changes = ToUserChanges(user, columns, "$argon2id$v=19$x");
  EXPECT_EQ(changes.password_hash, "$argon2id$v=19$x");
  for (const std::string* value :
       {&changes.username, &changes.username_key, &changes.email,
        &changes.email_key, &changes.password_hash, &changes.given_name,
        &changes.family_name, &changes.display_name, &changes.avatar_uri,
        &changes.bio, &changes.birth_date, &changes.metadata_json,
        &changes.secure_metadata_json, &changes.language,
        &changes.script_types_json}) {
    EXPECT_EQ(value->find("hunter2"), std::string::npos) << *value;
  }
}

TEST(ToUserChangesTest, UnsetFieldsTakeTheirClearedForm) {
  v1::User user;
  UserColumnSet columns;
  Add(columns, UserColumn::kBirthDate);
  Add(columns, UserColumn::kLocation);
  UserChanges changes = ToUserChanges(user, columns, "");
  EXPECT_EQ(changes.columns, columns);
  EXPECT_EQ(changes.birth_date, "");
  EXPECT_FALSE(changes.latitude.has_value());
  EXPECT_FALSE(changes.longitude.has_value());
  EXPECT_EQ(changes.metadata_json, "{}");
  EXPECT_EQ(changes.secure_metadata_json, "{}");
  EXPECT_EQ(changes.script_types_json, "[]");
  EXPECT_EQ(changes.language, "");
}

TEST(ToUserChangesTest, FormatsDatesWithFourDigitYears) {
  struct Case {
    int year, month, day;
    const char* expected;
  };
  for (const Case& c :
       {Case{2000, 2, 29, "2000-02-29"}, Case{1, 1, 1, "0001-01-01"},
        Case{9999, 12, 31, "9999-12-31"}}) {
    v1::User user;
    user.mutable_birth_date()->set_year(c.year);
    user.mutable_birth_date()->set_month(c.month);
    user.mutable_birth_date()->set_day(c.day);
    UserColumnSet columns;
    Add(columns, UserColumn::kBirthDate);
    EXPECT_EQ(ToUserChanges(user, columns, "").birth_date, c.expected);
  }
}

TEST(ToUserChangesTest, KeepsLocationAtTheOrigin) {
  v1::User user;
  user.mutable_location();  // present, (0, 0): a place, not "no location"
  UserColumnSet columns;
  Add(columns, UserColumn::kLocation);
  UserChanges changes = ToUserChanges(user, columns, "");
  ASSERT_TRUE(changes.latitude.has_value());
  ASSERT_TRUE(changes.longitude.has_value());
  EXPECT_EQ(*changes.latitude, 0.0);
  EXPECT_EQ(*changes.longitude, 0.0);
}

TEST(ToUserChangesTest, EncodesNonAsciiScriptTypesAsJson) {
  v1::User user;
  user.mutable_settings()->add_script_types("caf\xC3\xA9");
  user.mutable_settings()->add_script_types("back\\slash");
  UserChanges changes = ToUserChanges(user, UserColumnSet(), "");
  auto parsed = nlohmann::json::parse(changes.script_types_json);
  ASSERT_TRUE(parsed.is_array());
  ASSERT_EQ(parsed.size(), 2u);
  EXPECT_EQ(parsed[0].get<std::string>(), "caf\xC3\xA9");
  EXPECT_EQ(parsed[1].get<std::string>(), "back\\slash");
}

}  // namespace
}  // namespace users
