#include "services/metrics/build_info.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/metrics/exposition.h"

namespace users::metrics {
namespace {

using ::testing::HasSubstr;

TEST(BuildInfoTest, ReportsTheConfiguredVersionAndCommit) {
  EXPECT_STREQ(BuildVersion(), USERS_EXPECTED_VERSION);
  EXPECT_STREQ(BuildCommit(), USERS_EXPECTED_COMMIT);
  EXPECT_EQ(VersionLine("userd"), std::string("userd ") +
                                      USERS_EXPECTED_VERSION + " (commit " +
                                      USERS_EXPECTED_COMMIT + ")");
}

TEST(BuildInfoTest, GaugeIsOneWithVersionAndCommitLabels) {
  prometheus::Registry registry;
  AddBuildInfo(registry, "thing_build_info");
  EXPECT_THAT(RenderExposition({&registry}),
              HasSubstr(std::string("# TYPE thing_build_info gauge\n"
                                    "thing_build_info{commit=\"") +
                        USERS_EXPECTED_COMMIT + "\",version=\"" +
                        USERS_EXPECTED_VERSION + "\"} 1\n"));
}

}  // namespace
}  // namespace users::metrics
