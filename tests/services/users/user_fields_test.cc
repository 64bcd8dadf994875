#include "storage/user_fields.h"

#include <set>
#include <string>

#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "users/v1/user.pb.h"

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

}  // namespace
}  // namespace users
