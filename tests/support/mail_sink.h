#pragma once

#include <string>
#include <vector>

namespace hosho::testing {

// A message the stack's development mail server accepted, decoded.
struct SentMail {
  std::string file;
  std::string rcpt_to;      // the SMTP envelope recipient
  std::string message_id;   // without angle brackets
  std::string delivery_id;  // X-Hosho-Delivery-Id
  std::string subject;      // decoded
  std::string body;         // decoded text
  std::string raw;
};

// Every message in the mail server's outbox directory, oldest first.
std::vector<SentMail> ReadSentMail(const std::string& outbox);

}  // namespace hosho::testing
