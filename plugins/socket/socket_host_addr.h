// plugins/socket/socket_host_addr.h: addresses for sockets restored on another host.
// A socket saved with an IP address of its old host (a node's NodeAddr, say) cannot bind to
// it when the process is restarted on a node that lacks that address (Slurm requeue onto
// other nodes): bind() fails with EADDRNOTAVAIL. These helpers pick what to bind instead.
// Checkpoint path: yes (raw syscalls, no allocation).
#pragma once

#include "socket_table.h"

namespace ckpt::socket {

// True when err (negative errno) says the address does not exist on this host.
bool address_gone(long err);
// The address (port 0) this host would send from to reach `toward` (a UDP socket connected
// to it: no packet is sent). False if the route lookup fails.
bool local_address_toward(int domain, const Addr& toward, Addr* out);
// `a` with its IP replaced by the wildcard address of its family, port kept.
Addr wildcard_of(const Addr& a);

}  // namespace ckpt::socket
