#include "services/metrics/text_exposition.h"

#include <cmath>
#include <limits>
#include <string>

#include "gtest/gtest.h"

namespace users::metrics {
namespace {

struct EscapeCase {
  std::string input;
  std::string label_value;
  std::string help;
};

TEST(TextExpositionTest, EscapesLabelValuesAndHelp) {
  const EscapeCase cases[] = {
      {"plain", "plain", "plain"},
      {"", "", ""},
      {R"(back\slash)", R"(back\\slash)", R"(back\\slash)"},
      {R"(say "hi")", R"(say \"hi\")", R"(say "hi")"},
      {"two\nlines", R"(two\nlines)", R"(two\nlines)"},
      {"\\\"\n", R"(\\\"\n)", R"(\\"\n)"},
      {"tab\there", "tab\there", "tab\there"},
      {"ünïcödé", "ünïcödé", "ünïcödé"},
  };
  for (const EscapeCase& c : cases) {
    EXPECT_EQ(EscapeLabelValue(c.input), c.label_value) << c.input;
    EXPECT_EQ(EscapeHelp(c.input), c.help) << c.input;
  }
}

TEST(TextExpositionTest, FormatsValuesLikePrometheus) {
  const struct {
    double value;
    std::string text;
  } cases[] = {
      {0, "0"},
      {1, "1"},
      {-2, "-2"},
      {0.005, "0.005"},
      {2.5, "2.5"},
      {0.1 + 0.2, "0.30000000000000004"},
      {1e6, "1e+06"},
      {123456, "123456"},
      {std::numeric_limits<double>::infinity(), "+Inf"},
      {-std::numeric_limits<double>::infinity(), "-Inf"},
      {std::nan(""), "NaN"},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(FormatValue(c.value), c.text) << c.text;
  }
}

TEST(TextExpositionTest, ValidatesNames) {
  const struct {
    std::string name;
    bool metric;
    bool label;
  } cases[] = {
      {"userd_rpc_requests_total", true, true},
      {"a", true, true},
      {"_x", true, true},
      {"__reserved", true, false},
      {"ns:sub_total", true, false},
      {":leading_colon", true, false},
      {"9starts_with_digit", false, false},
      {"has-dash", false, false},
      {"has space", false, false},
      {"", false, false},
      {"méthode", false, false},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(IsValidMetricName(c.name), c.metric) << c.name;
    EXPECT_EQ(IsValidLabelName(c.name), c.label) << c.name;
  }
}

TEST(TextExpositionTest, WritesHeadersAndSamples) {
  TextExpositionWriter out;
  out.WriteHeader("m_total", "Help with \\ and\nnewline.", "counter");
  out.WriteSample("m_total", {"a", "b"}, {"x\"y", "1"}, "", "", uint64_t{7});
  out.WriteSample("m_total", {}, {}, "", "", uint64_t{0});
  out.WriteSample("m_bucket", {"a"}, {"x"}, "le", "0.5", 0.25);
  out.WriteSample("m_bucket", {}, {}, "le", "+Inf", uint64_t{3});
  EXPECT_EQ(out.text(),
            "# HELP m_total Help with \\\\ and\\nnewline.\n"
            "# TYPE m_total counter\n"
            "m_total{a=\"x\\\"y\",b=\"1\"} 7\n"
            "m_total 0\n"
            "m_bucket{a=\"x\",le=\"0.5\"} 0.25\n"
            "m_bucket{le=\"+Inf\"} 3\n");
}

}  // namespace
}  // namespace users::metrics
