#include "services/common/request_ids.h"

#include <set>
#include <string>

#include "gtest/gtest.h"

namespace users {
namespace {

TEST(RequestIdsTest, AreThirtyTwoHexDigitsAndDoNotRepeat) {
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    std::string id = NewRequestId();
    ASSERT_EQ(id.size(), 32u);
    ASSERT_EQ(id.find_first_not_of("0123456789abcdef"), std::string::npos);
    EXPECT_TRUE(seen.insert(id).second) << id;
  }
}

}  // namespace
}  // namespace users
