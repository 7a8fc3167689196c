// hoshoctl: the command line for people and scripts (services/hoshoctl/commands.h lists the commands).
#include "services/hoshoctl/commands.h"

int main(int argc, char** argv) { return hosho::ctl::RunCommandLine(hosho::ctl::ParseArgs(argc, argv)); }
