#include <curl/curl.h>

#include <cstring>
#include <mutex>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "services/common/mail/outbound.h"
#include "services/common/runtime/clock.h"
#include "services/common/runtime/net.h"

namespace hosho {
namespace {

void InitCurl() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

bool IsAscii(absl::string_view s) {
  for (unsigned char c : s) {
    if (c >= 0x80) return false;
  }
  return true;
}

// RFC 2047 encoded words of at most 75 characters, split on UTF-8 character boundaries.
std::string EncodeWords(absl::string_view text) {
  if (IsAscii(text)) return std::string(text);
  std::string out;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = std::min(text.size(), start + 36);  // 48 base64 characters: a line stays under 78
    while (end < text.size() && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
    if (!out.empty()) out += "\r\n ";
    absl::StrAppend(&out, "=?UTF-8?B?", absl::Base64Escape(text.substr(start, end - start)), "?=");
    start = end;
  }
  return out;
}

// "名前 <addr>" → encoded name + <addr>; the bare address alone.
std::string EncodeAddress(const std::string& address) {
  const size_t lt = address.rfind('<');
  if (lt == std::string::npos) return address;
  std::string name = address.substr(0, lt);
  while (!name.empty() && name.back() == ' ') name.pop_back();
  if (name.empty()) return address.substr(lt);
  return absl::StrCat(EncodeWords(name), "\r\n ", address.substr(lt));  // folded: lines stay short
}

std::string BareAddress(const std::string& address) {
  const size_t lt = address.rfind('<');
  const size_t gt = address.rfind('>');
  if (lt == std::string::npos || gt == std::string::npos || gt < lt) return address;
  return address.substr(lt + 1, gt - lt - 1);
}

bool IsCleanHeaderValue(absl::string_view v) {
  return v.find('\r') == absl::string_view::npos && v.find('\n') == absl::string_view::npos;
}

struct Upload {
  const std::string* data;
  size_t offset = 0;
};

size_t ReadUpload(char* buffer, size_t size, size_t count, void* user) {
  auto* up = static_cast<Upload*>(user);
  const size_t n = std::min(size * count, up->data->size() - up->offset);
  std::memcpy(buffer, up->data->data() + up->offset, n);
  up->offset += n;
  return n;
}

size_t Discard(char*, size_t size, size_t count, void*) { return size * count; }

absl::Status Loopback(const std::string& url, absl::string_view scheme) {
  absl::string_view host = absl::string_view(url).substr(scheme.size());
  host = host.substr(0, host.find('/'));
  if (!IsLoopbackAddress(std::string(host))) {
    return absl::InvalidArgumentError(absl::StrCat("plain ", scheme, " is only allowed on loopback"));
  }
  return absl::OkStatus();
}

}  // namespace

std::string ComposeMail(const OutgoingMail& mail) {
  std::string out;
  absl::StrAppend(&out, "From: ", EncodeAddress(mail.from), "\r\n");
  absl::StrAppend(&out, "To: ", EncodeAddress(mail.to), "\r\n");
  absl::StrAppend(&out, "Subject: ", EncodeWords(mail.subject), "\r\n");
  absl::StrAppend(&out, "Date: ", absl::FormatTime("%a, %d %b %Y %H:%M:%S %z", mail.date, JapanTimeZone()),
                  "\r\n");  // the recipients' time zone; mail clients convert anyway
  absl::StrAppend(&out, "Message-ID: <", mail.message_id, ">\r\n");
  out += "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: base64\r\n";
  for (const auto& [name, value] : mail.extra_headers) {
    if (IsAscii(value) && IsCleanHeaderValue(value)) absl::StrAppend(&out, name, ": ", value, "\r\n");
  }
  out += "\r\n";
  const std::string encoded = absl::Base64Escape(mail.body);
  for (size_t i = 0; i < encoded.size(); i += 76) absl::StrAppend(&out, encoded.substr(i, 76), "\r\n");
  return out;
}

absl::Status SendMail(const SmtpOptions& options, const OutgoingMail& mail, const std::function<void()>& accepted) {
  InitCurl();
  if (!IsCleanHeaderValue(mail.to) || !IsCleanHeaderValue(mail.from) || mail.to.find('@') == std::string::npos) {
    return absl::FailedPreconditionError("recipient address is not usable");
  }
  if (absl::StartsWith(options.url, "smtp://") && options.require_tls) {
    // STARTTLS is demanded below; plain smtp:// URLs are fine then.
  } else if (absl::StartsWith(options.url, "smtp://")) {
    if (absl::Status s = Loopback(options.url, "smtp://"); !s.ok()) return s;
  } else if (!absl::StartsWith(options.url, "smtps://")) {
    return absl::InvalidArgumentError("smtp url must be smtp:// or smtps://");
  }
  const std::string raw = ComposeMail(mail);
  CURL* curl = curl_easy_init();
  if (curl == nullptr) return absl::ResourceExhaustedError("curl_easy_init failed");
  std::string url = options.url;
  while (!url.empty() && url.back() == '/') url.pop_back();
  url += "/" + options.helo_domain;
  const std::string from = absl::StrCat("<", BareAddress(mail.from), ">");
  const std::string to = absl::StrCat("<", BareAddress(mail.to), ">");
  curl_slist* recipients = curl_slist_append(nullptr, to.c_str());
  Upload upload{&raw};
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_MAIL_FROM, from.c_str());
  curl_easy_setopt(curl, CURLOPT_MAIL_RCPT, recipients);
  curl_easy_setopt(curl, CURLOPT_READFUNCTION, ReadUpload);
  curl_easy_setopt(curl, CURLOPT_READDATA, &upload);
  curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(absl::ToInt64Milliseconds(options.timeout)));
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, 5000L);
  curl_easy_setopt(curl, CURLOPT_USE_SSL, options.require_tls ? CURLUSESSL_ALL : CURLUSESSL_TRY);
  if (!options.ca_file.empty()) curl_easy_setopt(curl, CURLOPT_CAINFO, options.ca_file.c_str());
  if (!options.username.empty()) {
    curl_easy_setopt(curl, CURLOPT_USERNAME, options.username.c_str());
    curl_easy_setopt(curl, CURLOPT_PASSWORD, options.password.c_str());
  }
  const CURLcode rc = curl_easy_perform(curl);
  // The session is still open here (QUIT goes with curl_easy_cleanup).
  if (rc == CURLE_OK && accepted) accepted();
  long reply = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &reply);
  curl_slist_free_all(recipients);
  curl_easy_cleanup(curl);
  if (rc == CURLE_OK) return absl::OkStatus();
  const std::string what = absl::StrCat("smtp: ", curl_easy_strerror(rc), reply != 0 ? " (reply " : "",
                                        reply != 0 ? std::to_string(reply) + ")" : "");
  // 5xx: the server refuses for good (unknown mailbox, policy); 4xx and transport errors may pass.
  if (reply >= 500 && reply < 600) return absl::FailedPreconditionError(what);
  return absl::UnavailableError(what);
}

