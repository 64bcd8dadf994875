#include "storage/user_fields.h"

#include <set>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "users/v1/user.pb.h"
#include "users/v1/user_service.pb.h"

namespace users {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;

std::set<std::string> TablePaths() {
  std::set<std::string> paths;
  for (const UserField& field : kUserFields) paths.insert(field.path);
  return paths;
}

// Every field of User, as mask paths: a message written field by field
// (one whose sub-paths are in the table, such as settings) contributes its
// fields instead of itself.
TEST(UserFieldsTest, EveryUserFieldIsWritableOrOutputOnly) {
  const std::set<std::string> table = TablePaths();
  const std::set<std::string> output_only(std::begin(kOutputOnlyUserFields),
                                          std::end(kOutputOnlyUserFields));
  const Descriptor* user = v1::User::descriptor();
  for (int i = 0; i < user->field_count(); ++i) {
    const FieldDescriptor* field = user->field(i);
    const std::string& name = field->name();
    if (output_only.count(name) > 0 || table.count(name) > 0) continue;
    ASSERT_EQ(field->type(), FieldDescriptor::TYPE_MESSAGE)
        << "User." << name
        << " is neither in kUserFields nor in kOutputOnlyUserFields";
    const Descriptor* group = field->message_type();
    ASSERT_GT(group->field_count(), 0) << name;
    for (int j = 0; j < group->field_count(); ++j) {
      EXPECT_EQ(table.count(name + "." + group->field(j)->name()), 1u)
          << "User." << name << "." << group->field(j)->name()
          << " is not in kUserFields";
    }
  }
}

TEST(UserFieldsTest, EveryPathNamesAFieldOfUser) {
  for (const UserField& field : kUserFields) {
    const Descriptor* message = v1::User::descriptor();
    const FieldDescriptor* found = nullptr;
    for (absl::string_view part : absl::StrSplit(field.path, '.')) {
      ASSERT_NE(message, nullptr) << field.path;
      found = message->FindFieldByName(std::string(part));
      ASSERT_NE(found, nullptr) << field.path;
      message = found->message_type();
    }
  }
}

TEST(UserFieldsTest, OutputOnlyFieldsExistAndAreNotWritable) {
  const std::set<std::string> table = TablePaths();
  for (const char* name : kOutputOnlyUserFields) {
    EXPECT_NE(v1::User::descriptor()->FindFieldByName(name), nullptr) << name;
    EXPECT_EQ(table.count(name), 0u) << name;
  }
}

TEST(UserFieldsTest, RowsAreComplete) {
  std::set<std::string> paths;
  for (const UserField& field : kUserFields) {
    EXPECT_TRUE(paths.insert(field.path).second) << field.path;
    EXPECT_NE(field.present, nullptr) << field.path;
    EXPECT_NE(field.bind, nullptr) << field.path;
    EXPECT_GE(field.parameters, 1) << field.path;
    EXPECT_LE(field.parameters, 2) << field.path;
    EXPECT_EQ(field.output == nullptr, field.read == nullptr) << field.path;
    EXPECT_EQ(field.output == nullptr, field.outputs == 0) << field.path;
    SqlParams params;
    field.bind(UserChanges(), params);
    EXPECT_EQ(params.size(), static_cast<size_t>(field.parameters))
        << field.path;
  }
}

// What the row of `column` binds for a User holding `values`.
SqlParams Bound(UserColumn column, const v1::User& values) {
  UserChanges changes;
  changes.values = values;
  SqlParams params;
  UserFieldOf(column).bind(changes, params);
  return params;
}

TEST(UserFieldsBindTest, BindsEveryFieldInStorageForm) {
  v1::User user;
  user.set_username("alice");
  user.set_email("alice@example.com");
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

  UserChanges changes;
  changes.values = user;
  changes.username_key = "alice-key";
  changes.email_key = "email-key";
  changes.password_hash = "$argon2id$hash";
  SqlParams params;
  for (const UserField& field : kUserFields) field.bind(changes, params);

  ASSERT_EQ(params.size(), 19u);
  EXPECT_EQ(params[0], "alice");
  EXPECT_EQ(params[1], "alice-key");
  EXPECT_EQ(params[2], "alice@example.com");
  EXPECT_EQ(params[3], "email-key");
  EXPECT_EQ(params[4], "$argon2id$hash");
  EXPECT_EQ(params[5], "Alice");
  EXPECT_EQ(params[6], "Liddell");
  EXPECT_EQ(params[7], "Alice L.");
  EXPECT_EQ(params[8], "2");
  EXPECT_EQ(params[9], "https://example.com/a.png");
  EXPECT_EQ(params[10], "line 1\nline 2");
  EXPECT_EQ(params[11], "0987-03-09");
  EXPECT_EQ(params[12], "-33.5");
  EXPECT_EQ(params[13], "151.25");
  EXPECT_EQ(nlohmann::json::parse(params[14]),
            nlohmann::json({{"theme", "dark"}, {"size", 2}}));
  EXPECT_EQ(nlohmann::json::parse(params[15]),
            nlohmann::json({{"pin", "1234"}}));
  EXPECT_EQ(params[16], "pt-BR");
  EXPECT_EQ(nlohmann::json::parse(params[17]),
            nlohmann::json::array({"ads", "quote\"d"}));
  EXPECT_EQ(params[18], "Europe/Berlin");
}

// An unset field binds its cleared form; for a new user, the schema default.
TEST(UserFieldsBindTest, UnsetFieldsBindTheirClearedForm) {
  const v1::User none;
  EXPECT_EQ(Bound(UserColumn::kBirthDate, none), SqlParams{""});
  EXPECT_EQ(Bound(UserColumn::kLocation, none), (SqlParams{"", ""}));
  EXPECT_EQ(Bound(UserColumn::kMetadata, none), SqlParams{"{}"});
  EXPECT_EQ(Bound(UserColumn::kSecureMetadata, none), SqlParams{"{}"});
  EXPECT_EQ(Bound(UserColumn::kScriptTypes, none), SqlParams{"[]"});
  EXPECT_EQ(Bound(UserColumn::kLanguage, none), SqlParams{""});
  EXPECT_EQ(Bound(UserColumn::kTimeZone, none), SqlParams{""});
  EXPECT_EQ(Bound(UserColumn::kRole, none),
            SqlParams{std::to_string(v1::User::ROLE_USER)});
}

TEST(UserFieldsBindTest, FormatsDatesWithFourDigitYears) {
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
    EXPECT_EQ(Bound(UserColumn::kBirthDate, user), SqlParams{c.expected});
  }
}

