#include "tests/support/fixtures.h"

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "services/stack/development_tls.h"
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
  // The stack's own development CA (services/stack/development_tls.h), for a day, with the client
  // certificate the mTLS tests present as hosho-verification.
  DevelopmentTlsOptions options;
  options.days = 1;
  options.ca_name = "hosho-test-ca";
  options.client_common_name = "hosho-verification";
  auto made = MakeDevelopmentTls(dir, options);
  if (!made.ok()) std::fprintf(stderr, "%s\n", made.status().ToString().c_str());
  return made.ok();
}

bool MakeExpiredServerCertificate(const std::string& dir) {
  const std::string script =
      absl::StrCat("set -e; cd ", dir, "; exec >>openssl.log 2>&1;",
                   "openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out server-expired.crt "
                   "-days -1 -extfile san.ext;");
  return std::system(("bash -c '" + script + "'").c_str()) == 0;
}

}  // namespace hosho::testing
