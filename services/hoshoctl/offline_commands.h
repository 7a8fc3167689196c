#pragma once

#include "services/hoshoctl/commands.h"

namespace hosho::ctl {

// The commands a platform team runs without a stack; each returns the exit status.

// keyring-new KEY_ID: prints a new sealing key ring.
int NewKeyRing(const Args& args);
// principal-new NAME ROLE [OFFICE] --token-file=F [--acts-for=clerk,operator]: writes a new token to F
// and prints its line for the principals file.
int NewPrincipal(const Args& args);
// account-new USERNAME OFFICE|- ROLE [DISPLAY_NAME]: a console account line; the password is read from
// standard input and only its Argon2id hash printed.
int NewAccount(const Args& args);
// dlq list TOPIC.dlq, dlq replay TOPIC.dlq: the dead letters of a topic, or sends them back once.
int ListDlq(const Args& args);
int ReplayDlq(const Args& args);

}  // namespace hosho::ctl