absl::Status PostWebhook(const WebhookOptions& options, const std::string& url,
                         const std::vector<std::pair<std::string, std::string>>& headers, absl::string_view body) {
  InitCurl();
  if (absl::StartsWith(url, "http://")) {
    if (absl::Status s = Loopback(url, "http://"); !s.ok()) return s;
  } else if (!absl::StartsWith(url, "https://")) {
    return absl::InvalidArgumentError("webhook url must be https://");
  }
  CURL* curl = curl_easy_init();
  if (curl == nullptr) return absl::ResourceExhaustedError("curl_easy_init failed");
  curl_slist* list = curl_slist_append(nullptr, "Content-Type: application/json; charset=utf-8");
  for (const auto& [name, value] : headers) {
    if (IsCleanHeaderValue(value)) list = curl_slist_append(list, absl::StrCat(name, ": ", value).c_str());
  }
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, list);
  curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.data());
  curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, static_cast<long>(body.size()));
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, Discard);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(absl::ToInt64Milliseconds(options.timeout)));
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, 5000L);
  if (!options.ca_file.empty()) curl_easy_setopt(curl, CURLOPT_CAINFO, options.ca_file.c_str());
  const CURLcode rc = curl_easy_perform(curl);
  long status = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  curl_slist_free_all(list);
  curl_easy_cleanup(curl);
  if (rc != CURLE_OK) return absl::UnavailableError(absl::StrCat("webhook: ", curl_easy_strerror(rc)));
  if (status >= 200 && status < 300) return absl::OkStatus();
  const std::string what = absl::StrCat("webhook: HTTP ", status);
  if (status == 408 || status == 429 || status >= 500) return absl::UnavailableError(what);
  return absl::FailedPreconditionError(what);
}

}  // namespace hosho
