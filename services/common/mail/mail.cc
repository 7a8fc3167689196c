#include "services/common/mail/mail.h"

#include <curl/curl.h>
#include <gmime/gmime.h>
#include <sys/wait.h>

#include <cstdio>
#include <mutex>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "services/common/runtime/net.h"

namespace hosho {
namespace {

void GMimeReady() {
  static std::once_flag once;
  std::call_once(once, [] { g_mime_init(); });
}

std::string StreamBytes(GMimeStream* stream) {
  GByteArray* bytes = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(stream));
  return std::string(reinterpret_cast<const char*>(bytes->data), bytes->len);
}

void CollectPart(GMimeObject* /*parent*/, GMimeObject* part, gpointer data) {
  auto* message = static_cast<MailMessage*>(data);
  if (!GMIME_IS_PART(part)) return;  // multiparts and embedded messages: their leaves come separately
  MailPart out;
  GMimeContentType* type = g_mime_object_get_content_type(part);
  char* media = g_mime_content_type_get_mime_type(type);
  out.media_type = absl::AsciiStrToLower(media != nullptr ? media : "application/octet-stream");
  g_free(media);
  if (const char* name = g_mime_part_get_filename(GMIME_PART(part)); name != nullptr) out.filename = name;
  if (GMIME_IS_TEXT_PART(part) && out.filename.empty()) {
    char* text = g_mime_text_part_get_text(GMIME_TEXT_PART(part));  // converted from its charset
    if (text != nullptr) out.content = text;
    g_free(text);
    out.is_text = true;
  } else {
    GMimeDataWrapper* wrapper = g_mime_part_get_content(GMIME_PART(part));
    if (wrapper != nullptr) {
      GMimeStream* sink = g_mime_stream_mem_new();
      g_mime_data_wrapper_write_to_stream(wrapper, sink);  // decodes base64 / quoted-printable
      out.content = StreamBytes(sink);
      g_object_unref(sink);
    }
    if (GMIME_IS_TEXT_PART(part) && out.media_type == "text/plain") {
      char* text = g_mime_text_part_get_text(GMIME_TEXT_PART(part));
      if (text != nullptr) out.content = text;
      g_free(text);
      out.is_text = true;
    }
  }
  message->parts.push_back(std::move(out));
}

size_t Collect(char* data, size_t size, size_t n, void* out) {
  static_cast<std::string*>(out)->append(data, size * n);
  return size * n;
}

class CurlMailbox final : public Mailbox {
 public:
  explicit CurlMailbox(ImapOptions options) : options_(std::move(options)), curl_(curl_easy_init()) {}
  ~CurlMailbox() override { curl_easy_cleanup(curl_); }

  absl::StatusOr<std::vector<int64_t>> ListWithout(absl::string_view keyword) override {
    auto reply = Run(options_.url, absl::StrCat("UID SEARCH UNKEYWORD ", keyword));
    if (!reply.ok()) return reply.status();
    std::vector<int64_t> uids;
    for (absl::string_view line : absl::StrSplit(*reply, '\n')) {
      line = absl::StripAsciiWhitespace(line);
      if (!absl::ConsumePrefix(&line, "* SEARCH")) continue;
      for (absl::string_view token : absl::StrSplit(line, ' ', absl::SkipEmpty())) {
        int64_t uid = 0;
        if (absl::SimpleAtoi(token, &uid)) uids.push_back(uid);
      }
    }
    return uids;
  }

  absl::StatusOr<std::string> Fetch(int64_t uid) override { return Run(absl::StrCat(options_.url, "/;UID=", uid), ""); }

  absl::Status AddKeyword(int64_t uid, absl::string_view keyword) override {
    return Run(options_.url, absl::StrCat("UID STORE ", uid, " +FLAGS (", keyword, ")")).status();
  }

