#include "services/stack/development_tls.h"

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace hosho {
namespace {

namespace fs = std::filesystem;

std::string LogTail(const fs::path& file) {
  std::ifstream in(file);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return text.size() > 1000 ? text.substr(text.size() - 1000) : text;
}

// bash -c SCRIPT with `args` as $1.., by fork and execv; true when it exits 0.
bool RunScript(const std::string& script, const std::vector<std::string>& args) {
  std::vector<std::string> argv = {"/bin/bash", "-c", script, "bash"};
  argv.insert(argv.end(), args.begin(), args.end());
  std::vector<char*> pointers;
  for (auto& a : argv) pointers.push_back(a.data());
  pointers.push_back(nullptr);
  const pid_t pid = fork();
  if (pid < 0) return false;
  if (pid == 0) {
    execv(pointers[0], pointers.data());
    _exit(127);
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return false;
  }
  return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

}  // namespace

absl::StatusOr<TlsFiles> MakeDevelopmentTls(const std::string& dir, const DevelopmentTlsOptions& options) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return absl::InternalError(absl::StrCat("cannot create ", dir, ": ", ec.message()));
  chmod(dir.c_str(), 0700);
  // One bash script with the directory and the names as positional parameters ("$1" "$2" "$3"),
  // run by execv: nothing of them is ever parsed by a shell.
  const std::string key = "-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes";
  const std::string days = absl::StrCat(" -days ", options.days);
  std::string script = absl::StrCat(
      "set -e; cd \"$1\"; exec >openssl.log 2>&1; umask 077;", "openssl req -x509 ", key, " -keyout ca.key -out ca.crt",
      days, " -subj \"/CN=$2\";", "openssl req ", key, " -keyout server.key -out server.csr -subj /CN=localhost;",
      "printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\\n' > san.ext;",
      "openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out server.crt", days,
      " -extfile san.ext; chmod 0644 ca.crt;");
  if (!options.client_common_name.empty()) {
    absl::StrAppend(&script, "openssl req ", key, " -keyout client.key -out client.csr -subj \"/CN=$3\";",
                    "openssl x509 -req -in client.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out client.crt", days,
                    ";");
  }
  if (!RunScript(script, {dir, options.ca_name, options.client_common_name})) {
    return absl::InternalError(
        absl::StrCat("openssl could not make the development certificates: ", LogTail(fs::path(dir) / "openssl.log")));
  }
  const fs::path d(dir);
  TlsFiles files{(d / "ca.crt").string(), (d / "server.crt").string(), (d / "server.key").string(), "", ""};
  if (!options.client_common_name.empty()) {
    files.client_cert_file = (d / "client.crt").string();
    files.client_key_file = (d / "client.key").string();
  }
  return files;
}

}  // namespace hosho
