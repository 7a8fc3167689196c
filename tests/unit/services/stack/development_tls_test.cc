#include "services/stack/development_tls.h"

#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "gtest/gtest.h"

namespace hosho {
namespace {

namespace fs = std::filesystem;

std::string Read(const std::string& path) {
  std::ifstream in(path);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

class DevelopmentTlsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/hosho-devtls-XXXXXX";
    ASSERT_NE(mkdtemp(pattern), nullptr);
    root_ = pattern;
  }
  void TearDown() override { fs::remove_all(root_); }
  std::string root_;
};

TEST_F(DevelopmentTlsTest, ACaServerAndClientCertificateInADirectoryNoShellWouldParse) {
  // Spaces, quotes, a command substitution: the directory and the names reach openssl as they are.
  const std::string dir = root_ + "/it's a \"dir\" $(touch pwned) `touch pwned2`";
  DevelopmentTlsOptions options;
  options.days = 1;
  options.ca_name = "test CA $(touch pwned3)";
  options.client_common_name = "hosho-verification";
  auto files = MakeDevelopmentTls(dir, options);
  ASSERT_TRUE(files.ok()) << files.status();
  for (const std::string& pem : {files->ca_file, files->cert_file, files->client_cert_file}) {
    EXPECT_EQ(Read(pem).rfind("-----BEGIN CERTIFICATE-----", 0), 0u) << pem;
  }
  for (const std::string& pem : {files->key_file, files->client_key_file}) {
    EXPECT_NE(Read(pem).find("PRIVATE KEY-----"), std::string::npos) << pem;
    struct stat st {};
    ASSERT_EQ(stat(pem.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0077, 0u) << pem << " is readable by others";
  }
  struct stat st {};
  ASSERT_EQ(stat(dir.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  size_t entries = 0;
  for (const auto& e : fs::recursive_directory_iterator(root_)) {
    const std::string name = e.path().filename().string();
    EXPECT_EQ(name.rfind("pwned", 0), std::string::npos) << "a shell ran what a name held: " << e.path();
    ++entries;
  }
  EXPECT_GT(entries, 5u);
  EXPECT_FALSE(fs::exists("pwned") || fs::exists("pwned2") || fs::exists("pwned3"));
}

TEST_F(DevelopmentTlsTest, WithoutAClientNameThereIsNoClientCertificate) {
  auto files = MakeDevelopmentTls(root_ + "/server-only");
  ASSERT_TRUE(files.ok()) << files.status();
  EXPECT_TRUE(files->client_cert_file.empty());
  EXPECT_FALSE(fs::exists(root_ + "/server-only/client.crt"));
  EXPECT_TRUE(fs::exists(files->cert_file));
}

}  // namespace
}  // namespace hosho
