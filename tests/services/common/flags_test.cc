#include "services/common/flags.h"

#include <cstdlib>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace users {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

// Sets an environment variable for the life of the object.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const char* value) : name_(name) {
    setenv(name, value, 1);
  }
  ~ScopedEnv() { unsetenv(name_); }

 private:
  const char* name_;
};

// Parses `args` (without the program name).
absl::Status Parse(Flags& flags, std::vector<std::string> args) {
  std::vector<char*> argv;
  std::string program = "prog";
  argv.push_back(program.data());
  for (std::string& arg : args) argv.push_back(arg.data());
  return flags.Parse(static_cast<int>(argv.size()), argv.data());
}

Flags TestFlags() {
  Flags flags("prog");
  flags.AddString("listen", "USERS_TEST_LISTEN", "0.0.0.0:50051", "address");
  flags.AddInt("threads", "USERS_TEST_THREADS", 4, "worker threads");
  flags.AddBool("verbose", "USERS_TEST_VERBOSE", false, "log more");
  flags.AddString("name", "", "unnamed", "no environment fallback");
  return flags;
}

TEST(FlagsTest, DefaultsApplyWithoutFlagsOrEnvironment) {
  Flags flags = TestFlags();
  ASSERT_TRUE(Parse(flags, {}).ok());
  EXPECT_EQ(flags.GetString("listen"), "0.0.0.0:50051");
  EXPECT_EQ(flags.GetInt("threads"), 4);
  EXPECT_FALSE(flags.GetBool("verbose"));
  EXPECT_EQ(flags.GetString("name"), "unnamed");
}

TEST(FlagsTest, EnvironmentBeatsDefault) {
  ScopedEnv listen("USERS_TEST_LISTEN", "127.0.0.1:9000");
  ScopedEnv threads("USERS_TEST_THREADS", "16");
  ScopedEnv verbose("USERS_TEST_VERBOSE", "true");
  Flags flags = TestFlags();
  ASSERT_TRUE(Parse(flags, {}).ok());
  EXPECT_EQ(flags.GetString("listen"), "127.0.0.1:9000");
  EXPECT_EQ(flags.GetInt("threads"), 16);
  EXPECT_TRUE(flags.GetBool("verbose"));
}

TEST(FlagsTest, CommandLineBeatsEnvironment) {
  ScopedEnv listen("USERS_TEST_LISTEN", "127.0.0.1:9000");
  ScopedEnv threads("USERS_TEST_THREADS", "16");
  ScopedEnv verbose("USERS_TEST_VERBOSE", "true");
  Flags flags = TestFlags();
  ASSERT_TRUE(
      Parse(flags, {"--listen=[::]:1", "--threads", "2", "--verbose=false"})
          .ok());
  EXPECT_EQ(flags.GetString("listen"), "[::]:1");
  EXPECT_EQ(flags.GetInt("threads"), 2);
  EXPECT_FALSE(flags.GetBool("verbose"));
}

TEST(FlagsTest, EmptyEnvironmentIsIgnored) {
  ScopedEnv threads("USERS_TEST_THREADS", "");
  Flags flags = TestFlags();
  ASSERT_TRUE(Parse(flags, {}).ok());
  EXPECT_EQ(flags.GetInt("threads"), 4);
}

TEST(FlagsTest, BareBoolFlagIsTrue) {
  Flags flags = TestFlags();
  ASSERT_TRUE(Parse(flags, {"--verbose", "positional"}).ok());
  EXPECT_TRUE(flags.GetBool("verbose"));
  // A bare bool does not swallow the next argument.
  EXPECT_THAT(flags.Positional(), ElementsAre("positional"));
}

TEST(FlagsTest, BoolAcceptsSpelledValues) {
  struct Case {
    const char* arg;
    bool expected;
  };
  for (const Case& c :
       {Case{"--verbose=true", true}, Case{"--verbose=1", true},
        Case{"--verbose=yes", true}, Case{"--verbose=false", false},
        Case{"--verbose=0", false}}) {
    Flags flags = TestFlags();
    ASSERT_TRUE(Parse(flags, {c.arg}).ok()) << c.arg;
    EXPECT_EQ(flags.GetBool("verbose"), c.expected) << c.arg;
  }
}

