#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>

#include "absl/strings/string_view.h"

namespace hosho {

enum class LogLevel { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3 };

// One structured field of a JSON log line.
struct LogField {
  LogField(absl::string_view k, absl::string_view v) : key(k), value(v), quoted(true) {}
  LogField(absl::string_view k, const char* v) : key(k), value(v), quoted(true) {}
  LogField(absl::string_view k, const std::string& v) : key(k), value(v), quoted(true) {}
  LogField(absl::string_view k, int64_t v) : key(k), value(std::to_string(v)), quoted(false) {}
  LogField(absl::string_view k, int v) : key(k), value(std::to_string(v)), quoted(false) {}
  LogField(absl::string_view k, bool v) : key(k), value(v ? "true" : "false"), quoted(false) {}
  LogField(absl::string_view k, double v) : key(k), value(std::to_string(v)), quoted(false) {}
  absl::string_view key;
  std::string value;
  bool quoted;
};

// Sets the "service" field and the lowest level written.
void InitLogging(absl::string_view service, LogLevel min_level);
LogLevel ParseLogLevel(absl::string_view text);

// Writes one JSON line to stdout. The redaction guard replaces the value of any
// field whose key names a secret (see IsSecretFieldName) with "[REDACTED]".
void Log(LogLevel level, absl::string_view message, std::initializer_list<LogField> fields = {});
inline void LogInfo(absl::string_view m, std::initializer_list<LogField> f = {}) { Log(LogLevel::kInfo, m, f); }
inline void LogWarn(absl::string_view m, std::initializer_list<LogField> f = {}) { Log(LogLevel::kWarn, m, f); }
inline void LogError(absl::string_view m, std::initializer_list<LogField> f = {}) { Log(LogLevel::kError, m, f); }
inline void LogDebug(absl::string_view m, std::initializer_list<LogField> f = {}) { Log(LogLevel::kDebug, m, f); }

// True for keys such as "authentication_key", "viewing_password", "token",
// "secret", "authorization", "credential" (but not "key_id" or "case_id").
bool IsSecretFieldName(absl::string_view key);

// Formats a line without writing it (tests).
std::string FormatLogLine(LogLevel level, absl::string_view message, std::initializer_list<LogField> fields);

// Appends `text` JSON-escaped (without quotes) to `out`.
void AppendJsonEscaped(std::string& out, absl::string_view text);

}  // namespace hosho
