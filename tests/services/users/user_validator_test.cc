#include "services/users/user_validator.h"

#include <cmath>
#include <ctime>
#include <initializer_list>
#include <limits>
#include <ostream>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/services/status_checks.h"

namespace users {
namespace {

using ::testing::ElementsAre;
using ::testing::Pair;
using ::testing::UnorderedElementsAre;

UserColumnSet Columns(std::initializer_list<UserColumn> list) {
  UserColumnSet set;
  for (UserColumn column : list) Add(set, column);
  return set;
}

UserColumnSet AllColumns() {
  UserColumnSet set;
  set.set();
  return set;
}

absl::Status Validate(const v1::User& user, const UserColumnSet& columns,
                      const PasswordPolicy& policy = {}) {
  FieldViolations violations;
  ValidateUserFields(user, columns, policy, "user.", violations);
  return violations.ToStatus();
}

// The reason recorded for `field`, or "" when the field passed.
std::string FieldReason(const absl::Status& status, const std::string& field) {
  auto metadata = test::Metadata(status);
  auto it = metadata.find(field);
  return it == metadata.end() ? std::string() : it->second;
}

std::string Repeat(absl::string_view unit, int times) {
  std::string out;
  for (int i = 0; i < times; ++i) out.append(unit.data(), unit.size());
  return out;
}

v1::User ValidUser() {
  v1::User user;
  user.set_username("alice");
  user.set_email("alice@example.com");
  user.set_password("correct horse battery");
  user.set_given_name("Alice");
  user.set_family_name("Liddell");
  user.set_display_name("Alice L.");
  user.set_role(v1::User::ROLE_USER);
  user.set_avatar_uri("https://cdn.example.com/a.png");
  user.set_bio("Curious.\nFalls down rabbit holes.");
  user.mutable_birth_date()->set_year(1990);
  user.mutable_birth_date()->set_month(5);
  user.mutable_birth_date()->set_day(4);
  user.mutable_location()->set_latitude(51.75);
  user.mutable_location()->set_longitude(-1.25);
  (*user.mutable_metadata()->mutable_fields())["theme"].set_string_value(
      "dark");
  (*user.mutable_secure_metadata()->mutable_fields())["pin"].set_number_value(
      1234);
  user.mutable_settings()->set_language("en-GB");
  user.mutable_settings()->add_script_types("analytics");
  user.mutable_settings()->add_script_types("ads");
  user.set_time_zone("Europe/Berlin");
  return user;
}

TEST(ValidateUserFieldsTest, AcceptsAValidUserWithEveryColumn) {
  EXPECT_TRUE(Validate(ValidUser(), AllColumns()).ok());
}

TEST(ValidateUserFieldsTest, ChecksOnlyTheGivenColumns) {
  v1::User user;
  user.set_username("x");
  user.set_email("not an email");
  EXPECT_TRUE(Validate(user, Columns({})).ok());
  absl::Status status = Validate(user, Columns({UserColumn::kEmail}));
  EXPECT_THAT(test::ViolatedFields(status), ElementsAre("user.email"));
}

TEST(ValidateUserFieldsTest, ReportsEveryBadFieldWithItsReason) {
  v1::User user = ValidUser();
  user.set_username("ab");
  user.set_email("nope");
  user.set_bio(std::string(301, 'b'));
  user.mutable_location()->set_latitude(91);
  user.mutable_settings()->set_language("en_US");
  absl::Status status = Validate(user, AllColumns());
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(test::Reason(status), "INVALID_FIELD");
  EXPECT_EQ(test::Domain(status), "users.v1");
  EXPECT_THAT(test::ViolatedFields(status),
              ElementsAre("user.username", "user.email", "user.bio",
                          "user.location.latitude", "user.settings.language"));
  EXPECT_THAT(
      test::Metadata(status),
      UnorderedElementsAre(Pair("user.username", "TOO_SHORT"),
                           Pair("user.email", "INVALID_FORMAT"),
                           Pair("user.bio", "TOO_LONG"),
                           Pair("user.location.latitude", "OUT_OF_RANGE"),
                           Pair("user.settings.language", "INVALID_FORMAT")));
}

TEST(ValidateUserFieldsTest, UsesTheGivenPrefix) {
  v1::User user;
  user.set_username("ab");
  FieldViolations violations;
  ValidateUserFields(user, Columns({UserColumn::kUsername}), {}, "",
                     violations);
  EXPECT_THAT(test::ViolatedFields(violations.ToStatus()),
              ElementsAre("username"));
}

// --- time_zone --------------------------------------------------------------

TEST(TimeZoneTest, AcceptsIanaNamesAndEmpty) {
  for (const char* name : {"Europe/Berlin", "America/Argentina/Buenos_Aires",
                           "UTC", "Etc/GMT+5", ""}) {
    v1::User user;
    user.set_time_zone(name);
    EXPECT_TRUE(Validate(user, Columns({UserColumn::kTimeZone})).ok()) << name;
  }
}

TEST(TimeZoneTest, RefusesUnknownOrMalformedNames) {
  for (const char* name :
       {"Europe/Atlantis", "europe berlin", "../../etc/passwd", "/etc/passwd",
        "Europe//Berlin", "Europe/Berlin/", "Europe/Berlin\n", "+01:00"}) {
    v1::User user;
    user.set_time_zone(name);
    absl::Status status = Validate(user, Columns({UserColumn::kTimeZone}));
    EXPECT_EQ(test::Reason(status), "INVALID_FIELD") << name;
    EXPECT_EQ(FieldReason(status, "user.time_zone"), "INVALID_FORMAT") << name;
  }
}

TEST(TimeZoneTest, RefusesOverlongNames) {
  v1::User user;
  user.set_time_zone("Europe/" + std::string(kTimeZoneMax, 'a'));
  absl::Status status = Validate(user, Columns({UserColumn::kTimeZone}));
  EXPECT_EQ(FieldReason(status, "user.time_zone"), "TOO_LONG");
}

// --- username ---------------------------------------------------------------

struct TextCase {
  const char* label;
  std::string value;
  const char* reason;  // "" = valid
};

void PrintTo(const TextCase& c, std::ostream* os) { *os << c.label; }

class UsernameTest : public ::testing::TestWithParam<TextCase> {};

TEST_P(UsernameTest, Checks) {
  v1::User user;
  user.set_username(GetParam().value);
  absl::Status status = Validate(user, Columns({UserColumn::kUsername}));
  EXPECT_EQ(FieldReason(status, "user.username"), GetParam().reason);
  if (*GetParam().reason == '\0') {
    EXPECT_TRUE(status.ok()) << status;
  } else {
    EXPECT_THAT(test::ViolatedFields(status), ElementsAre("user.username"));
  }
}

INSTANTIATE_TEST_SUITE_P(
    Table, UsernameTest,
    ::testing::Values(
        TextCase{"ascii_2", "ab", "TOO_SHORT"}, TextCase{"ascii_3", "abc", ""},
        TextCase{"ascii_120", std::string(120, 'a'), ""},
        TextCase{"ascii_121", std::string(121, 'a'), "TOO_LONG"},
        // Multi-byte characters count as one: 2 four-byte characters are 8
        // bytes but too short; 120 of them (480 bytes) fit.
        TextCase{"emoji_2", Repeat("\xF0\x9F\x98\x80", 2), "TOO_SHORT"},
        TextCase{"emoji_3", Repeat("\xF0\x9F\x98\x80", 3), ""},
        TextCase{"emoji_120", Repeat("\xF0\x9F\x98\x80", 120), ""},
        TextCase{"emoji_121", Repeat("\xF0\x9F\x98\x80", 121), "TOO_LONG"},
        TextCase{"accented_120", Repeat("\xC3\xA9", 120), ""},
        TextCase{"accented_121", Repeat("\xC3\xA9", 121), "TOO_LONG"},
        TextCase{"cjk_3", "\xE7\x8C\xAB\xE7\x8A\xAC\xE9\xB3\xA5", ""},
        TextCase{"nul", std::string("ali\0ce", 6), "INVALID_CHARACTERS"},
        TextCase{"newline", "ali\nce", "INVALID_CHARACTERS"},
        TextCase{"del", "alice\x7F", "INVALID_CHARACTERS"},
        TextCase{"c1", "alice\xC2\x9B", "INVALID_CHARACTERS"},
        TextCase{"invalid_utf8", "alice\xC0\xAF", "INVALID_CHARACTERS"},
        TextCase{"truncated_utf8", "alice\xE2\x82", "INVALID_CHARACTERS"},
        TextCase{"dots_underscores_digits", "Jane.Doe_1990", ""},
        TextCase{"fullwidth", "\xEF\xBC\xA1\xEF\xBC\xAE\xEF\xBC\xAE", ""},
        TextCase{"all_cyrillic", "\xD0\xB0\xD0\xB4\xD0\xBC\xD0\xB8\xD0\xBD",
                 ""},  // админ
        TextCase{"cyrillic_a_in_latin",
                 "\xD0\xB0"
                 "dmin",
                 "MIXED_SCRIPTS"},
        TextCase{"at_sign", "alice@example.com", "INVALID_CHARACTERS"},
        TextCase{"zero_width_space",
                 "ali\xE2\x80\x8B"
                 "ce",
                 "INVALID_CHARACTERS"},
        TextCase{"soft_hyphen",
                 "ali\xC2\xAD"
                 "ce",
                 "INVALID_CHARACTERS"},
        TextCase{"bom",
                 "\xEF\xBB\xBF"
                 "alice",
                 "INVALID_CHARACTERS"},
        TextCase{"right_to_left_override", "alice\xE2\x80\xAE",
                 "INVALID_CHARACTERS"},
        TextCase{"isolate",
                 "\xE2\x81\xA7"
                 "alice",
                 "INVALID_CHARACTERS"},
        // 21 code points that fold to 378 (U+FDFA is 18 letters).
        TextCase{"too_long_folded", Repeat("\xEF\xB7\xBA", 21), "TOO_LONG"}),
    [](const auto& info) { return std::string(info.param.label); });

TEST(UsernameTest, EmptyIsRefused) {
  v1::User user;
  absl::Status status = Validate(user, Columns({UserColumn::kUsername}));
  EXPECT_THAT(FieldReason(status, "user.username"),
              ::testing::AnyOf("REQUIRED", "TOO_SHORT"));
}

TEST(UsernameTest, DescribesTheLimit) {
  v1::User user;
  user.set_username("ab");
  absl::Status status = Validate(user, Columns({UserColumn::kUsername}));
  EXPECT_EQ(test::ViolationDescription(status, "user.username"),
            "length 2 is less than the minimum 3");
  user.set_username(std::string(121, 'a'));
  status = Validate(user, Columns({UserColumn::kUsername}));
  EXPECT_EQ(test::ViolationDescription(status, "user.username"),
            "length 121 is greater than the maximum 120");
}

// --- email ------------------------------------------------------------------

struct EmailCase {
  const char* label;
  std::string email;
  bool valid;
};

void PrintTo(const EmailCase& c, std::ostream* os) { *os << c.label; }

class EmailTest : public ::testing::TestWithParam<EmailCase> {};

TEST_P(EmailTest, Checks) {
  EXPECT_EQ(IsValidEmail(GetParam().email), GetParam().valid);
  v1::User user;
  user.set_email(GetParam().email);
  absl::Status status = Validate(user, Columns({UserColumn::kEmail}));
  EXPECT_EQ(FieldReason(status, "user.email"),
            GetParam().valid ? "" : "INVALID_FORMAT");
}

INSTANTIATE_TEST_SUITE_P(
    Table, EmailTest,
    ::testing::Values(
        EmailCase{"simple", "alice@example.com", true},
        EmailCase{"subdomains", "a.b+tag@mail.example.co.uk", true},
        EmailCase{"upper_case", "ALICE@EXAMPLE.COM", true},
        EmailCase{"hyphen_domain", "user_name@example-domain.org", true},
        EmailCase{"atext_symbols", "o'neil!#$%&*=?^`{|}~@example.com", true},
        EmailCase{"one_letter_labels", "x@a.io", true},
        EmailCase{"digit_labels", "1@2.example", true},
        EmailCase{"local_64", std::string(64, 'l') + "@example.com", true},
        EmailCase{"label_63", "a@" + std::string(63, 'd') + ".com", true},
        EmailCase{"no_at", "alice.example.com", false},
        EmailCase{"no_local", "@example.com", false},
        EmailCase{"no_domain", "alice@", false},
        EmailCase{"single_label_domain", "alice@localhost", false},
        EmailCase{"two_ats", "alice@home@example.com", false},
        EmailCase{"leading_dot", ".alice@example.com", false},
        EmailCase{"trailing_dot_local", "alice.@example.com", false},
        EmailCase{"double_dot_local", "al..ice@example.com", false},
        EmailCase{"quoted_local", "\"alice\"@example.com", false},
        EmailCase{"space_local", "al ice@example.com", false},
        EmailCase{"space_domain", "alice@exam ple.com", false},
        EmailCase{"underscore_domain", "alice@exa_mple.com", false},
        EmailCase{"leading_hyphen_label", "alice@-example.com", false},
        EmailCase{"trailing_hyphen_label", "alice@example-.com", false},
        EmailCase{"empty_label", "alice@example..com", false},
        EmailCase{"leading_dot_domain", "alice@.example.com", false},
        EmailCase{"trailing_dot_domain", "alice@example.com.", false},
        EmailCase{"numeric_tld", "alice@1.2.3.4", false},
        EmailCase{"address_literal", "alice@[127.0.0.1]", false},
        EmailCase{"non_ascii",
                  "al\xC3\xAF"
                  "ce@example.com",
                  false},
        EmailCase{"local_65", std::string(65, 'l') + "@example.com", false},
        EmailCase{"label_64", "a@" + std::string(64, 'd') + ".com", false},
        EmailCase{"nul", std::string("alice\0@example.com", 18), false},
        EmailCase{"newline", "alice@example.com\n", false}),
    [](const auto& info) { return std::string(info.param.label); });

// local (64) + "@" + three labels (63 + 1 + 63 + 1 + last).
std::string EmailOfLength(size_t length) {
  std::string email = std::string(64, 'l') + "@" + std::string(63, 'a') + "." +
                      std::string(63, 'b') + ".";
  email += std::string(length - email.size(), 'c');
  return email;
}

TEST(EmailTest, AcceptsExactly254Characters) {
  std::string email = EmailOfLength(254);
  ASSERT_EQ(email.size(), 254u);
  EXPECT_TRUE(IsValidEmail(email));
  v1::User user;
  user.set_email(email);
  EXPECT_TRUE(Validate(user, Columns({UserColumn::kEmail})).ok());
}

TEST(EmailTest, Refuses255CharactersAsTooLong) {
  std::string email = EmailOfLength(255);
  ASSERT_EQ(email.size(), 255u);
  EXPECT_FALSE(IsValidEmail(email));
  v1::User user;
  user.set_email(email);
  absl::Status status = Validate(user, Columns({UserColumn::kEmail}));
  EXPECT_EQ(FieldReason(status, "user.email"), "TOO_LONG");
}

TEST(EmailTest, RefusesInvisibleCharacters) {
  for (const char* email : {"ali\xE2\x80\x8B"
                            "ce@example.com",
                            "alice@exa\xC2\xAD"
                            "mple.com",
                            "\xE2\x80\xAE"
                            "alice@example.com"}) {
    v1::User user;
    user.set_email(email);
    absl::Status status = Validate(user, Columns({UserColumn::kEmail}));
    EXPECT_EQ(FieldReason(status, "user.email"), "INVALID_CHARACTERS") << email;
  }
}

TEST(EmailTest, EmptyIsRequired) {
  v1::User user;
  absl::Status status = Validate(user, Columns({UserColumn::kEmail}));
  EXPECT_EQ(FieldReason(status, "user.email"), "REQUIRED");
}

// --- password ---------------------------------------------------------------

struct PasswordCase {
  const char* label;
  std::string password;
  PasswordPolicy policy;
  const char* reason;
};

void PrintTo(const PasswordCase& c, std::ostream* os) { *os << c.label; }

class PasswordTest : public ::testing::TestWithParam<PasswordCase> {};

TEST_P(PasswordTest, ChecksThroughTheUser) {
  v1::User user;
  user.set_password(GetParam().password);
  absl::Status status =
      Validate(user, Columns({UserColumn::kPasswordHash}), GetParam().policy);
  EXPECT_EQ(FieldReason(status, "user.password"), GetParam().reason);
  EXPECT_EQ(status.ok(), *GetParam().reason == '\0');
}

TEST_P(PasswordTest, ChecksAlone) {
  FieldViolations violations;
  ValidatePassword(GetParam().password, GetParam().policy, "password",
                   violations);
  EXPECT_EQ(FieldReason(violations.ToStatus(), "password"), GetParam().reason);
}

constexpr PasswordPolicy kDefaultPolicy{};
constexpr PasswordPolicy kCustomPolicy{12, 20};

INSTANTIATE_TEST_SUITE_P(
    Table, PasswordTest,
    ::testing::Values(
        PasswordCase{"default_7", std::string(7, 'p'), kDefaultPolicy,
                     "TOO_SHORT"},
        PasswordCase{"default_8", std::string(8, 'p'), kDefaultPolicy, ""},
        PasswordCase{"default_128", std::string(128, 'p'), kDefaultPolicy, ""},
        PasswordCase{"default_129", std::string(129, 'p'), kDefaultPolicy,
                     "TOO_LONG"},
        PasswordCase{"default_empty", "", kDefaultPolicy, "TOO_SHORT"},
        // Code points, not bytes: 7 emoji are 28 bytes, 128 are 512.
        PasswordCase{"emoji_7", Repeat("\xF0\x9F\x94\x91", 7), kDefaultPolicy,
                     "TOO_SHORT"},
        PasswordCase{"emoji_8", Repeat("\xF0\x9F\x94\x91", 8), kDefaultPolicy,
                     ""},
        PasswordCase{"emoji_128", Repeat("\xF0\x9F\x94\x91", 128),
                     kDefaultPolicy, ""},
        PasswordCase{"emoji_129", Repeat("\xF0\x9F\x94\x91", 129),
                     kDefaultPolicy, "TOO_LONG"},
        PasswordCase{"spaces_allowed", "correct horse battery staple",
                     kDefaultPolicy, ""},
        PasswordCase{"nul", std::string("password\0x", 10), kDefaultPolicy,
                     "INVALID_CHARACTERS"},
        PasswordCase{"tab", "pass\tword", kDefaultPolicy, "INVALID_CHARACTERS"},
        PasswordCase{"invalid_utf8", "password\xFF", kDefaultPolicy,
                     "INVALID_CHARACTERS"},
        PasswordCase{"custom_11", std::string(11, 'p'), kCustomPolicy,
                     "TOO_SHORT"},
        PasswordCase{"custom_12", std::string(12, 'p'), kCustomPolicy, ""},
        PasswordCase{"custom_20", std::string(20, 'p'), kCustomPolicy, ""},
        PasswordCase{"custom_21", std::string(21, 'p'), kCustomPolicy,
                     "TOO_LONG"},
        PasswordCase{"custom_8_below_project_min", std::string(8, 'p'),
                     kCustomPolicy, "TOO_SHORT"}),
    [](const auto& info) { return std::string(info.param.label); });

TEST(PasswordTest, RefusesRatherThanTruncates) {
  // The first 128 characters alone are acceptable; one more must not be cut
  // off silently.
  std::string password = std::string(128, 'p');
  FieldViolations accepted;
  ValidatePassword(password, {}, "user.password", accepted);
  EXPECT_TRUE(accepted.empty());
  FieldViolations refused;
  ValidatePassword(password + "!", {}, "user.password", refused);
  absl::Status status = refused.ToStatus();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(test::ViolationDescription(status, "user.password"),
            "length 129 is greater than the maximum 128");
}

TEST(PasswordTest, NeverEchoesThePassword) {
  v1::User user;
  user.set_password("sh0rt");
  absl::Status status = Validate(user, Columns({UserColumn::kPasswordHash}));
  EXPECT_EQ(status.message().find("sh0rt"), absl::string_view::npos);
  EXPECT_EQ(test::ViolationDescription(status, "user.password").find("sh0rt"),
            std::string::npos);
}

// --- names, role ------------------------------------------------------------

TEST(NamesTest, AllowEmptyAndUpTo200CodePoints) {
  for (UserColumn column : {UserColumn::kGivenName, UserColumn::kFamilyName,
                            UserColumn::kDisplayName}) {
    v1::User user;
    EXPECT_TRUE(Validate(user, Columns({column})).ok());
    user.set_given_name(Repeat("\xC3\xA9", 200));
    user.set_family_name(Repeat("\xC3\xA9", 200));
    user.set_display_name(Repeat("\xC3\xA9", 200));
    EXPECT_TRUE(Validate(user, Columns({column})).ok());
  }
  v1::User user;
  user.set_given_name(std::string(201, 'g'));
  user.set_family_name(std::string(201, 'f'));
  user.set_display_name(std::string("a\x01", 2));
  absl::Status status =
      Validate(user, Columns({UserColumn::kGivenName, UserColumn::kFamilyName,
                              UserColumn::kDisplayName}));
  EXPECT_THAT(
      test::Metadata(status),
      UnorderedElementsAre(Pair("user.given_name", "TOO_LONG"),
                           Pair("user.family_name", "TOO_LONG"),
                           Pair("user.display_name", "INVALID_CHARACTERS")));
}

TEST(RoleTest, RequiresAKnownRole) {
  v1::User user;
  EXPECT_EQ(
      FieldReason(Validate(user, Columns({UserColumn::kRole})), "user.role"),
      "REQUIRED");
  user.set_role(static_cast<v1::User::Role>(7));
  EXPECT_EQ(
      FieldReason(Validate(user, Columns({UserColumn::kRole})), "user.role"),
      "OUT_OF_RANGE");
  user.set_role(v1::User::ROLE_ADMIN);
  EXPECT_TRUE(Validate(user, Columns({UserColumn::kRole})).ok());
  user.set_role(v1::User::ROLE_USER);
  EXPECT_TRUE(Validate(user, Columns({UserColumn::kRole})).ok());
}

// --- avatar_uri -------------------------------------------------------------

class AvatarUriTest : public ::testing::TestWithParam<TextCase> {};

TEST_P(AvatarUriTest, Checks) {
  v1::User user;
  user.set_avatar_uri(GetParam().value);
  absl::Status status = Validate(user, Columns({UserColumn::kAvatarUri}));
  EXPECT_EQ(FieldReason(status, "user.avatar_uri"), GetParam().reason);
  EXPECT_EQ(status.ok(), *GetParam().reason == '\0');
  if (*GetParam().reason == '\0' && !GetParam().value.empty()) {
    EXPECT_TRUE(IsAbsoluteHttpUrl(GetParam().value));
  }
}

INSTANTIATE_TEST_SUITE_P(
    Table, AvatarUriTest,
    ::testing::Values(
        TextCase{"empty_clears", "", ""},
        TextCase{"https", "https://cdn.example.com/a.png", ""},
        TextCase{"http", "http://example.com", ""},
        TextCase{"upper_scheme", "HTTPS://EXAMPLE.COM/A.PNG", ""},
        TextCase{"userinfo_port_query", "https://u@example.com:8443/a?b=1#c",
                 ""},
        TextCase{"ipv6", "http://[::1]:8080/a.png", ""},
        TextCase{"ftp", "ftp://example.com/a.png", "INVALID_FORMAT"},
        TextCase{"javascript", "javascript:alert(1)", "INVALID_FORMAT"},
        TextCase{"data", "data:image/png;base64,AAAA", "INVALID_FORMAT"},
        TextCase{"mailto", "mailto:alice@example.com", "INVALID_FORMAT"},
        TextCase{"relative_path", "avatars/a.png", "INVALID_FORMAT"},
        TextCase{"absolute_path", "/avatars/a.png", "INVALID_FORMAT"},
        TextCase{"scheme_relative", "//example.com/a.png", "INVALID_FORMAT"},
        TextCase{"no_host", "https://", "INVALID_FORMAT"},
        TextCase{"no_host_path", "http:///a.png", "INVALID_FORMAT"},
        TextCase{"space", "https://exa mple.com/a.png", "INVALID_FORMAT"},
        TextCase{"bad_port", "https://example.com:80a/", "INVALID_FORMAT"},
        TextCase{"scheme_only_prefix", "httpsx://example.com",
                 "INVALID_FORMAT"},
        TextCase{"nul", std::string("https://e.com/\0", 15),
                 "INVALID_CHARACTERS"},
        TextCase{"too_long", "https://example.com/" + std::string(2029, 'a'),
                 "TOO_LONG"}),
    [](const auto& info) { return std::string(info.param.label); });

TEST(AvatarUriTest, AcceptsExactly2048Characters) {
  v1::User user;
  user.set_avatar_uri("https://example.com/" + std::string(2028, 'a'));
  ASSERT_EQ(user.avatar_uri().size(), 2048u);
  EXPECT_TRUE(Validate(user, Columns({UserColumn::kAvatarUri})).ok());
}

// --- bio
// ----------------------------------------------------------------------

class BioTest : public ::testing::TestWithParam<TextCase> {};

TEST_P(BioTest, Checks) {
  v1::User user;
  user.set_bio(GetParam().value);
  absl::Status status = Validate(user, Columns({UserColumn::kBio}));
  EXPECT_EQ(FieldReason(status, "user.bio"), GetParam().reason);
  EXPECT_EQ(status.ok(), *GetParam().reason == '\0');
}

INSTANTIATE_TEST_SUITE_P(
    Table, BioTest,
    ::testing::Values(
        TextCase{"empty", "", ""},
        TextCase{"ascii_300", std::string(300, 'b'), ""},
        TextCase{"ascii_301", std::string(301, 'b'), "TOO_LONG"},
        TextCase{"emoji_300", Repeat("\xF0\x9F\x90\x87", 300), ""},
        TextCase{"emoji_301", Repeat("\xF0\x9F\x90\x87", 301), "TOO_LONG"},
        TextCase{"multi_line", "line one\r\nline two\n\tindented", ""},
        TextCase{"nul", std::string("bio\0", 4), "INVALID_CHARACTERS"},
        TextCase{"escape", "bio\x1B[0m", "INVALID_CHARACTERS"},
        TextCase{"invalid_utf8", "bio\xED\xA0\x80", "INVALID_CHARACTERS"}),
    [](const auto& info) { return std::string(info.param.label); });

// --- birth_date
// ---------------------------------------------------------------

struct DateCase {
  const char* label;
  int year;
  int month;
  int day;
  const char* reason;
};

void PrintTo(const DateCase& c, std::ostream* os) { *os << c.label; }

class BirthDateTest : public ::testing::TestWithParam<DateCase> {};

TEST_P(BirthDateTest, Checks) {
  v1::User user;
  user.mutable_birth_date()->set_year(GetParam().year);
  user.mutable_birth_date()->set_month(GetParam().month);
  user.mutable_birth_date()->set_day(GetParam().day);
  absl::Status status = Validate(user, Columns({UserColumn::kBirthDate}));
  EXPECT_EQ(FieldReason(status, "user.birth_date"), GetParam().reason);
  EXPECT_EQ(status.ok(), *GetParam().reason == '\0');
}

INSTANTIATE_TEST_SUITE_P(
    Table, BirthDateTest,
    ::testing::Values(DateCase{"ordinary", 1990, 5, 4, ""},
                      DateCase{"year_end", 1999, 12, 31, ""},
                      DateCase{"leap_day", 2000, 2, 29, ""},
                      DateCase{"leap_day_2004", 2004, 2, 29, ""},
                      DateCase{"not_leap_2023", 2023, 2, 29, "INVALID_FORMAT"},
                      DateCase{"not_leap_1900", 1900, 2, 29, "INVALID_FORMAT"},
                      DateCase{"feb_30", 2000, 2, 30, "INVALID_FORMAT"},
                      DateCase{"apr_31", 2001, 4, 31, "INVALID_FORMAT"},
                      DateCase{"month_13", 2001, 13, 1, "INVALID_FORMAT"},
                      DateCase{"month_0", 2001, 0, 10, "INVALID_FORMAT"},
                      DateCase{"day_0", 2001, 1, 0, "INVALID_FORMAT"},
                      DateCase{"day_32", 2001, 1, 32, "INVALID_FORMAT"},
                      DateCase{"year_0", 0, 1, 1, "INVALID_FORMAT"},
                      DateCase{"negative_month", 2001, -1, 1, "INVALID_FORMAT"},
                      DateCase{"far_future", 9999, 12, 31, "OUT_OF_RANGE"}),
    [](const auto& info) { return std::string(info.param.label); });

TEST(BirthDateTest, RefusesNextYearAndAcceptsLastYear) {
  std::time_t now = std::time(nullptr);
  std::tm today;
  gmtime_r(&now, &today);
  int year = today.tm_year + 1900;
  v1::User user;
  user.mutable_birth_date()->set_year(year + 1);
  user.mutable_birth_date()->set_month(1);
  user.mutable_birth_date()->set_day(1);
  EXPECT_EQ(FieldReason(Validate(user, Columns({UserColumn::kBirthDate})),
                        "user.birth_date"),
            "OUT_OF_RANGE");
  user.mutable_birth_date()->set_year(year - 1);
  user.mutable_birth_date()->set_month(12);
  user.mutable_birth_date()->set_day(31);
  EXPECT_TRUE(Validate(user, Columns({UserColumn::kBirthDate})).ok());
}

TEST(BirthDateTest, UnsetClears) {
  v1::User user;
  EXPECT_TRUE(Validate(user, Columns({UserColumn::kBirthDate})).ok());
}

// --- location
// -----------------------------------------------------------------

struct LocationCase {
  const char* label;
  double latitude;
  double longitude;
  bool latitude_ok;
  bool longitude_ok;
};

void PrintTo(const LocationCase& c, std::ostream* os) { *os << c.label; }

class LocationTest : public ::testing::TestWithParam<LocationCase> {};

TEST_P(LocationTest, Checks) {
  const LocationCase& c = GetParam();
  v1::User user;
  user.mutable_location()->set_latitude(c.latitude);
  user.mutable_location()->set_longitude(c.longitude);
  absl::Status status = Validate(user, Columns({UserColumn::kLocation}));
  EXPECT_EQ(FieldReason(status, "user.location.latitude"),
            c.latitude_ok ? "" : "OUT_OF_RANGE");
  EXPECT_EQ(FieldReason(status, "user.location.longitude"),
            c.longitude_ok ? "" : "OUT_OF_RANGE");
  EXPECT_EQ(test::ViolatedFields(status).size(),
            (c.latitude_ok ? 0u : 1u) + (c.longitude_ok ? 0u : 1u));
}

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

INSTANTIATE_TEST_SUITE_P(
    Table, LocationTest,
    ::testing::Values(LocationCase{"origin", 0, 0, true, true},
                      LocationCase{"max_corner", 90, 180, true, true},
                      LocationCase{"min_corner", -90, -180, true, true},
                      LocationCase{"latitude_above", 90.000001, 0, false, true},
                      LocationCase{"latitude_below", -90.5, 0, false, true},
                      LocationCase{"longitude_above", 0, 180.1, true, false},
                      LocationCase{"longitude_below", 0, -181, true, false},
                      LocationCase{"latitude_nan", kNaN, 10, false, true},
                      LocationCase{"longitude_nan", 10, kNaN, true, false},
                      LocationCase{"both_nan", kNaN, kNaN, false, false},
                      LocationCase{"infinities", kInf, -kInf, false, false}),
    [](const auto& info) { return std::string(info.param.label); });

// --- metadata
// -----------------------------------------------------------------

// A Struct {"k": "<n a's>"}: its JSON form {"k":"aaa..."} is n + 8 bytes.
google::protobuf::Struct StructOfJsonSize(size_t bytes) {
  google::protobuf::Struct object;
  (*object.mutable_fields())["k"].set_string_value(std::string(bytes - 8, 'a'));
  return object;
}

TEST(MetadataTest, AcceptsExactly16KiB) {
  for (UserColumn column :
       {UserColumn::kMetadata, UserColumn::kSecureMetadata}) {
    v1::User user;
    *user.mutable_metadata() = StructOfJsonSize(size_t{16} * 1024);
    *user.mutable_secure_metadata() = StructOfJsonSize(size_t{16} * 1024);
    EXPECT_TRUE(Validate(user, Columns({column})).ok());
  }
}

TEST(MetadataTest, RefusesOneByteMoreAsTooLarge) {
  v1::User user;
  *user.mutable_metadata() = StructOfJsonSize(16 * 1024 + 1);
  *user.mutable_secure_metadata() = StructOfJsonSize(16 * 1024 + 1);
  absl::Status status = Validate(
      user, Columns({UserColumn::kMetadata, UserColumn::kSecureMetadata}));
  EXPECT_THAT(test::Metadata(status),
              UnorderedElementsAre(Pair("user.metadata", "TOO_LARGE"),
                                   Pair("user.secure_metadata", "TOO_LARGE")));
}

TEST(MetadataTest, RefusesNulAnywhere) {
  const std::string with_nul("a\0b", 3);
  google::protobuf::Struct in_value;
  (*in_value.mutable_fields())["k"].set_string_value(with_nul);
  google::protobuf::Struct in_key;
  (*in_key.mutable_fields())[with_nul].set_bool_value(true);
  google::protobuf::Struct in_nested_list;
  auto* list = (*in_nested_list.mutable_fields())["outer"]
                   .mutable_struct_value()
                   ->mutable_fields();
  auto* values = (*list)["items"].mutable_list_value();
  values->add_values()->set_number_value(1);
  values->add_values()->set_string_value(with_nul);
  for (const auto* object : {&in_value, &in_key, &in_nested_list}) {
    v1::User user;
    *user.mutable_metadata() = *object;
    *user.mutable_secure_metadata() = *object;
    absl::Status status = Validate(
        user, Columns({UserColumn::kMetadata, UserColumn::kSecureMetadata}));
    EXPECT_THAT(test::Metadata(status),
                UnorderedElementsAre(
                    Pair("user.metadata", "INVALID_CHARACTERS"),
                    Pair("user.secure_metadata", "INVALID_CHARACTERS")));
  }
}

TEST(MetadataTest, RefusesNaNAndInfinity) {
  for (double number : {kNaN, kInf, -kInf}) {
    v1::User user;
    (*user.mutable_metadata()->mutable_fields())["x"].set_number_value(number);
    (*user.mutable_secure_metadata()->mutable_fields())["x"]
        .mutable_list_value()
        ->add_values()
        ->set_number_value(number);
    absl::Status status = Validate(
        user, Columns({UserColumn::kMetadata, UserColumn::kSecureMetadata}));
    EXPECT_THAT(
        test::Metadata(status),
        UnorderedElementsAre(Pair("user.metadata", "INVALID_FORMAT"),
                             Pair("user.secure_metadata", "INVALID_FORMAT")));
  }
}

TEST(MetadataTest, RefusesControlCharactersInKeys) {
  v1::User user;
  (*user.mutable_metadata()->mutable_fields())["a\x01b"].set_bool_value(true);
  absl::Status status = Validate(user, Columns({UserColumn::kMetadata}));
  EXPECT_THAT(
      test::Metadata(status),
      UnorderedElementsAre(Pair("user.metadata", "INVALID_CHARACTERS")));
}

TEST(MetadataTest, AcceptsNestedValues) {
  v1::User user;
  auto& fields = *user.mutable_metadata()->mutable_fields();
  fields["theme"].set_string_value("dark");
  fields["count"].set_number_value(3);
  fields["none"].set_null_value(google::protobuf::NULL_VALUE);
  fields["list"].mutable_list_value()->add_values()->set_bool_value(false);
  EXPECT_TRUE(Validate(user, Columns({UserColumn::kMetadata})).ok());
}

// --- settings
// -----------------------------------------------------------------

class LanguageTest : public ::testing::TestWithParam<TextCase> {};

TEST_P(LanguageTest, Checks) {
  v1::User user;
  user.mutable_settings()->set_language(GetParam().value);
  absl::Status status = Validate(user, Columns({UserColumn::kLanguage}));
  EXPECT_EQ(FieldReason(status, "user.settings.language"), GetParam().reason);
  EXPECT_EQ(status.ok(), *GetParam().reason == '\0');
}

INSTANTIATE_TEST_SUITE_P(
    Table, LanguageTest,
    ::testing::Values(
        TextCase{"empty_clears", "", ""}, TextCase{"en", "en", ""},
        TextCase{"pt_BR", "pt-BR", ""},
        TextCase{"zh_Hant_TW", "zh-Hant-TW", ""},
        TextCase{"es_419", "es-419", ""},
        TextCase{"max_35", "abcdefgh-abcdefgh-abcdefgh-abcdefgh", ""},
        TextCase{"over_35", "abcdefgh-abcdefgh-abcdefgh-abcdefgh-a",
                 "TOO_LONG"},
        TextCase{"underscore", "en_US", "INVALID_FORMAT"},
        TextCase{"leading_hyphen", "-en", "INVALID_FORMAT"},
        TextCase{"trailing_hyphen", "en-", "INVALID_FORMAT"},
        TextCase{"double_hyphen", "en--US", "INVALID_FORMAT"},
        TextCase{"subtag_over_8", "en-abcdefghi", "INVALID_FORMAT"},
        TextCase{"space", "en US", "INVALID_FORMAT"},
        TextCase{"non_ascii", "\xC3\xA9n", "INVALID_FORMAT"},
        TextCase{"nul", std::string("en\0", 3), "INVALID_FORMAT"}),
    [](const auto& info) { return std::string(info.param.label); });

TEST(ScriptTypesTest, AcceptsDistinctItemsUpTo16) {
  v1::User user;
  for (int i = 0; i < 16; ++i) {
    user.mutable_settings()->add_script_types("type" + std::to_string(i));
  }
  user.mutable_settings()->set_script_types(15, std::string(64, 's'));
  EXPECT_TRUE(Validate(user, Columns({UserColumn::kScriptTypes})).ok());
}

TEST(ScriptTypesTest, Refuses17Items) {
  v1::User user;
  for (int i = 0; i < 17; ++i) {
    user.mutable_settings()->add_script_types("type" + std::to_string(i));
  }
  absl::Status status = Validate(user, Columns({UserColumn::kScriptTypes}));
  EXPECT_THAT(test::Metadata(status),
              ElementsAre(Pair("user.settings.script_types", "TOO_LONG")));
}

TEST(ScriptTypesTest, NamesTheRepeatedItem) {
  v1::User user;
  user.mutable_settings()->add_script_types("analytics");
  user.mutable_settings()->add_script_types("ads");
  user.mutable_settings()->add_script_types("analytics");
  absl::Status status = Validate(user, Columns({UserColumn::kScriptTypes}));
  EXPECT_THAT(
      test::Metadata(status),
      ElementsAre(Pair("user.settings.script_types[2]", "DUPLICATE_ITEM")));
}

TEST(ScriptTypesTest, ChecksEachItem) {
  struct Case {
    std::string item;
    const char* reason;
  };
  for (const Case& c :
       {Case{"", "REQUIRED"}, Case{std::string(65, 's'), "TOO_LONG"},
        Case{"a\nb", "INVALID_CHARACTERS"},
        Case{"\xFF", "INVALID_CHARACTERS"}}) {
    v1::User user;
    user.mutable_settings()->add_script_types("ok");
    user.mutable_settings()->add_script_types(c.item);
    absl::Status status = Validate(user, Columns({UserColumn::kScriptTypes}));
    EXPECT_THAT(test::Metadata(status),
                ElementsAre(Pair("user.settings.script_types[1]", c.reason)))
        << c.item;
  }
}

absl::Status ValidateSuspensionAt(const std::string& reason,
                                  const google::protobuf::Timestamp* expire,
                                  int64_t now_micros) {
  v1::SuspendUserRequest request;
  request.set_reason(reason);
  if (expire != nullptr) *request.mutable_expire_time() = *expire;
  FieldViolations violations;
  ValidateSuspension(request, now_micros, violations);
  return violations.ToStatus();
}

TEST(ValidateSuspensionTest, ReasonIsOneToFiveHundredCodePointsOfText) {
  EXPECT_TRUE(ValidateSuspensionAt("x", nullptr, 0).ok());
  EXPECT_TRUE(
      ValidateSuspensionAt(Repeat("\xF0\x9F\x94\x92", 500), nullptr, 0).ok());
  struct Case {
    std::string reason;
    const char* field_reason;
  };
  for (const Case& c :
       {Case{"", "REQUIRED"}, Case{Repeat("\xC3\xA9", 501), "TOO_LONG"},
        Case{"tab\there", "INVALID_CHARACTERS"},
        Case{std::string("nul\0here", 8), "INVALID_CHARACTERS"},
        Case{"bad \xFF utf-8", "INVALID_CHARACTERS"}}) {
    absl::Status status = ValidateSuspensionAt(c.reason, nullptr, 0);
    EXPECT_THAT(test::Metadata(status),
                ElementsAre(Pair("reason", c.field_reason)))
        << c.reason;
  }
}

TEST(ValidateSuspensionTest, AnEndMustBeAValidTimeInTheFuture) {
  const int64_t now = 1700000000123456;
  google::protobuf::Timestamp later;
  later.set_seconds(1700000000);
  later.set_nanos(123457000);
  EXPECT_TRUE(ValidateSuspensionAt("r", &later, now).ok());

  google::protobuf::Timestamp same = later;
  same.set_nanos(123456999);  // the same microsecond
  google::protobuf::Timestamp negative_nanos = later;
  negative_nanos.set_nanos(-1);
  google::protobuf::Timestamp year_10000;
  year_10000.set_seconds(253402300800);
  struct Case {
    google::protobuf::Timestamp expire;
    const char* field_reason;
  };
  for (const Case& c : {Case{same, "OUT_OF_RANGE"},
                        Case{google::protobuf::Timestamp(), "OUT_OF_RANGE"},
                        Case{negative_nanos, "INVALID_FORMAT"},
                        Case{year_10000, "INVALID_FORMAT"}}) {
    absl::Status status = ValidateSuspensionAt("r", &c.expire, now);
    EXPECT_THAT(test::Metadata(status),
                ElementsAre(Pair("expire_time", c.field_reason)))
        << c.expire.ShortDebugString();
  }
  // Both fields are reported at once.
  absl::Status both = ValidateSuspensionAt("", &same, now);
  EXPECT_THAT(test::Metadata(both),
              UnorderedElementsAre(Pair("reason", "REQUIRED"),
                                   Pair("expire_time", "OUT_OF_RANGE")));
}

}  // namespace
}  // namespace users