TEST(FlagsTest, UnknownFlagIsAnError) {
  Flags flags = TestFlags();
  absl::Status status = Parse(flags, {"--listen=x", "--colour=red"});
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(status.message()), HasSubstr("--colour"));
}

TEST(FlagsTest, BadValuesAreErrors) {
  struct Case {
    std::vector<std::string> args;
    const char* mentions;
  };
  for (const Case& c :
       {Case{{"--threads=many"}, "--threads"},
        Case{{"--threads", "4x"}, "--threads"},
        Case{{"--threads=1.5"}, "--threads"}, Case{{"--threads="}, "--threads"},
        Case{{"--threads=99999999999999999999"}, "--threads"},
        Case{{"--verbose=maybe"}, "--verbose"},
        Case{{"--threads"}, "needs a value"}}) {
    Flags flags = TestFlags();
    absl::Status status = Parse(flags, c.args);
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument)
        << c.args.front();
    EXPECT_THAT(std::string(status.message()), HasSubstr(c.mentions))
        << c.args.front();
  }
}

TEST(FlagsTest, BadEnvironmentValueNamesTheVariable) {
  ScopedEnv threads("USERS_TEST_THREADS", "lots");
  Flags flags = TestFlags();
  absl::Status status = Parse(flags, {});
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(status.message()), HasSubstr("$USERS_TEST_THREADS"));
}

TEST(FlagsTest, IntKeepsItsRange) {
  Flags flags = TestFlags();
  ASSERT_TRUE(Parse(flags, {"--threads=-9223372036854775808"}).ok());
  EXPECT_EQ(flags.GetInt("threads"), INT64_MIN);
}

TEST(FlagsTest, CollectsPositionalAndHelp) {
  Flags flags = TestFlags();
  ASSERT_TRUE(Parse(flags, {"migrate", "--name", "n", "-h", "up"}).ok());
  EXPECT_THAT(flags.Positional(), ElementsAre("migrate", "up"));
  EXPECT_EQ(flags.GetString("name"), "n");
  EXPECT_TRUE(flags.HelpRequested());

  Flags other = TestFlags();
  ASSERT_TRUE(Parse(other, {"--help"}).ok());
  EXPECT_TRUE(other.HelpRequested());
  EXPECT_FALSE(TestFlags().HelpRequested());
}

TEST(FlagsTest, StringValueMayContainEquals) {
  Flags flags = TestFlags();
  ASSERT_TRUE(Parse(flags, {"--name=a=b"}).ok());
  EXPECT_EQ(flags.GetString("name"), "a=b");
}

TEST(FlagsTest, ParseStartsAtFirst) {
  Flags flags = TestFlags();
  std::string program = "prog", command = "serve", arg = "--threads=9";
  char* argv[] = {program.data(), command.data(), arg.data()};
  ASSERT_TRUE(flags.Parse(3, argv, 2).ok());
  EXPECT_EQ(flags.GetInt("threads"), 9);
  EXPECT_TRUE(flags.Positional().empty());
}

TEST(FlagsTest, UsageListsFlagsEnvironmentAndCurrentValues) {
  Flags flags = TestFlags();
  ASSERT_TRUE(Parse(flags, {"--threads=8"}).ok());
  std::string usage = flags.Usage();
  EXPECT_THAT(usage, HasSubstr("usage: prog"));
  EXPECT_THAT(usage, HasSubstr("--threads ($USERS_TEST_THREADS)"));
  EXPECT_THAT(usage, HasSubstr("worker threads [8]"));
  EXPECT_THAT(usage, HasSubstr("--name\n"));
}

TEST(FlagsTest, UnknownNamesReadAsEmpty) {
  Flags flags = TestFlags();
  EXPECT_EQ(flags.GetString("missing"), "");
  EXPECT_EQ(flags.GetInt("missing"), 0);
  EXPECT_FALSE(flags.GetBool("missing"));
}

}  // namespace
}  // namespace users