 private:
  absl::StatusOr<std::string> Run(const std::string& url, const std::string& custom) {
    if (curl_ == nullptr) return absl::InternalError("curl_easy_init failed");
    std::string body;
    curl_easy_reset(curl_);
    curl_easy_setopt(curl_, CURLOPT_URL, url.c_str());
    curl_easy_setopt(curl_, CURLOPT_USERNAME, options_.username.c_str());
    curl_easy_setopt(curl_, CURLOPT_PASSWORD, options_.password.c_str());
    curl_easy_setopt(curl_, CURLOPT_TIMEOUT_MS, static_cast<long>(options_.timeout_ms));
    curl_easy_setopt(curl_, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl_, CURLOPT_WRITEFUNCTION, &Collect);
    curl_easy_setopt(curl_, CURLOPT_WRITEDATA, &body);
    if (!options_.ca_file.empty()) curl_easy_setopt(curl_, CURLOPT_CAINFO, options_.ca_file.c_str());
    if (!custom.empty()) curl_easy_setopt(curl_, CURLOPT_CUSTOMREQUEST, custom.c_str());
    const CURLcode rc = curl_easy_perform(curl_);
    if (rc != CURLE_OK) {
      // The URL and user are not secret; the password never appears in curl's messages.
      return absl::UnavailableError(absl::StrCat("imap: ", curl_easy_strerror(rc)));
    }
    return body;
  }

  ImapOptions options_;
  CURL* curl_;
};

}  // namespace

absl::StatusOr<MailMessage> ParseMail(absl::string_view raw) {
  GMimeReady();
  GMimeStream* stream = g_mime_stream_mem_new_with_buffer(raw.data(), raw.size());
  GMimeParser* parser = g_mime_parser_new_with_stream(stream);
  g_object_unref(stream);
  GMimeMessage* message = g_mime_parser_construct_message(parser, nullptr);
  g_object_unref(parser);
  if (message == nullptr) return absl::InvalidArgumentError("not a MIME message");
  MailMessage out;
  if (const char* id = g_mime_message_get_message_id(message); id != nullptr) out.message_id = id;
  if (const char* subject = g_mime_message_get_subject(message); subject != nullptr) out.subject = subject;
  if (InternetAddressList* from = g_mime_message_get_from(message);
      from != nullptr && internet_address_list_length(from) > 0) {
    InternetAddress* first = internet_address_list_get_address(from, 0);
    if (INTERNET_ADDRESS_IS_MAILBOX(first)) {
      out.from_address = internet_address_mailbox_get_addr(INTERNET_ADDRESS_MAILBOX(first));
    }
  }
  g_mime_message_foreach(message, &CollectPart, &out);
  g_object_unref(message);
  return out;
}

absl::Status DeliverLocally(const std::string& dovecot_config, const std::string& user, absl::string_view raw) {
  auto quoted = [](const std::string& s) {
    std::string out = "'";
    for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return out + "'";
  };
  const std::string command =
      absl::StrCat("doveadm -c ", quoted(dovecot_config), " save -u ", quoted(user), " 2>&1 >/dev/null");
  FILE* pipe = popen(command.c_str(), "w");
  if (pipe == nullptr) return absl::InternalError("cannot run doveadm");
  const size_t written = fwrite(raw.data(), 1, raw.size(), pipe);
  const int rc = pclose(pipe);
  if (written != raw.size() || rc != 0) {
    return absl::UnavailableError(absl::StrCat("doveadm save failed (exit ", WEXITSTATUS(rc), ")"));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<Mailbox>> OpenImapMailbox(ImapOptions options) {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  if (!absl::StartsWith(options.url, "imaps://") && !absl::StartsWith(options.url, "imap://")) {
    return absl::InvalidArgumentError("mail.url must be imaps://host:port/MAILBOX");
  }
  if (absl::StartsWith(options.url, "imap://")) {
    absl::string_view host = absl::string_view(options.url).substr(7);
    host = host.substr(0, host.find('/'));
    if (!IsLoopbackAddress(std::string(host))) {
      return absl::InvalidArgumentError("plain imap:// is only allowed on loopback; use imaps://");
    }
  }
  while (!options.url.empty() && options.url.back() == '/') options.url.pop_back();
  return std::unique_ptr<Mailbox>(new CurlMailbox(std::move(options)));
}

}  // namespace hosho
