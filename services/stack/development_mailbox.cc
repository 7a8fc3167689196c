#include "services/stack/development_mailbox.h"

#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "services/common/crypto/sealing.h"
#include "services/common/mail/mail.h"
#include "services/stack/run_files.h"

namespace hosho {

namespace fs = std::filesystem;

absl::StatusOr<MailboxFiles> WriteDovecotConfig(const fs::path& dir, int port) {
  std::error_code ec;
  for (const char* sub : {"run", "state", "home/Maildir/new", "home/Maildir/cur", "home/Maildir/tmp"}) {
    fs::create_directories(dir / sub, ec);
  }
  MailboxFiles files;
  files.user = "intake@city.example";
  files.config = (dir / "dovecot.conf").string();
  files.password_file = (dir / "password").string();
  const std::string password = RandomHex(16);
  if (auto s = WriteRunFile(files.password_file, password + "\n", true); !s.ok()) return s;
  if (auto s = WriteRunFile(dir / "passwd", absl::StrCat(files.user, ":{PLAIN}", password, "\n"), true); !s.ok()) {
    return s;
  }
  const bool root = getuid() == 0;
  const uid_t uid = root ? 65534 : getuid();
  const gid_t gid = root ? 65534 : getgid();
  if (root) {
    // dovecot's auth process (user dovecot) reads the passwd file and the mail process
    // (nobody) the mailbox: both must get through the run directory.
    chmod(dir.parent_path().c_str(), 0711);
    chmod(dir.c_str(), 0711);
    if (const struct passwd* pw = getpwnam("dovecot"); pw != nullptr) {
      if (chown((dir / "passwd").c_str(), pw->pw_uid, pw->pw_gid) != 0) {
        return absl::InternalError("cannot hand the passwd file to dovecot");
      }
    }
    for (const auto& entry : fs::recursive_directory_iterator(dir / "home")) {
      if (chown(entry.path().c_str(), uid, gid) != 0) return absl::InternalError("cannot chown the mailbox");
    }
    if (chown((dir / "home").c_str(), uid, gid) != 0) return absl::InternalError("cannot chown the mailbox");
  }
  std::string users;
  if (!root) {
    // Not root: dovecot's own processes run as the calling user too.
    const char* name = getenv("USER");
    users = absl::StrCat("default_login_user = ", name != nullptr ? name : "nobody",
                         "\ndefault_internal_user = ", name != nullptr ? name : "nobody", "\n");
  }
  const std::string d = dir.string();
  const std::string conf = absl::StrCat(
      "# Written by hosho-stack: the development mailbox intake polls.\n", "base_dir = ", d, "/run\n",
      "state_dir = ", d, "/state\n", "log_path = /dev/stderr\n", "protocols = imap\n", "listen = 127.0.0.1\n",
      "ssl = no\n", "disable_plaintext_auth = no\n", "auth_mechanisms = plain login\n", "first_valid_uid = 1\n", users,
      "passdb {\n  driver = passwd-file\n  args = scheme=PLAIN username_format=%u ", d, "/passwd\n}\n",
      "userdb {\n  driver = static\n  args = uid=", uid, " gid=", gid, " home=", d, "/home\n}\n",
      "mail_location = maildir:~/Maildir\n",
      "service imap-login {\n  inet_listener imap {\n    address = 127.0.0.1\n    port = ", port,
      "\n  }\n  inet_listener imaps {\n    port = 0\n  }\n  chroot =\n}\n", "service anvil {\n  chroot =\n}\n",
      "service stats {\n  unix_listener stats-writer {\n    mode = 0666\n  }\n}\n");
  if (auto s = WriteRunFile(files.config, conf, false); !s.ok()) return s;
  return files;
}

absl::Status AwaitMailbox(const fs::path& dir, int port) {
  std::ifstream in(dir / "password");
  std::string password;
  std::getline(in, password);
  ImapOptions imap;
  imap.url = absl::StrCat("imap://127.0.0.1:", port, "/INBOX");
  imap.username = "intake@city.example";
  imap.password = password;
  imap.timeout_ms = 2000;
  auto mailbox = OpenImapMailbox(imap);
  if (!mailbox.ok()) return mailbox.status();
  const absl::Time give_up = absl::Now() + absl::Seconds(30);
  absl::Status last;
  while (absl::Now() < give_up) {
    auto listed = (*mailbox)->ListWithout("$HoshoDone");
    if (listed.ok()) return absl::OkStatus();
    last = listed.status();
    absl::SleepFor(absl::Milliseconds(50));  // awaiting the IMAP listener
  }
  return last;
}

}  // namespace hosho
