#include "services/users/identifier_keys.h"

#include <ostream>
#include <string>

#include "gtest/gtest.h"

namespace users {
namespace {

struct KeyCase {
  const char* label;
  std::string identifier;
  std::string key;
};

void PrintTo(const KeyCase& c, std::ostream* os) { *os << c.label; }

class IdentifierKeyTest : public ::testing::TestWithParam<KeyCase> {};

TEST_P(IdentifierKeyTest, IsTheNfkcCasefoldForm) {
  EXPECT_EQ(IdentifierKey(GetParam().identifier), GetParam().key);
}

INSTANTIATE_TEST_SUITE_P(
    Table, IdentifierKeyTest,
    ::testing::Values(
        KeyCase{"lower_ascii", "ann", "ann"},
        KeyCase{"upper_ascii", "ANN", "ann"},
        KeyCase{"mixed_case", "Jane.Doe_42", "jane.doe_42"},
        KeyCase{"fullwidth", "\xEF\xBC\xA1\xEF\xBC\xAE\xEF\xBC\xAE", "ann"},
        KeyCase{"nfc_jose", "Jos\xC3\xA9", "jos\xC3\xA9"},
        KeyCase{"nfd_jose", "Jose\xCC\x81", "jos\xC3\xA9"},
        KeyCase{"sharp_s",
                "Stra\xC3\x9F"
                "e",
                "strasse"},
        KeyCase{"final_sigma", "\xCE\xA3\xCE\xBF\xCF\x82",
                "\xCF\x83\xCE\xBF\xCF\x83"},
        KeyCase{"cyrillic_upper", "\xD0\x90\xD0\x94\xD0\x9C",
                "\xD0\xB0\xD0\xB4\xD0\xBC"},  // АДМ -> адм
        KeyCase{"zero_width_dropped", "an\xE2\x80\x8Bn", "ann"},
        KeyCase{"soft_hyphen_dropped", "an\xC2\xADn", "ann"},
        KeyCase{"email", "Ann@Example.COM", "ann@example.com"},
        KeyCase{"fullwidth_at",
                "ann\xEF\xBC\xA0"
                "example.com",
                "ann@example.com"},
        KeyCase{"empty", "", ""},
        KeyCase{"invalid_utf8_unchanged", "AN\xC0\xAF", "AN\xC0\xAF"},
        KeyCase{"truncated_utf8_unchanged", "Ann\xE2\x82", "Ann\xE2\x82"}),
    [](const auto& info) { return std::string(info.param.label); });

TEST(IdentifierKeyTest, KeepsDifferentLettersApart) {
  EXPECT_NE(IdentifierKey("ann"), IdentifierKey("anna"));
  // A Cyrillic "а" is not the Latin "a": confusables are refused by the
  // username rules, not merged by the key.
  EXPECT_NE(IdentifierKey("\xD0\xB0"
                          "dmin"),
            IdentifierKey("admin"));
}

TEST(IdentifierKeyTest, IsStable) {
  const std::string once = IdentifierKey("\xEF\xBC\xA1nn\xC3\x89");
  EXPECT_EQ(IdentifierKey(once), once);
}

}  // namespace
}  // namespace users
