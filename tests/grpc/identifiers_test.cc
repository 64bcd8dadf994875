// Unicode usernames, email addresses and passwords through a real server:
// which names are refused, which are one name, and what a login matches.

#include "services/users/argon2id_hasher.h"
#include "tests/grpc/userd_fixture.h"

namespace users {
namespace test {
namespace {

using ::testing::ElementsAre;

class IdentifiersTest : public UserdFixture {
 protected:
  // CreateUser's error (code OK when it succeeded, with the user in `out`).
  static CallError TryCreate(const std::string& username,
                             const std::string& email,
                             const std::string& password = "correct horse",
                             v1::User* out = nullptr) {
    v1::CreateUserRequest request;
    request.set_parent("projects/default");
    request.mutable_user()->set_username(username);
    request.mutable_user()->set_email(email);
    request.mutable_user()->set_password(password);
    v1::User user;
    grpc::ClientContext context;
    Authorize(context, kAdminToken);
    CallError error = ParseError(Users()->CreateUser(&context, request, &user));
    if (out != nullptr) *out = user;
    return error;
  }

  // A user whose name is not ASCII (CreateUser derives an ASCII email).
  static v1::User CreateNamed(const std::string& username,
                              const std::string& email) {
    v1::User user;
    CallError error = TryCreate(username, email, "correct horse", &user);
    EXPECT_EQ(error.code, grpc::StatusCode::OK) << username;
    return user;
  }

  static CallError TryRename(const v1::User& user,
                             const std::string& username) {
    v1::User change;
    change.set_name(user.name());
    change.set_username(username);
    v1::User out;
    return ParseError(Update(kAdminToken, change, {"username"}, &out));
  }

