// gRPC's own log lines reach stderr as the service's JSON log events.

#include "services/common/grpc_log.h"

#include <grpc/support/log.h>

#include <sstream>
#include <string>

#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace users {
namespace {

TEST(GrpcLogTest, AGrpcErrorIsOneJsonLogLine) {
  SendGrpcLogsToLog();
  testing::internal::CaptureStderr();
  gpr_log(__FILE__, 42, GPR_LOG_SEVERITY_ERROR, "handshake failed: %d", 7);
  std::string output = testing::internal::GetCapturedStderr();

  std::istringstream lines(output);
  std::string line;
  ASSERT_TRUE(std::getline(lines, line)) << output;
  nlohmann::json event = nlohmann::json::parse(line);  // throws unless JSON
  EXPECT_EQ(event["event"], "grpc_log");
  EXPECT_EQ(event["message"], "handshake failed: 7");
  EXPECT_EQ(event["line"], 42);
  EXPECT_FALSE(std::getline(lines, line)) << "one line only: " << output;
}

}  // namespace
}  // namespace users
