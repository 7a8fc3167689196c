#pragma once

namespace hosho {

// Blocks SIGTERM, SIGINT and SIGHUP in the calling thread and every thread it
// starts later. Call first in main(), before any library starts threads
// (librdkafka needs this before rd_kafka_new).
void BlockTerminationSignals();
// Waits for one of the blocked signals; returns its number.
int WaitForTerminationSignal();

}  // namespace hosho
