#include "tests/support/mail_sink.h"

#include <algorithm>
#include <filesystem>

#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "services/common/mail/mail.h"
#include "tests/support/fixtures.h"

namespace hosho::testing {
namespace {

std::string Header(const std::string& raw, absl::string_view name) {
  const std::string head = raw.substr(0, raw.find("\r\n\r\n"));
  for (absl::string_view line : absl::StrSplit(head, "\r\n")) {
    if (absl::StartsWithIgnoreCase(line, name) && line.size() > name.size() && line[name.size()] == ':') {
      return std::string(absl::StripAsciiWhitespace(line.substr(name.size() + 1)));
    }
  }
  return "";
}

}  // namespace

std::vector<SentMail> ReadSentMail(const std::string& outbox) {
  std::vector<std::string> files;
  for (const auto& entry : std::filesystem::directory_iterator(outbox)) {
    const std::string name = entry.path().filename().string();
    if (absl::EndsWith(name, ".eml") && name.front() != '.') files.push_back(entry.path().string());
  }
  std::sort(files.begin(), files.end());
  std::vector<SentMail> out;
  for (const std::string& file : files) {
    SentMail m;
    m.file = file;
    m.raw = ReadFileBytes(file);
    m.rcpt_to = Header(m.raw, "X-Sink-Rcpt-To");
    m.delivery_id = Header(m.raw, "X-Hosho-Delivery-Id");
    if (auto parsed = ParseMail(m.raw); parsed.ok()) {
      m.message_id = parsed->message_id;
      m.subject = parsed->subject;
      for (const auto& part : parsed->parts) {
        if (part.is_text) m.body += part.content;
      }
    }
    out.push_back(std::move(m));
  }
  return out;
}

}  // namespace hosho::testing
