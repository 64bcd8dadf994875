#include "services/users/text_checks.h"

#include <optional>
#include <ostream>
#include <string>

#include "gtest/gtest.h"

namespace users {
namespace {

struct CountCase {
  const char* label;
  std::string text;
  std::optional<size_t> expected;
};

void PrintTo(const CountCase& c, std::ostream* os) { *os << c.label; }

class CountCodePointsTest : public ::testing::TestWithParam<CountCase> {};

TEST_P(CountCodePointsTest, CountsOrRefuses) {
  const CountCase& c = GetParam();
  EXPECT_EQ(CountCodePoints(c.text), c.expected) << c.label;
}

INSTANTIATE_TEST_SUITE_P(
    Table, CountCodePointsTest,
    ::testing::Values(
        CountCase{"empty", "", 0}, CountCase{"ascii", "abc", 3},
        CountCase{"two_byte", "\xC3\xA9", 1},           // é
        CountCase{"three_byte", "\xE2\x82\xAC", 1},     // €
        CountCase{"four_byte", "\xF0\x9F\x98\x80", 1},  // 😀
        CountCase{"mixed", "a\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80z", 5},
        CountCase{"largest_scalar", "\xF4\x8F\xBF\xBF", 1},  // U+10FFFF
        CountCase{"below_surrogates", "\xED\x9F\xBF", 1},    // U+D7FF
        CountCase{"above_surrogates", "\xEE\x80\x80", 1},    // U+E000
        CountCase{"embedded_nul_is_utf8", std::string("a\0b", 3), 3},
        CountCase{"overlong_slash_2", "\xC0\xAF", std::nullopt},
        CountCase{"overlong_nul_2", "\xC0\x80", std::nullopt},
        CountCase{"overlong_c1", "\xC1\xBF", std::nullopt},
        CountCase{"overlong_3", "\xE0\x80\xAF", std::nullopt},
        CountCase{"overlong_4", "\xF0\x80\x80\xAF", std::nullopt},
        CountCase{"surrogate_high", "\xED\xA0\x80", std::nullopt},  // U+D800
        CountCase{"surrogate_low", "\xED\xBF\xBF", std::nullopt},   // U+DFFF
        CountCase{"above_10ffff", "\xF4\x90\x80\x80", std::nullopt},
        CountCase{"lead_f5", "\xF5\x80\x80\x80", std::nullopt},
        CountCase{"lead_f8", "\xF8\x88\x80\x80\x80", std::nullopt},
        CountCase{"lone_continuation", "a\x80", std::nullopt},
        CountCase{"truncated_2", "\xC3", std::nullopt},
        CountCase{"truncated_3", "ab\xE2\x82", std::nullopt},
        CountCase{"truncated_4", "\xF0\x9F\x98", std::nullopt},
        CountCase{"bad_continuation", "\xE2\x28\xA1", std::nullopt},
        CountCase{"latin1_byte", "caf\xE9", std::nullopt},
        CountCase{"ff_byte", "\xFF", std::nullopt}),
    [](const auto& info) { return std::string(info.param.label); });

TEST(CountCodePointsTest, CountsLongTextsOfFourByteCharacters) {
  std::string text;
  for (int i = 0; i < 121; ++i) text += "\xF0\x9F\x98\x80";
  EXPECT_EQ(CountCodePoints(text), 121u);
  EXPECT_EQ(text.size(), 484u);
}

struct ControlCase {
  const char* label;
  std::string text;
  bool allow_newlines;
  bool expected;
};

void PrintTo(const ControlCase& c, std::ostream* os) { *os << c.label; }

class HasControlCharactersTest : public ::testing::TestWithParam<ControlCase> {
};

TEST_P(HasControlCharactersTest, Detects) {
  const ControlCase& c = GetParam();
  EXPECT_EQ(HasControlCharacters(c.text, c.allow_newlines), c.expected)
      << c.label;
}

INSTANTIATE_TEST_SUITE_P(
    Table, HasControlCharactersTest,
    ::testing::Values(
        ControlCase{"plain", "hello world", false, false},
        ControlCase{"empty", "", false, false},
        ControlCase{"unicode", "\xC3\xA9\xF0\x9F\x98\x80", false, false},
        ControlCase{"nbsp_u00a0",
                    "a\xC2\xA0"
                    "b",
                    false, false},
        ControlCase{"nul", std::string("a\0b", 3), false, true},
        ControlCase{"nul_multiline", std::string("a\0b", 3), true, true},
        ControlCase{"bell", "a\x07", false, true},
        ControlCase{"escape", "\x1B[31m", true, true},
        ControlCase{"unit_separator", "a\x1F", false, true},
        ControlCase{"del", "a\x7F", false, true},
        ControlCase{"del_multiline", "a\x7F", true, true},
        ControlCase{"c1_u0080", "a\xC2\x80", false, true},
        ControlCase{"c1_u0085_nel", "a\xC2\x85", true, true},
        ControlCase{"c1_u009f", "a\xC2\x9F", false, true},
        ControlCase{"newline_single_line", "a\nb", false, true},
        ControlCase{"cr_single_line", "a\rb", false, true},
        ControlCase{"tab_single_line", "a\tb", false, true},
        ControlCase{"newline_multiline", "a\nb", true, false},
        ControlCase{"crlf_multiline", "a\r\nb", true, false},
        ControlCase{"tab_multiline", "a\tb", true, false},
        ControlCase{"vertical_tab_multiline", "a\vb", true, true},
        ControlCase{"form_feed_multiline", "a\fb", true, true},
        ControlCase{"invalid_utf8", "a\xFF", false, true}),
    [](const auto& info) { return std::string(info.param.label); });

TEST(TruncateUtf8Test, KeepsWholeCharactersWithinTheLimit) {
  EXPECT_EQ(TruncateUtf8("hello", 10), "hello");
  EXPECT_EQ(TruncateUtf8("hello", 5), "hello");
  EXPECT_EQ(TruncateUtf8("hello", 3), "hel");
  EXPECT_EQ(TruncateUtf8("", 3), "");
  EXPECT_EQ(TruncateUtf8("abc", 0), "");
  // "é" is two bytes, "€" three, "😀" four: never split.
  EXPECT_EQ(TruncateUtf8("a\xC3\xA9", 2), "a");
  EXPECT_EQ(TruncateUtf8("a\xC3\xA9", 3), "a\xC3\xA9");
  EXPECT_EQ(TruncateUtf8("\xE2\x82\xAC\xE2\x82\xAC", 5), "\xE2\x82\xAC");
  EXPECT_EQ(TruncateUtf8("\xF0\x9F\x98\x80", 3), "");
  EXPECT_EQ(TruncateUtf8("\xF0\x9F\x98\x80x", 4), "\xF0\x9F\x98\x80");
}

TEST(TruncateUtf8Test, StopsAtInvalidBytes) {
  EXPECT_EQ(TruncateUtf8("ab\xFF"
                         "cd",
                         10),
            "ab");
  EXPECT_EQ(TruncateUtf8("ab\xC3", 10), "ab");  // a cut character
}

TEST(TruncateUtf8Test, AFiveHundredByteCutOfTwoByteCharacters) {
  std::string text;
  for (int i = 0; i < 300; ++i) text += "\xC3\xA9";  // 600 bytes
  absl::string_view cut = TruncateUtf8(text, 500);
  EXPECT_EQ(cut.size(), 500u);
  EXPECT_EQ(CountCodePoints(cut), 250u);
  const std::string odd_text = "x" + text;
  absl::string_view odd = TruncateUtf8(odd_text, 500);
  EXPECT_EQ(odd.size(), 499u);
  EXPECT_EQ(CountCodePoints(odd), 250u);
}

}  // namespace
}  // namespace users
