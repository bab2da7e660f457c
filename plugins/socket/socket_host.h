// plugins/socket/socket_host.h: an address of this host that other hosts can reach, for a
// restart on another host, where the old local IPs of the sockets no longer exist.
// The temporary listener of a reconnected TCP connection binds to it and publishes it.
// Order of preference (IPv4):
//   1. the local end of libckpt's connection to the coordinator: during CKPT_EVENT_RESTART
//      the application's sockets are not back yet, so the only connected inet stream socket
//      is that one, and its local address is the one that routes to the coordinator's
//      network (used only when it is not a loopback address);
//   2. the first non-loopback IPv4 address of an interface that is up (SIOCGIFCONF).
// Checkpoint path: yes (raw syscalls, no allocation).
#pragma once

#include "socket_table.h"

namespace ckpt::socket {

// Fills *out with an AF_INET address, port 0. False if the host has no such address.
bool host_address(Addr* out);

}  // namespace ckpt::socket
