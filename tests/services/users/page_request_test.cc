#include "services/users/page_request.h"

#include <vector>

#include "gtest/gtest.h"

namespace users {
namespace {

TEST(ParsePageRequestTest, DefaultsCapsAndRefusals) {
  FieldViolations none;
  PageRequest page = ParsePageRequest(0, "", none);
  EXPECT_EQ(page.size, 50);
  EXPECT_EQ(page.after_id, 0);
  EXPECT_EQ(ParsePageRequest(5000, "17", none).size, 1000);
  EXPECT_EQ(ParsePageRequest(7, "17", none).after_id, 17);
  EXPECT_TRUE(none.empty());
  for (const char* token : {"x", "-3", "0", "1.5"}) {
    FieldViolations violations;
    ParsePageRequest(10, token, violations);
    EXPECT_FALSE(violations.empty()) << token;
  }
  FieldViolations negative;
  ParsePageRequest(-1, "", negative);
  EXPECT_FALSE(negative.empty());
}

struct Row {
  int64_t id;
};

TEST(TakePageTest, HandsOnAPageAndPointsPastItsLastRow) {
  std::vector<Row> rows = {{3}, {5}, {9}};  // read with limit size + 1
  std::vector<int64_t> seen;
  FieldViolations violations;
  PageRequest page = ParsePageRequest(2, "", violations);
  EXPECT_EQ(
      TakePage(rows, page, [&](const Row& row) { seen.push_back(row.id); }),
      "5");
  EXPECT_EQ(seen, (std::vector<int64_t>{3, 5}));
  std::vector<Row> last = {{11}};
  EXPECT_EQ(TakePage(last, page, [](const Row&) {}), "");
}

}  // namespace
}  // namespace users
