#include "tests/support/fixtures.h"

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "tests/support/redis_server.h"

namespace hosho::testing {

std::string ReadFileBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

std::string SourceFile(const std::string& relative) {
  return ReadFileBytes(std::string(HOSHO_SOURCE_DIR) + "/" + relative);
}

StackOptions TestStackOptions(const std::string& prefix) {
  StackOptions options;
  options.run_dir = MakeTempDir(prefix);
  options.bin_dir = HOSHO_BIN_DIR;
  options.source_dir = HOSHO_SOURCE_DIR;
  options.port_base = FindFreePortRange(kStackPorts).value_or(0);
  return options;
}

bool MakeTestCertificates(const std::string& dir) {
  const std::string key = "-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes";
  const std::string script = absl::StrCat(
      "set -e; cd ", dir, "; exec >openssl.log 2>&1;", "openssl req -x509 ", key,
      " -keyout ca.key -out ca.crt -days 1 -subj /CN=hosho-test-ca;", "openssl req ", key,
      " -keyout server.key -out server.csr -subj /CN=localhost;",
      "printf 'subjectAltName=DNS:localhost,IP:127.0.0.1' > san.ext;",
      "openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out server.crt -days 1 "
      "-extfile san.ext;",
      "openssl req ", key, " -keyout client.key -out client.csr -subj /CN=hosho-verification;",
      "openssl x509 -req -in client.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out client.crt -days 1;");
  return std::system(("bash -c '" + script + "'").c_str()) == 0;
}

bool MakeExpiredServerCertificate(const std::string& dir) {
  const std::string script = absl::StrCat(
      "set -e; cd ", dir, "; exec >>openssl.log 2>&1;",
      "openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out server-expired.crt "
      "-days -1 -extfile san.ext;");
  return std::system(("bash -c '" + script + "'").c_str()) == 0;
}

}  // namespace hosho::testing
