// Outgoing mail over STARTTLS against a real SMTP server (Debian's python3-aiosmtpd, the stack's
// development mail server with a test CA's certificate): with require_tls hosho sends only after
// STARTTLS to a server it can verify, and never in the clear.
#include <filesystem>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "services/common/mail/outbound.h"
#include "services/stack/child_process.h"
#include "services/stack/stack.h"
#include "tests/support/await.h"
#include "tests/support/fixtures.h"
#include "tests/support/mail_sink.h"
#include "tests/support/redis_server.h"

namespace hosho {
namespace {

namespace fs = std::filesystem;

class SmtpTlsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::MakeTempDir("hosho-smtp-tls");
    ASSERT_TRUE(testing::MakeTestCertificates(dir_)) << "openssl failed; see " << dir_;
    auto ports = FindFreePortRange(2);
    ASSERT_TRUE(ports.ok());
    tls_port_ = *ports;
    plain_port_ = *ports + 1;
    tls_server_ = Start(tls_port_, "tls-out", true);
    plain_server_ = Start(plain_port_, "plain-out", false);
  }
  void TearDown() override {
    tls_server_.Terminate(absl::Seconds(5));
    plain_server_.Terminate(absl::Seconds(5));
    fs::remove_all(dir_);
  }
  ChildProcess Start(int port, const std::string& out, bool tls) {
    std::vector<std::string> argv = {"/usr/bin/python3",
                                     std::string(HOSHO_SOURCE_DIR) + "/services/stack/smtp_sink.py",
                                     "--port",
                                     std::to_string(port),
                                     "--dir",
                                     dir_ + "/" + out};
    if (tls) {
      argv.insert(argv.end(), {"--tls-cert", dir_ + "/server.crt", "--tls-key", dir_ + "/server.key"});
    }
    const std::string log = dir_ + "/" + out + ".log";
    auto child = ChildProcess::Spawn(argv, log);
    EXPECT_TRUE(child.ok()) << child.status();
    EXPECT_TRUE(testing::AwaitUntil([&] { return testing::ReadFileBytes(log).find("listening") != std::string::npos; }))
        << testing::ReadFileBytes(log);
    return *std::move(child);
  }
  OutgoingMail Mail(const std::string& id) {
    OutgoingMail m;
    m.from = "みなと市 電子保証受付 <hosho@city.minato.example>";
    m.to = "keiyaku@minato-kensetsu.example";
    m.subject = "【電子保証】R8-土木-0001 市道みなと線舗装補修工事";
    m.body = "到達確認";
    m.message_id = id + "@hosho.test";
    m.date = absl::Now();
    return m;
  }

  std::string dir_;
  int tls_port_ = 0;
  int plain_port_ = 0;
  ChildProcess tls_server_;
  ChildProcess plain_server_;
};

TEST_F(SmtpTlsTest, WithRequireTlsMailGoesOnlyOverVerifiedStartTls) {
  SmtpOptions options;
  options.url = absl::StrCat("smtp://127.0.0.1:", tls_port_);
  options.require_tls = true;
  options.ca_file = dir_ + "/ca.crt";
  options.timeout = absl::Seconds(10);
  ASSERT_TRUE(SendMail(options, Mail("m1")).ok());
  auto sent = testing::ReadSentMail(dir_ + "/tls-out");
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].message_id, "m1@hosho.test");
  EXPECT_EQ(sent[0].subject, "【電子保証】R8-土木-0001 市道みなと線舗装補修工事");
  EXPECT_EQ(sent[0].body, "到達確認");

  // A certificate hosho cannot verify: nothing is sent.
  SmtpOptions untrusted = options;
  untrusted.ca_file = dir_ + "/client.crt";  // not the CA
  EXPECT_FALSE(SendMail(untrusted, Mail("m2")).ok());
  // A server that offers no STARTTLS: refused rather than sent in the clear.
  SmtpOptions plain = options;
  plain.url = absl::StrCat("smtp://127.0.0.1:", plain_port_);
  EXPECT_FALSE(SendMail(plain, Mail("m3")).ok());
  EXPECT_TRUE(testing::ReadSentMail(dir_ + "/plain-out").empty());
  EXPECT_EQ(testing::ReadSentMail(dir_ + "/tls-out").size(), 1u);
}

TEST_F(SmtpTlsTest, PlainSmtpIsAllowedOnlyOnLoopback) {
  SmtpOptions options;
  options.url = "smtp://smtp.city.example:25";
  EXPECT_TRUE(absl::IsInvalidArgument(SendMail(options, Mail("m4"))));
  options.url = "ftp://127.0.0.1:25";
  EXPECT_TRUE(absl::IsInvalidArgument(SendMail(options, Mail("m5"))));
  options.url = absl::StrCat("smtp://127.0.0.1:", plain_port_);
  EXPECT_TRUE(SendMail(options, Mail("m6")).ok()) << "loopback development without TLS";
}

}  // namespace
}  // namespace hosho
