#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "services/common/grpc/grpc_client.h"
#include "services/common/http/http_server.h"
#include "services/common/kafka/kafka_impl.h"
#include "services/common/runtime/config.h"
#include "services/console/console_deps.h"
#include "services/console/sessions.h"

namespace hosho {

// hosho-console's defaults.yaml, embedded at build time.
extern const char kConsoleDefaults[];

// Everything hosho-console reads from its configuration, read once. The values come from defaults.yaml
// and the deployment's file; the initialisers here are only zeros.
struct ConsoleConfig {
  // Files, resolved against the configuration file's directory.
  std::string accounts_file;  // console.accounts_file: required
  std::string offices_file;   // console.offices_file
  std::string topics_file;    // console.topics_file
  std::string blobs_dir;      // blobs.dir: intake's sealed attachments

  // Sign-in and sessions.
  int concurrent_signins = 0;               // Argon2id checks at once
  SessionPolicy sessions;                   // console.session_idle_minutes, console.session_max_hours
  int64_t signin_attempts_per_name = 0;     // per user name and client address, per 15 minutes
  int64_t signin_attempts_per_address = 0;  // per client address, per 15 minutes

  // The services the console acts through, as the signed-in user.
  // The console's own token (console.token_file), or why it cannot be read: start-up reports that only
  // after the files above and the sealing keys, so that a broken deployment names its first fault.
  absl::StatusOr<std::string> token;
  ChannelOptions verification;
  ChannelOptions routing;
  absl::Duration deadline;  // console.deadline_ms

  KafkaOptions kafka;  // the DLQ backlog probe's connection
  size_t feed_capacity = 0;
  bool feed_from_earliest = false;
  absl::Duration overview_refresh;  // the overview's gauges
  ConsoleOptions app;               // cookies, the trusted proxy, the live feeds' share of the workers
  HttpServerOptions http;  // the pages: console.{listen_host, port, tls_cert_file, tls_key_file, worker_threads}

  static absl::StatusOr<ConsoleConfig> FromConfig(const Config& config);
};

}  // namespace hosho
