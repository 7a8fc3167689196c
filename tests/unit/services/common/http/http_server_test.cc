#include "services/common/http/http_server.h"

#include <stdexcept>

#include "absl/strings/match.h"
#include "gtest/gtest.h"

namespace hosho {
namespace {

// A handler that throws answers a plain JSON 500; what it threw stays in the log (before:
// cpp-httplib's default handler put the exception text in an EXCEPTION_WHAT response header).
TEST(HttpServerTest, AThrowingHandlerAnswersAPlain500WithoutItsText) {
  HttpServerOptions options;
  auto server = HttpServer::Start(
      options, std::vector<HttpRoute>{{"GET", "/boom", [](const HttpCall&) -> HttpReply {
                                         throw std::runtime_error("invalid UTF-8 byte in K-\xE5 cause-detail");
                                       }}});
  ASSERT_TRUE(server.ok()) << server.status();
  ::testing::internal::CaptureStdout();
  auto reply = HttpGet("127.0.0.1", (*server)->port(), "/boom", {});
  const std::string log = ::testing::internal::GetCapturedStdout();
  ASSERT_TRUE(reply.ok()) << reply.status();
  EXPECT_EQ(reply->status, 500);
  EXPECT_EQ(
      reply->body,
      R"({"error":{"code":"INTERNAL","message_ja":"内部エラーが発生しました","violations":[{"field":"","code":"INTERNAL","message_ja":"内部エラーが発生しました"}]}})");
  for (const auto& [name, value] : reply->headers) {
    EXPECT_FALSE(absl::StrContains(value, "cause-detail")) << name;
    EXPECT_NE(name, "exception_what");
  }
  EXPECT_TRUE(absl::StrContains(log, "http handler failed")) << log;
  EXPECT_TRUE(absl::StrContains(log, "cause-detail")) << "the cause is logged for the operator";
}

}  // namespace
// Budget keys by network: IPv4 as it is, IPv6 by its /64, IPv4-mapped as IPv4, garbage unchanged.
TEST(ClientNetworkTest, IPv6CountsByItsSlash64) {
  EXPECT_EQ(ClientNetwork("198.51.100.7"), "198.51.100.7");
  EXPECT_EQ(ClientNetwork("2001:db8:1:2:aaaa:bbbb:cccc:dddd"), "2001:db8:1:2::/64");
  EXPECT_EQ(ClientNetwork("2001:db8:1:2::1"), ClientNetwork("2001:db8:1:2:ffff::9"));
  EXPECT_NE(ClientNetwork("2001:db8:1:2::1"), ClientNetwork("2001:db8:1:3::1"));
  EXPECT_EQ(ClientNetwork("::ffff:192.0.2.20"), "192.0.2.20");
  EXPECT_EQ(ClientNetwork("not-an-address"), "not-an-address");
}

}  // namespace hosho