TEST(UserFieldsBindTest, KeepsLocationAtTheOrigin) {
  v1::User user;
  user.mutable_location();  // present, (0, 0): a place, not "no location"
  EXPECT_EQ(Bound(UserColumn::kLocation, user), (SqlParams{"0", "0"}));
}

TEST(UserFieldsBindTest, KeepsEveryDigitOfACoordinate) {
  v1::User user;
  user.mutable_location()->set_latitude(51.507350999999999);
  user.mutable_location()->set_longitude(-0.12775829999999999);
  SqlParams params = Bound(UserColumn::kLocation, user);
  ASSERT_EQ(params.size(), 2u);
  EXPECT_EQ(std::stod(params[0]), 51.507350999999999);
  EXPECT_EQ(std::stod(params[1]), -0.12775829999999999);
}

TEST(UserFieldsBindTest, EncodesNonAsciiScriptTypesAsJson) {
  v1::User user;
  user.mutable_settings()->add_script_types("caf\xC3\xA9");
  user.mutable_settings()->add_script_types("back\\slash");
  SqlParams params = Bound(UserColumn::kScriptTypes, user);
  ASSERT_EQ(params.size(), 1u);
  auto parsed = nlohmann::json::parse(params[0]);
  ASSERT_TRUE(parsed.is_array());
  ASSERT_EQ(parsed.size(), 2u);
  EXPECT_EQ(parsed[0].get<std::string>(), "caf\xC3\xA9");
  EXPECT_EQ(parsed[1].get<std::string>(), "back\\slash");
}

// The metadata row's reader, on stored jsonb text.
v1::User ReadMetadata(const std::string& text) {
  const UserField& field = kUserFields[static_cast<int>(UserColumn::kMetadata)];
  StoredCell cell{false, text};
  v1::User user;
  field.read(&cell, user);
  return user;
}

