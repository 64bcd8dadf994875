#ifndef USERS_TESTS_SERVICES_USERD_TEST_WEBHOOK_SERVER_H_
#define USERS_TESTS_SERVICES_USERD_TEST_WEBHOOK_SERVER_H_

#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace users {
namespace test {

// A minimal HTTP/1.1 server on 127.0.0.1 for webhook tests: it reads each
// request (headers and a Content-Length body), counts it, and answers 200
// with the JSON `handler` returns for the body. `handler` may block (to hold
// a request); it runs on the connection's own thread.
class TestWebhookServer final {
 public:
  using Handler = std::function<std::string(const std::string& body)>;

  explicit TestWebhookServer(Handler handler);
  ~TestWebhookServer();  // stops accepting, joins every connection

  TestWebhookServer(const TestWebhookServer&) = delete;
  TestWebhookServer& operator=(const TestWebhookServer&) = delete;

  int port() const { return port_; }
  // TCP connections accepted and requests read, so far.
  int connections() const;
  int requests() const;
  // Blocks until `count` requests were read.
  void WaitForRequests(int count) const;
  // The headers of the last request, as received.
  std::string last_headers() const;

 private:
  void AcceptLoop();
  void Serve(int fd);

  Handler handler_;
  int listen_fd_ = -1;
  int port_ = 0;
  mutable std::mutex mutex_;
  mutable std::condition_variable changed_;
  int connections_ = 0;
  int requests_ = 0;
  std::string last_headers_;
  std::vector<std::thread> workers_;
  std::thread acceptor_;
};

}  // namespace test
}  // namespace users

#endif  // USERS_TESTS_SERVICES_USERD_TEST_WEBHOOK_SERVER_H_