  // The id of the user a session token belongs to, or "" without one.
  static std::string SessionOwner(const std::string& token) {
    if (token.empty()) return "";
    v1::User me;
    grpc::Status status = Get(token, "projects/default/users/me", &me);
    return status.ok() ? me.name() : "";
  }
};

TEST_F(IdentifiersTest, RefusesInvisibleBidiAtAndMixedScriptUsernames) {
  v1::User existing = CreateUser("rename_target");
  struct Case {
    const char* label;
    std::string username;
    const char* reason;
  };
  for (const Case& c : {
           Case{"cyrillic_a",
                "\xD0\xB0"
                "dmin_x",
                "MIXED_SCRIPTS"},
           Case{"at_sign", "someone@example.com", "INVALID_CHARACTERS"},
           Case{"fullwidth_at", "someone\xEF\xBC\xA0x", "INVALID_CHARACTERS"},
           Case{"zero_width_space", "zero\xE2\x80\x8Bwidth",
                "INVALID_CHARACTERS"},
           Case{"soft_hyphen", "soft\xC2\xADhyphen", "INVALID_CHARACTERS"},
           Case{"bom",
                "\xEF\xBB\xBF"
                "bom_user",
                "INVALID_CHARACTERS"},
           Case{"rlo",
                "rlo\xE2\x80\xAE"
                "user",
                "INVALID_CHARACTERS"},
           Case{"isolate",
                "\xE2\x81\xA6"
                "isolated",
                "INVALID_CHARACTERS"},
       }) {
    CallError created =
        TryCreate(c.username, std::string(c.label) + "@x.example");
    EXPECT_EQ(created.code, grpc::StatusCode::INVALID_ARGUMENT) << c.label;
    EXPECT_THAT(created.fields, ElementsAre("user.username")) << c.label;
    EXPECT_EQ(created.metadata["user.username"], c.reason) << c.label;

    CallError renamed = TryRename(existing, c.username);
    EXPECT_EQ(renamed.code, grpc::StatusCode::INVALID_ARGUMENT) << c.label;
    EXPECT_EQ(renamed.metadata["user.username"], c.reason) << c.label;
  }
  EXPECT_EQ(MustGet(existing.name()).username(), "rename_target");
}

TEST_F(IdentifiersTest, AcceptsSingleScriptAndPlainNames) {
  v1::User cyrillic = CreateNamed("\xD0\xB0\xD0\xB4\xD0\xBC\xD0\xB8\xD0\xBD",
                                  "admin_ru@example.com");
  EXPECT_EQ(cyrillic.username(),
            "\xD0\xB0\xD0\xB4\xD0\xBC\xD0\xB8\xD0\xBD");  // админ
  v1::User han =
      CreateNamed("tanaka\xE7\x94\xB0\xE4\xB8\xAD", "tanaka@example.com");
  EXPECT_EQ(han.username(), "tanaka\xE7\x94\xB0\xE4\xB8\xAD");  // Latin+Han
  for (const std::string username : {"Jane.Doe", "medama_user", "user_42.x"}) {
    v1::User user = CreateUser(username);
    EXPECT_EQ(user.username(), username);
  }
}

TEST_F(IdentifiersTest, CaseWidthAndNormalisationMakeOneName) {
  v1::User ann = CreateUser("Ann");
  for (const std::string same :
       {"ann", "ANN", "\xEF\xBC\xA1\xEF\xBC\xAE\xEF\xBC\xAE"}) {
    CallError error = TryCreate(same, "another_ann@example.com");
    EXPECT_EQ(error.code, grpc::StatusCode::ALREADY_EXISTS) << same;
    EXPECT_EQ(error.reason, "USERNAME_TAKEN") << same;
    EXPECT_THAT(error.fields, ElementsAre("user.username")) << same;
  }

  // José typed with a combining accent is stored composed (NFC) ...
  v1::User jose = CreateNamed("Jose\xCC\x81", "jose@example.com");
  EXPECT_EQ(jose.username(), "Jos\xC3\xA9");
  EXPECT_EQ(MustGet(jose.name()).username(), "Jos\xC3\xA9");
  // ... and is the same name as the composed spelling, also on rename.
  CallError error = TryCreate("jos\xC3\xA9", "jose2@example.com");
  EXPECT_EQ(error.code, grpc::StatusCode::ALREADY_EXISTS);
  EXPECT_EQ(error.reason, "USERNAME_TAKEN");
  error = TryRename(ann, "JOSE\xCC\x81");
  EXPECT_EQ(error.code, grpc::StatusCode::ALREADY_EXISTS);
  EXPECT_EQ(error.reason, "USERNAME_TAKEN");

  // A user may change the case of its own name.
  v1::User change;
  change.set_name(ann.name());
  change.set_username("ANN");
  v1::User out;
  grpc::Status renamed = Update(kAdminToken, change, {"username"}, &out);
  ASSERT_TRUE(renamed.ok()) << renamed.error_message();
  EXPECT_EQ(out.username(), "ANN");
}

TEST_F(IdentifiersTest, EmailsAreOneAddressIgnoringCaseAndWidth) {
  CreateUser("mail_owner");  // mail_owner@example.com
  CallError error = TryCreate("mail_other", "MAIL_OWNER@EXAMPLE.COM");
  EXPECT_EQ(error.code, grpc::StatusCode::ALREADY_EXISTS);
  EXPECT_EQ(error.reason, "EMAIL_TAKEN");
  EXPECT_THAT(error.fields, ElementsAre("user.email"));
  error = TryCreate("mail_other", "mail_other\xE2\x80\x8B@example.com");
  EXPECT_EQ(error.code, grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(error.metadata["user.email"], "INVALID_CHARACTERS");
}

TEST_F(IdentifiersTest, LoginByUsernameInAnyCaseOrWidth) {
  v1::User user = CreateUser("Wide_Login");
  EXPECT_EQ(SessionOwner(Login("wide_login")), user.name());
  EXPECT_EQ(SessionOwner(Login("\xEF\xBC\xB7ide_login")), user.name());  // Ｗ
  EXPECT_EQ(SessionOwner(Login("wide_login@example.com")), user.name());
  EXPECT_EQ(SessionOwner(Login("WIDE_LOGIN\xEF\xBC\xA0"
                               "EXAMPLE.COM")),
            user.name());  // full-width @
}

// A username equal to another user's email address (possible before '@' was
// refused in usernames) does not capture that user's email login, and an
// email login never finds a username.
TEST_F(IdentifiersTest, EmailLoginMatchesOnlyEmails) {
  v1::User victim = CreateUser("login_victim", "victim password");
  v1::User mallory = CreateUser("login_mallory", "mallory password");
  TestDatabase::Get().Query(
      "UPDATE users SET username = 'login_victim@example.com', "
      "username_key = 'login_victim@example.com' "
      "WHERE username = 'login_mallory'");
  EXPECT_EQ(SessionOwner(Login("login_victim@example.com", "victim password")),
            victim.name());
  EXPECT_EQ(Login("login_victim@example.com", "mallory password"), "");
  // Mallory still logs in by its own email address.
  EXPECT_EQ(
      SessionOwner(Login("login_mallory@example.com", "mallory password")),
      mallory.name());
  // A username login never matches an email: "login_victim" is a username.
  TestDatabase::Get().Query(
      "UPDATE users SET username = 'renamed_victim', "
      "username_key = 'renamed_victim' WHERE username = 'login_victim'");
  EXPECT_EQ(Login("login_victim", "victim password"), "");
  EXPECT_EQ(SessionOwner(Login("renamed_victim", "victim password")),
            victim.name());
}

TEST_F(IdentifiersTest, PasswordsVerifyInEitherNormalisation) {
  const std::string nfc = "caf\xC3\xA9 au lait";
  const std::string nfd = "cafe\xCC\x81 au lait";
  v1::User composed = CreateUser("pw_composed", nfc);
  EXPECT_EQ(SessionOwner(Login("pw_composed", nfd)), composed.name());
  EXPECT_EQ(SessionOwner(Login("pw_composed", nfc)), composed.name());
  v1::User decomposed = CreateUser("pw_decomposed", nfd);
  EXPECT_EQ(SessionOwner(Login("pw_decomposed", nfc)), decomposed.name());
  EXPECT_EQ(Login("pw_decomposed", "cafe au lait"), "");
}

// A hash made before passwords were normalised, of the decomposed form as
// typed, still verifies when the same form is typed.
TEST_F(IdentifiersTest, HashesOfUnnormalisedPasswordsStillVerify) {
  const std::string nfd = "cafe\xCC\x81 noir";
  v1::User user = CreateUser("pw_legacy", "placeholder password");
  absl::StatusOr<std::string> legacy =
      Argon2idHasher(Argon2Params{1024, 1, 1}).Hash(nfd);
  ASSERT_TRUE(legacy.ok()) << legacy.status();
  TestDatabase::Get().Query("UPDATE users SET password_hash = '" + *legacy +
                            "' WHERE username = 'pw_legacy'");
  EXPECT_EQ(SessionOwner(Login("pw_legacy", nfd)), user.name());
  EXPECT_EQ(Login("pw_legacy", "placeholder password"), "");
}

}  // namespace
}  // namespace test
}  // namespace users
