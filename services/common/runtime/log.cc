#include "services/common/runtime/log.h"

#include <google/protobuf/stubs/logging.h>

#include <cstdio>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "services/common/text/text.h"

namespace hosho {
namespace {

absl::Mutex g_mu;
std::string* g_service = new std::string("hosho");
LogLevel g_min_level = LogLevel::kInfo;

const char* LevelName(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug:
      return "debug";
    case LogLevel::kInfo:
      return "info";
    case LogLevel::kWarn:
      return "warn";
    case LogLevel::kError:
      return "error";
  }
  return "info";
}

// protobuf's own complaints (a field with invalid UTF-8, a failed check) become log lines of
// ours, JSON on the same stream, instead of free text on stderr beside it.
void ProtobufLogLine(google::protobuf::LogLevel level, const char* filename, int line, const std::string& message) {
  const LogLevel ours = level >= google::protobuf::LOGLEVEL_ERROR     ? LogLevel::kError
                        : level == google::protobuf::LOGLEVEL_WARNING ? LogLevel::kWarn
                                                                      : LogLevel::kInfo;
  Log(ours, "protobuf", {{"detail", message}, {"source", absl::StrCat(filename, ":", line)}});
}

}  // namespace

void InitLogging(absl::string_view service, LogLevel min_level) {
  {
    absl::MutexLock lock(&g_mu);
    *g_service = std::string(service);
    g_min_level = min_level;
  }
  google::protobuf::SetLogHandler(&ProtobufLogLine);
}

LogLevel ParseLogLevel(absl::string_view text) {
  if (text == "debug") return LogLevel::kDebug;
  if (text == "warn") return LogLevel::kWarn;
  if (text == "error") return LogLevel::kError;
  return LogLevel::kInfo;
}

bool IsSecretFieldName(absl::string_view key) {
  const std::string lower = absl::AsciiStrToLower(key);
  if (lower == "key_id" || lower == "case_id" || lower == "event_id" || lower == "key" ||
      absl::EndsWith(lower, "_id")) {
    return false;
  }
  for (absl::string_view word : {"password", "secret", "token", "authorization", "credential", "authentication_key",
                                 "auth_key", "passphrase", "cookie"}) {
    if (absl::StrContains(lower, word)) return true;
  }
  return absl::EndsWith(lower, "_key");
}

void AppendJsonEscaped(std::string& out, absl::string_view text) {
  // A value that is not UTF-8 (a caller's bytes) is repaired first: the line stays JSON.
  std::string repaired;
  if (!IsValidUtf8(text)) {
    repaired = RepairUtf8(text);
    text = repaired;
  }
  for (unsigned char c : text) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20) {
          out += absl::StrFormat("\\u%04x", c);
        } else {
          out.push_back(static_cast<char>(c));
        }
    }
  }
}

std::string FormatLogLine(LogLevel level, absl::string_view message, std::initializer_list<LogField> fields) {
  std::string service;
  {
    absl::MutexLock lock(&g_mu);
    service = *g_service;
  }
  std::string line;
  line.reserve(256);
  line += "{\"ts\":\"";
  line += absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", absl::Now(), absl::UTCTimeZone());
  line += "\",\"level\":\"";
  line += LevelName(level);
  line += "\",\"service\":\"";
  AppendJsonEscaped(line, service);
  line += "\",\"msg\":\"";
  AppendJsonEscaped(line, message);
  line += "\"";
  for (const LogField& field : fields) {
    line += ",\"";
    AppendJsonEscaped(line, field.key);
    line += "\":";
    if (IsSecretFieldName(field.key)) {
      line += "\"[REDACTED]\"";
      continue;
    }
    if (field.quoted) line += "\"";
    AppendJsonEscaped(line, field.value);
    if (field.quoted) line += "\"";
  }
  line += "}\n";
  return line;
}

void Log(LogLevel level, absl::string_view message, std::initializer_list<LogField> fields) {
  {
    absl::MutexLock lock(&g_mu);
    if (level < g_min_level) return;
  }
  const std::string line = FormatLogLine(level, message, fields);
  absl::MutexLock lock(&g_mu);
  std::fwrite(line.data(), 1, line.size(), stdout);
  std::fflush(stdout);
}

}  // namespace hosho
