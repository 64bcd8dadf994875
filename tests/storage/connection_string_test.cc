#include "storage/connection_string.h"

#include <gtest/gtest.h>
#include <libpq-fe.h>

#include <map>
#include <string>

namespace users {
namespace {

// The keyword/value pairs libpq reads from `connection_string`.
std::map<std::string, std::string> Parse(const std::string& connection_string) {
  std::map<std::string, std::string> values;
  char* error = nullptr;
  PQconninfoOption* options =
      PQconninfoParse(connection_string.c_str(), &error);
  if (error != nullptr) PQfreemem(error);
  if (options == nullptr) {
    ADD_FAILURE() << "libpq cannot parse: " << connection_string;
    return values;
  }
  for (PQconninfoOption* option = options; option->keyword != nullptr;
       ++option) {
    if (option->val != nullptr) values[option->keyword] = option->val;
  }
  PQconninfoFree(options);
  return values;
}

TEST(RewriteConnectionStringTest, RewritesUriAsKeywordValuePairs) {
  absl::StatusOr<std::string> rewritten = RewriteConnectionString(
      "postgresql://postgres:s3cret@127.0.0.1:5433/users?sslmode=disable", {});
  ASSERT_TRUE(rewritten.ok()) << rewritten.status();
  EXPECT_EQ(rewritten->rfind("postgresql://", 0), std::string::npos);
  std::map<std::string, std::string> values = Parse(*rewritten);
  EXPECT_EQ(values["host"], "127.0.0.1");
  EXPECT_EQ(values["port"], "5433");
  EXPECT_EQ(values["user"], "postgres");
  EXPECT_EQ(values["password"], "s3cret");
  EXPECT_EQ(values["dbname"], "users");
  EXPECT_EQ(values["sslmode"], "disable");
}

TEST(RewriteConnectionStringTest, OverridesReplaceAndDefaultsOnlyFillIn) {
  absl::StatusOr<std::string> rewritten = RewriteConnectionString(
      "host=db dbname=users connect_timeout=9", {{"dbname", "other"}},
      {{"connect_timeout", "2"}, {"keepalives", "1"}});
  ASSERT_TRUE(rewritten.ok()) << rewritten.status();
  std::map<std::string, std::string> values = Parse(*rewritten);
  EXPECT_EQ(values["dbname"], "other");
  EXPECT_EQ(values["connect_timeout"], "9");
  EXPECT_EQ(values["keepalives"], "1");
}

TEST(RewriteConnectionStringTest, AppendsToExistingOptions) {
  absl::StatusOr<std::string> rewritten =
      RewriteConnectionString("postgresql://h/db?options=-c%20search_path%3Dx",
                              {}, {}, "-c statement_timeout=250");
  ASSERT_TRUE(rewritten.ok()) << rewritten.status();
  EXPECT_EQ(Parse(*rewritten)["options"],
            "-c search_path=x -c statement_timeout=250");
}

TEST(RewriteConnectionStringTest, QuotesValuesWithSpacesQuotesAndBackslashes) {
  const std::string password = "a b'c\\d";
  absl::StatusOr<std::string> rewritten =
      RewriteConnectionString("host=h", {{"password", password}});
  ASSERT_TRUE(rewritten.ok()) << rewritten.status();
  EXPECT_EQ(Parse(*rewritten)["password"], password);
}

// Several hosts, as libpq takes them for a failover: the lists and
// target_session_attrs reach libpq unchanged, in either notation.
TEST(RewriteConnectionStringTest, PassesSeveralHostsAndSessionAttrsThrough) {
  for (const std::string& url :
       {std::string("postgresql://u@db-a:5432,db-b:5433/users"
                    "?target_session_attrs=read-write&connect_timeout=2"),
        std::string("host=db-a,db-b port=5432,5433 user=u dbname=users "
                    "target_session_attrs=read-write connect_timeout=2")}) {
    absl::StatusOr<std::string> rewritten = RewriteConnectionString(
        url, {}, {{"connect_timeout", "5"}, {"keepalives", "1"}});
    ASSERT_TRUE(rewritten.ok()) << url << ": " << rewritten.status();
    std::map<std::string, std::string> values = Parse(*rewritten);
    EXPECT_EQ(values["host"], "db-a,db-b") << url;
    EXPECT_EQ(values["port"], "5432,5433") << url;
    EXPECT_EQ(values["target_session_attrs"], "read-write") << url;
    EXPECT_EQ(values["connect_timeout"], "2") << url;
    EXPECT_EQ(values["dbname"], "users") << url;
  }
}

// The store's default (read-write) fills in only when the string names no
// target_session_attrs of its own.
TEST(RewriteConnectionStringTest, AnExplicitSessionAttrWinsOverTheDefault) {
  const std::map<std::string, std::string> defaults = {
      {"target_session_attrs", "read-write"}};
  absl::StatusOr<std::string> own = RewriteConnectionString(
      "postgresql://h1,h2/db?target_session_attrs=any", {}, defaults);
  ASSERT_TRUE(own.ok()) << own.status();
  EXPECT_EQ(Parse(*own)["target_session_attrs"], "any");
  absl::StatusOr<std::string> none =
      RewriteConnectionString("postgresql://h1,h2/db", {}, defaults);
  ASSERT_TRUE(none.ok()) << none.status();
  EXPECT_EQ(Parse(*none)["target_session_attrs"], "read-write");
}

TEST(RewriteConnectionStringTest, RejectsMalformedStringWithoutEchoingIt) {
  absl::StatusOr<std::string> rewritten =
      RewriteConnectionString("host=h password=hunter2 nonsense", {});
  ASSERT_FALSE(rewritten.ok());
  EXPECT_EQ(rewritten.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(std::string(rewritten.status().message()).find("hunter2"),
            std::string::npos);
}

}  // namespace
}  // namespace users
