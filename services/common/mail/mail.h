#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace hosho {

// A MIME message as intake needs it (GMime is used only in mail.cc).
struct MailPart {
  std::string media_type;  // "text/plain", "application/pdf", ...
  std::string filename;    // decoded (RFC 2231 / encoded words), empty for inline text
  std::string content;     // transfer encoding removed; text parts converted to UTF-8
  bool is_text = false;
};

struct MailMessage {
  std::string message_id;  // without angle brackets; empty when the header is missing
  std::string subject;     // decoded to UTF-8
  std::string from_address;
  std::vector<MailPart> parts;  // leaves only, in order
};

// Parses RFC 5322 / MIME bytes: multipart trees, base64 and quoted-printable, ISO-2022-JP,
// Shift_JIS and UTF-8 text. INVALID_ARGUMENT when the bytes are not a message.
absl::StatusOr<MailMessage> ParseMail(absl::string_view raw);

struct ImapOptions {
  // imaps://host:993/INBOX, or imap://127.0.0.1:port/INBOX on loopback for development.
  std::string url;
  std::string username;
  std::string password;
  std::string ca_file;  // verify the server against this CA (imaps); system CAs when empty
  int timeout_ms = 10000;
};

// The mailbox intake polls. Messages are marked with a keyword once handled, so a crash
// between reading and marking re-reads the message (idempotent downstream), and a clerk
// reading the same mailbox still sees every message.
class Mailbox {
 public:
  virtual ~Mailbox() = default;
  // UIDs of messages not yet carrying `keyword`.
  virtual absl::StatusOr<std::vector<int64_t>> ListWithout(absl::string_view keyword) = 0;
  virtual absl::StatusOr<std::string> Fetch(int64_t uid) = 0;
  virtual absl::Status AddKeyword(int64_t uid, absl::string_view keyword) = 0;
};

// Local delivery into a dovecot mailbox (`doveadm save`), as an MDA would deliver a
// contractor's mail. For the demo and the tests.
absl::Status DeliverLocally(const std::string& dovecot_config, const std::string& user, absl::string_view raw);

// IMAP over libcurl; one connection, reused across calls.
absl::StatusOr<std::unique_ptr<Mailbox>> OpenImapMailbox(ImapOptions options);

}  // namespace hosho
