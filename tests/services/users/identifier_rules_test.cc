#include "services/users/identifier_rules.h"

#include <ostream>
#include <string>

#include "gtest/gtest.h"

namespace users {
namespace {

// --- NfcNormalize
// -------------------------------------------------------------

TEST(NfcNormalizeTest, ComposesDecomposedText) {
  EXPECT_EQ(NfcNormalize("Jose\xCC\x81"), "Jos\xC3\xA9");
  EXPECT_EQ(NfcNormalize("Jos\xC3\xA9"), "Jos\xC3\xA9");
}

TEST(NfcNormalizeTest, KeepsCaseAndWidth) {
  EXPECT_EQ(NfcNormalize("Ann"), "Ann");
  EXPECT_EQ(NfcNormalize("\xEF\xBC\xA1\xEF\xBC\xAE\xEF\xBC\xAE"),
            "\xEF\xBC\xA1\xEF\xBC\xAE\xEF\xBC\xAE");
}

TEST(NfcNormalizeTest, ReordersCombiningMarks) {
  // a + dot below (ccc 220) + acute (ccc 230) is canonical; the other order
  // composes to the same string.
  EXPECT_EQ(NfcNormalize("a\xCC\x81\xCC\xA3"),
            NfcNormalize("a\xCC\xA3\xCC\x81"));
}

TEST(NfcNormalizeTest, LeavesInvalidUtf8Unchanged) {
  EXPECT_EQ(NfcNormalize("pass\xC0\xAF"), "pass\xC0\xAF");
  EXPECT_EQ(NfcNormalize(""), "");
}

// --- FindUsernameFlaw
// ---------------------------------------------------------

struct FlawCase {
  const char* label;
  std::string username;
  UsernameFlaw flaw;
};

void PrintTo(const FlawCase& c, std::ostream* os) { *os << c.label; }

class FindUsernameFlawTest : public ::testing::TestWithParam<FlawCase> {};

TEST_P(FindUsernameFlawTest, Finds) {
  EXPECT_EQ(FindUsernameFlaw(GetParam().username), GetParam().flaw);
}

INSTANTIATE_TEST_SUITE_P(
    Table, FindUsernameFlawTest,
    ::testing::Values(
        FlawCase{"ascii", "ann", UsernameFlaw::kNone},
        FlawCase{"underscore", "medama_user", UsernameFlaw::kNone},
        FlawCase{"dot_and_case", "Jane.Doe", UsernameFlaw::kNone},
        FlawCase{"digits", "user_2024.x9", UsernameFlaw::kNone},
        FlawCase{"hyphen_plus", "a-b+c", UsernameFlaw::kNone},
        FlawCase{"fullwidth_latin", "\xEF\xBC\xA1\xEF\xBC\xAE\xEF\xBC\xAE",
                 UsernameFlaw::kNone},
        FlawCase{"accented_nfc", "Jos\xC3\xA9", UsernameFlaw::kNone},
        FlawCase{"accented_nfd", "Jose\xCC\x81", UsernameFlaw::kNone},
        FlawCase{"all_cyrillic", "\xD0\xB0\xD0\xB4\xD0\xBC\xD0\xB8\xD0\xBD",
                 UsernameFlaw::kNone},  // админ
        FlawCase{"all_greek", "\xCE\xB1\xCE\xB2\xCE\xB3", UsernameFlaw::kNone},
        FlawCase{"cjk", "\xE7\x8C\xAB\xE7\x8A\xAC\xE9\xB3\xA5",
                 UsernameFlaw::kNone},
        FlawCase{"latin_and_han", "tanaka\xE7\x94\xB0\xE4\xB8\xAD",
                 UsernameFlaw::kNone},
        FlawCase{"emoji", "ann\xF0\x9F\x98\x80", UsernameFlaw::kNone},
        FlawCase{"cyrillic_a_in_latin",
                 "\xD0\xB0"
                 "dmin",
                 UsernameFlaw::kMixedScripts},  // аdmin
        FlawCase{"greek_alpha_in_latin",
                 "\xCE\xB1"
                 "dmin",
                 UsernameFlaw::kMixedScripts},
        FlawCase{"latin_o_in_cyrillic",
                 "\xD0\xB0\xD0\xB4\xD0\xBC"
                 "o",
                 UsernameFlaw::kMixedScripts},
        FlawCase{"mixed_digit_systems", "user1\xD9\xA2",
                 UsernameFlaw::kMixedScripts},  // 1 and Arabic-Indic 2
        FlawCase{"at_sign", "ann@example.com", UsernameFlaw::kAtSign},
        FlawCase{"fullwidth_at", "ann\xEF\xBC\xA0x", UsernameFlaw::kAtSign},
        FlawCase{"small_at", "ann\xEF\xB9\xABx", UsernameFlaw::kAtSign},
        FlawCase{"soft_hyphen", "an\xC2\xADn", UsernameFlaw::kDefaultIgnorable},
        FlawCase{"zero_width_space", "an\xE2\x80\x8Bn",
                 UsernameFlaw::kDefaultIgnorable},
        FlawCase{"zero_width_joiner", "an\xE2\x80\x8Dn",
                 UsernameFlaw::kDefaultIgnorable},
        FlawCase{"word_joiner", "an\xE2\x81\xA0n",
                 UsernameFlaw::kDefaultIgnorable},
        FlawCase{"invisible_plus", "an\xE2\x81\xA4n",
                 UsernameFlaw::kDefaultIgnorable},
        FlawCase{"bom",
                 "\xEF\xBB\xBF"
                 "ann",
                 UsernameFlaw::kDefaultIgnorable},
        FlawCase{"variation_selector", "ann\xEF\xB8\x8F",
                 UsernameFlaw::kDefaultIgnorable},
        FlawCase{"lrm", "ann\xE2\x80\x8E", UsernameFlaw::kBidiControl},
        FlawCase{"rlo",
                 "\xE2\x80\xAE"
                 "nna",
                 UsernameFlaw::kBidiControl},
        FlawCase{"lri",
                 "\xE2\x81\xA6"
                 "ann",
                 UsernameFlaw::kBidiControl},
        FlawCase{"pdi", "ann\xE2\x81\xA9", UsernameFlaw::kBidiControl},
        FlawCase{"nul", std::string("an\0n", 4),
                 UsernameFlaw::kControlCharacter},
        FlawCase{"tab", "an\tn", UsernameFlaw::kControlCharacter},
        FlawCase{"c1", "ann\xC2\x85", UsernameFlaw::kControlCharacter},
        FlawCase{"invalid_utf8", "ann\xC0\xAF", UsernameFlaw::kInvalidUtf8}),
    [](const auto& info) { return std::string(info.param.label); });

// One U+FDFA folds to 18 letters (and spaces): 20 of them are a short name
// with a 360-code-point key, 21 one too many.
TEST(FindUsernameFlawTest, BoundsTheLengthOfTheFoldedForm) {
  std::string twenty;
  for (int i = 0; i < 20; ++i) twenty += "\xEF\xB7\xBA";
  EXPECT_EQ(FindUsernameFlaw(twenty), UsernameFlaw::kNone);
  EXPECT_EQ(FindUsernameFlaw(twenty + "\xEF\xB7\xBA"),
            UsernameFlaw::kKeyTooLong);
  EXPECT_EQ(FindUsernameFlaw(std::string(kUsernameKeyMax, 'a')),
            UsernameFlaw::kNone);
}

// --- HasDefaultIgnorable
// --------------------------------------------------------

TEST(HasDefaultIgnorableTest, FindsInvisibleCharacters) {
  EXPECT_TRUE(HasDefaultIgnorable("ann\xE2\x80\x8B@example.com"));
  EXPECT_TRUE(
      HasDefaultIgnorable("\xEF\xBB\xBF"
                          "ann@example.com"));
  EXPECT_TRUE(HasDefaultIgnorable("ann@example.com\xE2\x80\xAE"));
  EXPECT_FALSE(HasDefaultIgnorable("ann@example.com"));
  EXPECT_FALSE(HasDefaultIgnorable("Jos\xC3\xA9"));
  EXPECT_FALSE(HasDefaultIgnorable("bad\xC0\xAF"));
}

}  // namespace
}  // namespace users