// What PostgreSQL's jsonb output can hold, each read as protobuf's own JSON
// parser reads it: the reader replaced JsonStringToMessage and must give
// the same Struct.
TEST(UserFieldsReadTest, ReadsMetadataAsProtobufsJsonParserDoes) {
  const std::vector<std::string> stored = {
      R"({})",
      R"({"theme": "dark", "size": 2})",
      R"({"a": null, "b": true, "c": false, "d": ""})",
      R"({"n": [0, -1, 1.5, -2.25e-3, 1e21, 123456789012345678901234567890]})",
      R"({"big": 18446744073709551615, "neg": -9223372036854775808})",
      R"({"close": 9007199254740993, "tenth": 0.1, "third": 0.3333333333333333})",
      R"({"nested": {"list": [{"x": [[], {}]}, "s", 3]}})",
      R"({"text": "caf\u00e9 \ud83d\ude00 tab\t quote\" back\\ nl\n"})",
      "{\"utf8\": \"caf\xC3\xA9 \xF0\x9F\x98\x80\", \"k\xC3\xA9y\": 1}",
  };
  for (const std::string& text : stored) {
    google::protobuf::Struct expected;
    ASSERT_TRUE(
        google::protobuf::util::JsonStringToMessage(text, &expected).ok())
        << text;
    v1::User user = ReadMetadata(text);
    EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(
        user.metadata(), expected))
        << text << "\nread: " << user.metadata().DebugString()
        << "\nprotobuf: " << expected.DebugString();
  }
}

TEST(UserFieldsReadTest, RefusesStoredTextThatIsNotAJsonObject) {
  for (const std::string& text :
       {std::string(""), std::string("[]"), std::string("1"),
        std::string("\"s\""), std::string("{"), std::string("{\"a\": }"),
        std::string("{\"a\": 1e400}"), std::string("{\"a\": \"\xC3\"}")}) {
    EXPECT_THROW(ReadMetadata(text), std::runtime_error) << text;
  }
}

// Whether a request can carry `metadata`: protobuf's parser refuses
// messages nested more than 100 deep.
bool RequestCarries(const google::protobuf::Struct& metadata) {
  v1::UpdateUserRequest request;
  *request.mutable_user()->mutable_metadata() = metadata;
  v1::UpdateUserRequest parsed;
  return parsed.ParseFromString(request.SerializeAsString());
}

// Stored metadata reads back exactly when a request could have carried it:
// deeper text did not come through the API, and a User holding it could
// not be parsed by the clients it goes to.
TEST(UserFieldsReadTest, ReadsExactlyWhatARequestCanCarry) {
  auto nest = [](const std::string& open, const std::string& close,
                 int levels) {
    std::string text = "{\"v\":";
    for (int i = 0; i < levels; ++i) text += open;
    text += "1";
    for (int i = 0; i < levels; ++i) text += close;
    return text + "}";
  };
  int readable_arrays = 0;
  int readable_objects = 0;
  for (int levels = 10; levels < 60; ++levels) {
    for (const auto& [open, close] :
         {std::pair<std::string, std::string>{"[", "]"},
          std::pair<std::string, std::string>{"{\"v\":", "}"},
          std::pair<std::string, std::string>{"[{\"v\":", "}]"}}) {
      const std::string text = nest(open, close, levels);
      google::protobuf::Struct parsed;
      // protobuf's JSON parser stops at 100 levels of JSON, far deeper
      // than any request.
      const bool carried =
          google::protobuf::util::JsonStringToMessage(text, &parsed).ok() &&
          RequestCarries(parsed);
      bool read = true;
      try {
        ReadMetadata(text);
      } catch (const std::runtime_error&) {
        read = false;
      }
      EXPECT_EQ(read, carried) << text;
      if (read && open == "[") readable_arrays = levels;
      if (read && close == "}") readable_objects = levels;
    }
  }
  // The limits themselves, so that the loop above cannot pass vacuously.
  EXPECT_EQ(readable_arrays, 48);
  EXPECT_EQ(readable_objects, 32);
}

TEST(UserFieldsReadTest, RefusesUnboundedNesting) {
  for (const auto& [open, close] :
       {std::pair<std::string, std::string>{"[", "]"},
        std::pair<std::string, std::string>{"{\"v\":", "}"}}) {
    std::string text = "{\"v\":";
    for (int i = 0; i < 100000; ++i) text += open;
    text += "1";
    for (int i = 0; i < 100000; ++i) text += close;
    text += "}";
    EXPECT_THROW(ReadMetadata(text), std::runtime_error) << open;
  }
}

}  // namespace
}  // namespace users
