#include "gateway/json_body_parser.h"

#include <string>

#include "gtest/gtest.h"

namespace users::gateway {
namespace {

std::string Nested(int depth) {
  std::string text = "{\"a\":";
  for (int i = 1; i < depth; ++i) text += "[";
  text += "1";
  for (int i = 1; i < depth; ++i) text += "]";
  return text + "}";
}

struct Case {
  std::string name;
  std::string body;
  bool ok;
  std::string error_contains;
};

TEST(JsonBodyParserTest, AcceptsAndRejectsBodies) {
  const Case cases[] = {
      {"object", R"({"a":1,"b":{"c":[1,2,{"d":null}]}})", true, ""},
      {"empty object", "{}", true, ""},
      {"whitespace around", " \n{\"a\":\"b\"}\t ", true, ""},
      {"unicode escapes", R"({"a":"\u00e9\ud83d\ude00"})", true, ""},
      {"raw UTF-8", "{\"a\":\"\xc3\xa9\"}", true, ""},
      {"same key in sibling objects", R"({"a":{"x":1},"b":{"x":2}})", true, ""},
      {"depth 32", Nested(32), true, ""},
      {"depth 33", Nested(33), false, "nesting deeper than 32"},
      {"duplicate key", R"({"email":"a","email":"b"})", false,
       "duplicate key \"email\""},
      {"nested duplicate key", R"({"a":{"x":1,"x":2}})", false,
       "duplicate key \"x\""},
      {"duplicate in array of objects", R"({"a":[{"k":1,"k":1}]})", false,
       "duplicate key"},
      {"invalid UTF-8", "{\"a\":\"\xff\"}", false, "UTF-8"},
      {"overlong UTF-8", "{\"a\":\"\xc0\xaf\"}", false, "UTF-8"},
      {"truncated", R"({"a":)", false, "malformed JSON"},
      {"trailing garbage", R"({"a":1} x)", false, "malformed JSON"},
      {"two values", R"({"a":1}{"b":2})", false, "malformed JSON"},
      {"empty body", "", false, "malformed JSON"},
      {"single quotes", "{'a':1}", false, "malformed JSON"},
      {"array", "[1,2]", false, "not a JSON object"},
      {"string", "\"a\"", false, "not a JSON object"},
      {"number", "1", false, "not a JSON object"},
      {"null", "null", false, "not a JSON object"},
  };
  for (const Case& c : cases) {
    absl::StatusOr<nlohmann::json> parsed = JsonBodyParser::Parse(c.body);
    EXPECT_EQ(parsed.ok(), c.ok) << c.name;
    if (!c.ok && !parsed.ok()) {
      EXPECT_NE(std::string(parsed.status().message()).find(c.error_contains),
                std::string::npos)
          << c.name << ": " << parsed.status().message();
    }
  }
}

TEST(JsonBodyParserTest, KeepsTheValues) {
  absl::StatusOr<nlohmann::json> parsed = JsonBodyParser::Parse(
      R"({"s":"x","i":-3,"u":18446744073709551615,"f":1.5,"b":true,)"
      R"("n":null,"a":[1,"two",{"k":[]}],"o":{"p":{}}})");
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(*parsed,
            nlohmann::json::parse(R"({"s":"x","i":-3,"u":18446744073709551615,)"
                                  R"("f":1.5,"b":true,"n":null,)"
                                  R"("a":[1,"two",{"k":[]}],"o":{"p":{}}})"));
}

}  // namespace
}  // namespace users::gateway
