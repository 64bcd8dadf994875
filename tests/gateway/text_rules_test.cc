#include "gateway/text_rules.h"

#include "gateway/cookie_header.h"
#include "gateway/request_id.h"
#include "gateway/time_format.h"
#include "gtest/gtest.h"

namespace users::gateway {
namespace {

TEST(TextRulesTest, CountsCodePoints) {
  EXPECT_EQ(CodePointCount(""), 0);
  EXPECT_EQ(CodePointCount("abc"), 3);
  EXPECT_EQ(CodePointCount("\xc3\xa9t\xc3\xa9"), 3);  // été
  EXPECT_EQ(CodePointCount("\xf0\x9f\x98\x80"), 1);   // an emoji
}

TEST(TextRulesTest, Emails) {
  for (const char* good :
       {"a@b.co", "newemail@example.com", "first.last+tag@sub.example.org"}) {
    EXPECT_TRUE(LooksLikeEmail(good)) << good;
  }
  for (const char* bad :
       {"", "not-an-email", "a@b", "@example.com", "a@@b.com", "a b@c.com",
        "a@-b.com", "a@b..com", ".a@b.com", "a..b@c.com", "a@b.com."}) {
    EXPECT_FALSE(LooksLikeEmail(bad)) << bad;
  }
}

TEST(TextRulesTest, PositiveIds) {
  EXPECT_EQ(ParsePositiveId("1"), 1);
  EXPECT_EQ(ParsePositiveId("9223372036854775807"), 9223372036854775807);
  for (const char* bad : {"", "0", "-1", "+1", "01", "1.5", "abc", "12a", " 1",
                          "9223372036854775808", "99999999999999999999"}) {
    EXPECT_FALSE(ParsePositiveId(bad).has_value()) << bad;
  }
}

TEST(TextRulesTest, UserIdOfName) {
  EXPECT_EQ(UserIdOfName("projects/p/users/42"), "42");
  EXPECT_EQ(UserIdOfName("nothing"), "");
}

TEST(TimeFormatTest, FormatsAndParses) {
  google::protobuf::Timestamp time;
  time.set_seconds(1672574400);  // 2023-01-01T12:00:00Z
  time.set_nanos(123000000);
  EXPECT_EQ(FormatRfc3339Seconds(time), "2023-01-01T12:00:00Z");
  EXPECT_EQ(FormatRfc3339Millis(time), "2023-01-01T12:00:00.123Z");
  EXPECT_EQ(ParseRfc3339Seconds("2023-01-01T12:00:00Z"), 1672574400);
  EXPECT_EQ(ParseRfc3339Seconds("2023-01-01T14:00:00+02:00"), 1672574400);
  EXPECT_FALSE(ParseRfc3339Seconds("yesterday").has_value());
  EXPECT_EQ(SecondsUntil(time, 1672574400 - 60), 60);
  EXPECT_EQ(SecondsUntil(time, 1672574400 + 60), 0);
}

TEST(TimeFormatTest, IsoDates) {
  struct Case {
    const char* text;
    bool ok;
    int year, month, day;
  };
  const Case cases[] = {
      {"1990-01-01", true, 1990, 1, 1},
      {"1990-01-01T00:00:00.000Z", true, 1990, 1, 1},
      {"2000-02-29T23:59:59+05:00", true, 2000, 2, 29},
      {"1900-02-29", false, 0, 0, 0},
      {"1990-13-01", false, 0, 0, 0},
      {"1990-1-1", false, 0, 0, 0},
      {"1990-01-01T25:00:00Z", false, 0, 0, 0},
      {"1990-01-01X", false, 0, 0, 0},
      {"not a date", false, 0, 0, 0},
  };
  for (const Case& c : cases) {
    std::optional<google::type::Date> date = ParseIsoDate(c.text);
    EXPECT_EQ(date.has_value(), c.ok) << c.text;
    if (date && c.ok) {
      EXPECT_EQ(date->year(), c.year) << c.text;
      EXPECT_EQ(date->month(), c.month) << c.text;
      EXPECT_EQ(date->day(), c.day) << c.text;
    }
  }
  google::type::Date date;
  date.set_year(1990);
  date.set_month(1);
  date.set_day(1);
  EXPECT_EQ(FormatDateAsMidnightUtc(date), "1990-01-01T00:00:00.000Z");
  EXPECT_EQ(FormatDateAsMidnightUtc(google::type::Date()), "");
}

TEST(CookieHeaderTest, SessionAndExpiredCookies) {
  EXPECT_EQ(SessionCookie("_me_sess", "tok", 3600, true),
            "_me_sess=tok; Path=/; Max-Age=3600; HttpOnly; Secure; "
            "SameSite=Lax");
  EXPECT_EQ(SessionCookie("neptun-session", "tok", -5, false),
            "neptun-session=tok; Path=/; Max-Age=0; HttpOnly; SameSite=Lax");
  EXPECT_EQ(ExpiredCookie("_me_sess", true),
            "_me_sess=; Path=/; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 "
            "GMT; HttpOnly; Secure; SameSite=Lax");
  EXPECT_TRUE(IsValidTokenText("abc.DEF-123_~"));
  EXPECT_FALSE(IsValidTokenText(""));
  EXPECT_FALSE(IsValidTokenText("a b"));
  EXPECT_FALSE(IsValidTokenText("a;b"));
  EXPECT_FALSE(IsValidTokenText("a\nb"));
}

TEST(RequestIdTest, EchoesSaneIdsAndGeneratesOthers) {
  EXPECT_EQ(RequestIdFor("abc-123_x.y:z"), "abc-123_x.y:z");
  std::string generated = RequestIdFor("");
  EXPECT_EQ(generated.size(), 32u);
  EXPECT_EQ(generated.find_first_not_of("0123456789abcdef"), std::string::npos);
  EXPECT_NE(RequestIdFor(""), generated);
  EXPECT_NE(RequestIdFor("has space"), "has space");
  EXPECT_NE(RequestIdFor("bad\r\nheader"), "bad\r\nheader");
  EXPECT_EQ(RequestIdFor(std::string(129, 'a')).size(), 32u);
}

}  // namespace
}  // namespace users::gateway
