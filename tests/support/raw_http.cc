#include "tests/support/raw_http.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"

namespace hosho::testing {
namespace {

std::string Dechunk(const std::string& rest) {
  std::string decoded;
  size_t at = 0;
  while (at < rest.size()) {
    const size_t eol = rest.find("\r\n", at);
    if (eol == std::string::npos) break;
    const size_t size = std::strtoul(rest.substr(at, eol - at).c_str(), nullptr, 16);
    if (size == 0) break;
    decoded += rest.substr(eol + 2, size);
    at = eol + 2 + size + 2;
  }
  return decoded;
}

}  // namespace

std::string HttpResult::Header(const std::string& name) const {
  auto it = headers.find(name);
  return it == headers.end() ? "" : it->second;
}

std::string HttpResult::Cookie(const std::string& name) const {
  for (auto [it, end] = headers.equal_range("set-cookie"); it != end; ++it) {
    if (absl::StartsWith(it->second, name + "=")) {
      std::string v = it->second.substr(name.size() + 1);
      return v.substr(0, v.find(';'));
    }
  }
  return "";
}

HttpResult RawHttp(int port, const std::string& method, const std::string& target,
                   const std::vector<std::pair<std::string, std::string>>& headers, const std::string& body,
                   absl::Duration timeout) {
  HttpResult out;
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    close(fd);
    return out;
  }
  std::string request =
      absl::StrCat(method, " ", target, " HTTP/1.1\r\nHost: 127.0.0.1:", port, "\r\nConnection: close\r\n");
  for (const auto& [name, value] : headers) absl::StrAppend(&request, name, ": ", value, "\r\n");
  if (method == "POST") absl::StrAppend(&request, "Content-Length: ", body.size(), "\r\n");
  absl::StrAppend(&request, "\r\n", body);
  for (size_t sent = 0; sent < request.size();) {
    const ssize_t n = send(fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) break;
    sent += static_cast<size_t>(n);
  }
  // Until the server closes, or `timeout` in all has passed (a stream that never ends is cut there).
  std::string raw;
  char buf[16384];
  const absl::Time give_up = absl::Now() + timeout;
  for (;;) {
    const int64_t left_ms = absl::ToInt64Milliseconds(give_up - absl::Now());
    pollfd readable{fd, POLLIN, 0};
    if (left_ms <= 0 || poll(&readable, 1, static_cast<int>(left_ms)) <= 0) break;
    const ssize_t n = recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    raw.append(buf, static_cast<size_t>(n));
  }
  close(fd);
  const size_t head_end = raw.find("\r\n\r\n");
  if (head_end == std::string::npos) return out;
  std::vector<std::string> lines = absl::StrSplit(raw.substr(0, head_end), "\r\n");
  std::vector<std::string> status_line = absl::StrSplit(lines[0], ' ');
  if (status_line.size() >= 2) (void)absl::SimpleAtoi(status_line[1], &out.status);
  for (size_t i = 1; i < lines.size(); ++i) {
    const size_t colon = lines[i].find(':');
    if (colon == std::string::npos) continue;
    out.headers.emplace(absl::AsciiStrToLower(lines[i].substr(0, colon)),
                        std::string(absl::StripAsciiWhitespace(lines[i].substr(colon + 1))));
  }
  std::string rest = raw.substr(head_end + 4);
  out.body = absl::AsciiStrToLower(out.Header("transfer-encoding")) == "chunked" ? Dechunk(rest) : rest;
  return out;
}

std::string FormEncode(const std::vector<std::pair<std::string, std::string>>& fields) {
  std::string out;
  for (const auto& [k, v] : fields) {
    if (!out.empty()) out += '&';
    for (const std::string* part : {&k, &v}) {
      for (unsigned char c : *part) {
        if (absl::ascii_isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
          out += static_cast<char>(c);
        } else {
          absl::StrAppend(&out, "%", absl::AsciiStrToUpper(absl::BytesToHexString(std::string(1, c))));
        }
      }
      if (part == &k) out += '=';
    }
  }
  return out;
}

std::string UrlQuery(const std::string& value) { return FormEncode({{"x", value}}).substr(2); }

std::string ConsoleSignIn(int port, const std::string& user, const std::string& password) {
  const HttpResult form = RawHttp(port, "GET", "/login", {});
  const std::string token = form.Cookie("hosho_signin");
  if (token.empty()) return "";
  const HttpResult done =
      RawHttp(port, "POST", "/login",
              {{"Cookie", "hosho_signin=" + token}, {"Content-Type", "application/x-www-form-urlencoded"}},
              FormEncode({{"signin_token", token}, {"username", user}, {"password", password}}));
  const std::string session = done.Cookie("hosho_session");
  return done.status == 303 && !session.empty() ? "hosho_session=" + session : "";
}

}  // namespace hosho::testing
