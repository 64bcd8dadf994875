// UpdateUser through a real gRPC server over a real PostgreSQL: AIP-134
// masks, validation, etags, authorization and what is (not) written.

#include "google/protobuf/util/json_util.h"
#include "tests/grpc/userd_fixture.h"

namespace users {
namespace test {
namespace {

using ::testing::ElementsAre;
using ::testing::UnorderedElementsAre;

class UpdateUserTest : public UserdFixture {};

TEST_F(UpdateUserTest, WritesOnlyTheMaskedFields) {
  v1::User created = CreateUser("mask_only");
  v1::User change;
  change.set_name(created.name());
  change.set_given_name("Jane");
  change.set_family_name("Smith");  // set but not in the mask
  v1::User updated;
  ASSERT_TRUE(Update(kAdminToken, change, {"given_name"}, &updated).ok());
  EXPECT_EQ(updated.given_name(), "Jane");
  EXPECT_EQ(updated.family_name(), "");
  EXPECT_EQ(MustGet(created.name()).family_name(), "");
  EXPECT_NE(updated.etag(), created.etag());
}

TEST_F(UpdateUserTest, NoMaskMeansThePopulatedFields) {
  v1::User created = CreateUser("no_mask");
  v1::User change;
  change.set_name(created.name());
  change.set_bio("hello");
  change.mutable_settings()->set_language("en");
  v1::User updated;
  ASSERT_TRUE(Update(kAdminToken, change, {}, &updated).ok());
  EXPECT_EQ(updated.bio(), "hello");
  EXPECT_EQ(updated.settings().language(), "en");
  EXPECT_EQ(updated.username(), "no_mask");  // not populated, not cleared
}

TEST_F(UpdateUserTest, SubPathsAndOutputOnlyPaths) {
  v1::User created = CreateUser("sub_paths");
  v1::User change;
  change.set_name(created.name());
  change.mutable_settings()->set_language("pt-BR");
  change.mutable_settings()->add_script_types("default");
  change.set_email_verified(true);
  change.set_etag("");
  v1::User updated;
  ASSERT_TRUE(Update(kAdminToken, change,
                     {"settings.language", "create_time", "email_verified"},
                     &updated)
                  .ok());
  EXPECT_EQ(updated.settings().language(), "pt-BR");
  EXPECT_EQ(updated.settings().script_types_size(), 0);
  EXPECT_FALSE(updated.email_verified());
}

TEST_F(UpdateUserTest, StarReplacesEveryWritableField) {
  v1::User created = CreateUser("star_replace");
  v1::User first;
  first.set_name(created.name());
  first.set_bio("old bio");
  first.set_display_name("Old");
  v1::User ignored;
  ASSERT_TRUE(Update(kAdminToken, first, {}, &ignored).ok());

  v1::User replacement;
  replacement.set_name(created.name());
  replacement.set_username("star_replaced");
  replacement.set_email("star_replaced@example.com");
  replacement.set_role(v1::User::ROLE_USER);
  v1::User updated;
  ASSERT_TRUE(Update(kAdminToken, replacement, {"*"}, &updated).ok());
  EXPECT_EQ(updated.username(), "star_replaced");
  EXPECT_EQ(updated.bio(), "");
  EXPECT_EQ(updated.display_name(), "");
}

TEST_F(UpdateUserTest, TimeZoneIsSetClearedAndChecked) {
  v1::User created = CreateUser("time_zone");
  EXPECT_EQ(created.time_zone(), "");
  v1::User change;
  change.set_name(created.name());
  change.set_time_zone("Europe/Berlin");
  v1::User updated;
  ASSERT_TRUE(Update(kAdminToken, change, {}, &updated).ok());
  EXPECT_EQ(updated.time_zone(), "Europe/Berlin");
  EXPECT_EQ(MustGet(created.name()).time_zone(), "Europe/Berlin");

  change.set_time_zone("Europe/Atlantis");
  grpc::Status status = Update(kAdminToken, change, {"time_zone"}, &updated);
  CallError error = ParseError(status);
  EXPECT_EQ(error.code, grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(error.reason, "INVALID_FIELD");
  EXPECT_THAT(error.fields, ElementsAre("user.time_zone"));
  EXPECT_EQ(error.metadata["user.time_zone"], "INVALID_FORMAT");
  EXPECT_EQ(MustGet(created.name()).time_zone(), "Europe/Berlin");

  change.clear_time_zone();
  ASSERT_TRUE(Update(kAdminToken, change, {"time_zone"}, &updated).ok());
  EXPECT_EQ(updated.time_zone(), "");
  EXPECT_EQ(MustGet(created.name()).time_zone(), "");
}

TEST_F(UpdateUserTest, UnknownPathIsInvalidArgumentAndWritesNothing) {
  v1::User created = CreateUser("unknown_path");
  v1::User change;
  change.set_name(created.name());
  change.set_bio("should not be written");
  v1::User out;
  grpc::Status status = Update(kAdminToken, change, {"bio", "nickname"}, &out);
  CallError error = ParseError(status);
  EXPECT_EQ(error.code, grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(error.reason, "INVALID_FIELD");
  EXPECT_THAT(error.fields, ElementsAre("update_mask"));
  EXPECT_EQ(MustGet(created.name()).bio(), "");
}

TEST_F(UpdateUserTest, EveryBadFieldIsNamedAndNothingIsWritten) {
  v1::User created = CreateUser("bad_fields");
  v1::User change;
  change.set_name(created.name());
  change.set_username("ok_name");
  change.set_email("not-an-email");
  change.set_avatar_uri("ftp://example.com/a.png");
  change.mutable_location()->set_latitude(-118.25);
  change.mutable_location()->set_longitude(34.05);
  v1::User out;
  grpc::Status status = Update(kAdminToken, change, {}, &out);
  CallError error = ParseError(status);
  EXPECT_EQ(error.code, grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(error.fields,
              UnorderedElementsAre("user.email", "user.avatar_uri",
                                   "user.location.latitude"));
  EXPECT_EQ(error.metadata["user.email"], "INVALID_FORMAT");
  EXPECT_EQ(MustGet(created.name()).username(), "bad_fields");
}

TEST_F(UpdateUserTest, NulAndControlCharactersAreRefused) {
  v1::User created = CreateUser("nul_check");
  v1::User change;
  change.set_name(created.name());
  change.set_display_name(std::string("a\0b", 3));
  v1::User out;
  CallError error = ParseError(Update(kAdminToken, change, {}, &out));
  EXPECT_EQ(error.code, grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(error.metadata["user.display_name"], "INVALID_CHARACTERS");
}

TEST_F(UpdateUserTest, StaleEtagIsAbortedAndWritesNothing) {
  v1::User created = CreateUser("etag_check");
  v1::User change;
  change.set_name(created.name());
  change.set_bio("first");
  change.set_etag(created.etag());
  v1::User updated;
  ASSERT_TRUE(Update(kAdminToken, change, {"bio"}, &updated).ok());

  change.set_bio("second, from a stale read");
  change.set_etag(created.etag());
  v1::User out;
  CallError error = ParseError(Update(kAdminToken, change, {"bio"}, &out));
  EXPECT_EQ(error.code, grpc::StatusCode::ABORTED);
  EXPECT_EQ(error.reason, "ETAG_MISMATCH");
  EXPECT_EQ(MustGet(created.name()).bio(), "first");

  change.set_etag(updated.etag());
  ASSERT_TRUE(Update(kAdminToken, change, {"bio"}, &out).ok());
  EXPECT_EQ(out.bio(), "second, from a stale read");
}

TEST_F(UpdateUserTest, DuplicateUsernameOrEmailIsAlreadyExistsNamingTheField) {
  CreateUser("taken_name");
  v1::User created = CreateUser("dup_check");
  v1::User change;
  change.set_name(created.name());
  change.set_username("TAKEN_Name");
  v1::User out;
  CallError error = ParseError(Update(kAdminToken, change, {}, &out));
  EXPECT_EQ(error.code, grpc::StatusCode::ALREADY_EXISTS);
  EXPECT_EQ(error.reason, "USERNAME_TAKEN");
  EXPECT_THAT(error.fields, ElementsAre("user.username"));

  v1::User email_change;
  email_change.set_name(created.name());
  email_change.set_email("Taken_Name@Example.com");
  error = ParseError(Update(kAdminToken, email_change, {}, &out));
  EXPECT_EQ(error.code, grpc::StatusCode::ALREADY_EXISTS);
  EXPECT_EQ(error.reason, "EMAIL_TAKEN");
  EXPECT_THAT(error.fields, ElementsAre("user.email"));
}

TEST_F(UpdateUserTest, EmailChangeClearsVerification) {
  v1::User created = CreateUser("verify_reset");
  TestDatabase::Get().Query(
      "UPDATE users SET email_verified = true WHERE username = 'verify_reset'");
  EXPECT_TRUE(MustGet(created.name()).email_verified());
  v1::User change;
  change.set_name(created.name());
  change.set_email("verify_reset2@example.com");
  v1::User updated;
  ASSERT_TRUE(Update(kAdminToken, change, {}, &updated).ok());
  EXPECT_FALSE(updated.email_verified());
}

TEST_F(UpdateUserTest, SecretsNeverComeBack) {
  v1::User created = CreateUser("secret_keeper");
  v1::User change;
  change.set_name(created.name());
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(
                  R"({"ssn": "123-45-6789"})", change.mutable_secure_metadata())
                  .ok());
  change.set_password("a brand new password");
  v1::User updated;
  ASSERT_TRUE(Update(kAdminToken, change, {}, &updated).ok());
  EXPECT_FALSE(updated.has_secure_metadata());
  EXPECT_TRUE(updated.password().empty());
  v1::User read = MustGet(created.name());
  EXPECT_FALSE(read.has_secure_metadata());
  EXPECT_TRUE(read.password().empty());
  std::string serialized =
      read.SerializeAsString() + updated.SerializeAsString();
  EXPECT_EQ(serialized.find("123-45-6789"), std::string::npos);
  EXPECT_EQ(serialized.find("$argon2id$"), std::string::npos);
  // The secure metadata was stored all the same.
  auto rows = TestDatabase::Get().Query(
      "SELECT secure_metadata->>'ssn' FROM users WHERE username = "
      "'secret_keeper'");
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(std::string(rows[0][0].c_str()), "123-45-6789");
}

TEST_F(UpdateUserTest, EachUpdateWritesAnAuditRow) {
  v1::User created = CreateUser("audited");
  v1::User change;
  change.set_name(created.name());
  change.set_bio("audited bio");
  change.set_given_name("Audit");
  v1::User out;
  ASSERT_TRUE(Update(kAdminToken, change, {"bio", "given_name"}, &out).ok());
  auto rows = TestDatabase::Get().Query(
      "SELECT e.actor, e.paths::text FROM user_events e JOIN users u ON "
      "u.project_id = e.project_id AND u.id = e.user_id WHERE u.username = "
      "'audited' AND e.action = 'update'");
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(std::string(rows[0][0].c_str()).rfind("apiKeys/", 0), 0u);
  EXPECT_NE(std::string(rows[0][1].c_str()).find("bio"), std::string::npos);
  EXPECT_NE(std::string(rows[0][1].c_str()).find("given_name"),
            std::string::npos);
}

// --- authorization -------------------------------------------------------

TEST_F(UpdateUserTest, UsersMayUpdateOnlyThemselvesCheckedBeforeExistence) {
  v1::User alice = CreateUser("alice_authz");
  v1::User bob = CreateUser("bob_authz");
  std::string alice_token = Login("alice_authz");
  ASSERT_FALSE(alice_token.empty());

  v1::User change;
  change.set_name(bob.name());
  change.set_bio("pwned");
  v1::User out;
  CallError error = ParseError(Update(alice_token, change, {}, &out));
  EXPECT_EQ(error.code, grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(error.reason, "NOT_SELF");
  EXPECT_EQ(MustGet(bob.name()).bio(), "");

  change.set_name("projects/default/users/999999999");  // does not exist
  error = ParseError(Update(alice_token, change, {}, &out));
  EXPECT_EQ(error.code, grpc::StatusCode::PERMISSION_DENIED);

  change.set_name("projects/-/users/me");
  change.set_bio("my own bio");
  ASSERT_TRUE(Update(alice_token, change, {}, &out).ok());
  EXPECT_EQ(out.name(), alice.name());
  EXPECT_EQ(out.bio(), "my own bio");
}

TEST_F(UpdateUserTest, OnlyAdminsChangeRoles) {
  v1::User mallory = CreateUser("mallory_role");
  std::string token = Login("mallory_role");
  v1::User change;
  change.set_name(mallory.name());
  change.set_role(v1::User::ROLE_ADMIN);
  v1::User out;
  CallError error = ParseError(Update(token, change, {"role"}, &out));
  EXPECT_EQ(error.code, grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(error.reason, "ROLE_CHANGE");
  EXPECT_EQ(MustGet(mallory.name()).role(), v1::User::ROLE_USER);

  ASSERT_TRUE(Update(kAdminToken, change, {"role"}, &out).ok());
  EXPECT_EQ(out.role(), v1::User::ROLE_ADMIN);
  // Now an admin session may update others.
  std::string admin_session = Login("mallory_role");
  v1::User other = CreateUser("victim_of_admin");
  v1::User bio;
  bio.set_name(other.name());
  bio.set_bio("set by an admin");
  EXPECT_TRUE(Update(admin_session, bio, {}, &out).ok());
}

TEST_F(UpdateUserTest, KeysNeedTheWriteScope) {
  v1::User user = CreateUser("scoped_target");
  std::string read_only = CreateKey({"read"});
  v1::User change;
  change.set_name(user.name());
  change.set_bio("nope");
  v1::User out;
  CallError error = ParseError(Update(read_only, change, {}, &out));
  EXPECT_EQ(error.code, grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(error.reason, "SCOPE_MISSING");
  EXPECT_TRUE(Get(read_only, user.name(), &out).ok() == false)
      << "a read key without admin may not read other users";

  std::string writer = CreateKey({"write"}, user.name());
  change.set_name("projects/-/users/me");
  EXPECT_TRUE(Update(writer, change, {}, &out).ok());
  EXPECT_EQ(out.bio(), "nope");
}

TEST_F(UpdateUserTest, NothingCrossesProjects) {
  v1::CreateProjectRequest request;
  request.set_project_id("other-project");
  v1::Project project;
  grpc::ClientContext context;
  Authorize(context, kAdminToken);
  ASSERT_TRUE(Projects()->CreateProject(&context, request, &project).ok());
  std::string other_admin =
      CreateKey({"admin", "read", "write"}, "", "other-project");
  v1::User victim = CreateUser("cross_victim");
  v1::User change;
  change.set_name(victim.name());
  change.set_bio("from another project");
  v1::User out;
  CallError error = ParseError(Update(other_admin, change, {}, &out));
  EXPECT_EQ(error.code, grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(error.reason, "OTHER_PROJECT");
  EXPECT_EQ(MustGet(victim.name()).bio(), "");
}

TEST_F(UpdateUserTest, MissingOrUnknownTokenIsUnauthenticated) {
  v1::User user = CreateUser("no_token_target");
  v1::User change;
  change.set_name(user.name());
  change.set_bio("x");
  v1::UpdateUserRequest request;
  *request.mutable_user() = change;
  v1::User out;
  grpc::ClientContext context;
  CallError error = ParseError(Users()->UpdateUser(&context, request, &out));
  EXPECT_EQ(error.code, grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(error.reason, "TOKEN_MISSING");
  error = ParseError(Update("not-a-real-token", change, {}, &out));
  EXPECT_EQ(error.code, grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(error.reason, "TOKEN_INVALID");
}

}  // namespace
}  // namespace test
}  // namespace users
