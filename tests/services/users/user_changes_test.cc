#include "services/users/user_changes.h"

#include <string>

#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "storage/user_fields.h"

namespace users {
namespace {

UserColumnSet AllColumns() {
  UserColumnSet set;
  set.set();
  return set;
}

// Every parameter the rows bind for `changes`, in table order.
SqlParams BindAll(const UserChanges& changes) {
  SqlParams params;
  for (const UserField& field : kUserFields) field.bind(changes, params);
  return params;
}

TEST(ToUserChangesTest, CarriesTheValidatedUserAndTheHash) {
  v1::User user;
  user.set_username("alice");
  user.set_email("alice@example.com");
  user.set_given_name("Alice");
  user.set_role(v1::User::ROLE_ADMIN);
  user.mutable_location()->set_latitude(-33.5);
  (*user.mutable_metadata()->mutable_fields())["theme"].set_string_value(
      "dark");
  user.mutable_settings()->add_script_types("ads");
  user.set_time_zone("Europe/Berlin");
  v1::User without_password = user;
  user.set_password("plain text never stored");

  UserChanges changes = ToUserChanges(user, AllColumns(), "$argon2id$hash");

  EXPECT_EQ(changes.columns, AllColumns());
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(
      changes.values, without_password));
  EXPECT_EQ(changes.username_key, "alice");
  EXPECT_EQ(changes.email_key, "alice@example.com");
  EXPECT_EQ(changes.password_hash, "$argon2id$hash");
}

TEST(ToUserChangesTest, StoresIdentifiersInNfcWithTheirKeys) {
  v1::User user;
  user.set_username("Jose\xCC\x81");  // a combining acute accent
  user.set_email("Jose@Example.COM");
  UserColumnSet columns;
  Add(columns, UserColumn::kUsername);
  Add(columns, UserColumn::kEmail);
  UserChanges changes = ToUserChanges(user, columns, "");
  EXPECT_EQ(changes.values.username(), "Jos\xC3\xA9");
  EXPECT_EQ(changes.username_key, "jos\xC3\xA9");
  EXPECT_EQ(changes.values.email(), "Jose@Example.COM");
  EXPECT_EQ(changes.email_key, "jose@example.com");

  user.set_username("\xEF\xBC\xA1\xEF\xBC\xAE\xEF\xBC\xAE");  // ＡＮＮ
  changes = ToUserChanges(user, columns, "");
  EXPECT_EQ(changes.values.username(), "\xEF\xBC\xA1\xEF\xBC\xAE\xEF\xBC\xAE");
  EXPECT_EQ(changes.username_key, "ann");
}

TEST(ToUserChangesTest, NeverCarriesThePlainPassword) {
  v1::User user;
  user.set_username("someone");
  user.set_password("hunter2-hunter2");
  UserChanges changes = ToUserChanges(user, AllColumns(), "$argon2id$v=19$x");
  EXPECT_EQ(changes.password_hash, "$argon2id$v=19$x");
  EXPECT_TRUE(changes.values.password().empty());
  for (const std::string& value : BindAll(changes)) {
    EXPECT_EQ(value.find("hunter2"), std::string::npos) << value;
  }
}

}  // namespace
}  // namespace users
