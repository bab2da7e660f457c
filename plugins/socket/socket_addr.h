// plugins/socket/socket_addr.h: endpoint names and Unix peer lookup.
// An endpoint name is a short printable key that both ends of a connection compute alike:
// "4:7f000001:1f90" (IPv4; IPv4-mapped IPv6 is folded into it), "6:<32 hex>:<port>",
// "u:<inode>" (Unix: addresses are often unnamed, inodes are unique on the host).
// Checkpoint path: yes.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "socket_table.h"

namespace ckpt::socket {

// Writes the endpoint name of (addr or, for Unix, inode) into out.
void endpoint_name(int domain, const Addr& a, uint64_t ino, char* out, size_t cap);
// Human-readable address ("127.0.0.1:8080", "[::1]:80", "@abstract", "/path", "unnamed").
void describe_addr(int domain, const Addr& a, char* out, size_t cap);
// True if a has a name worth binding again (inet port != 0, Unix path or abstract name).
bool is_named(int domain, const Addr& a);
// Inode of the Unix socket connected to the one with inode `ino` (sock_diag), 0 if none.
uint64_t unix_peer_inode(uint64_t ino);
// Port of an inet address (host order), 0 otherwise.
int addr_port(const Addr& a);
// After a restart on another host the saved IPv4 address may not exist here: the address
// of this host's first interface that is up and not loopback (SIOCGIFCONF), with `port`.
// False for other families or when there is none.
bool host_address(int domain, int port, Addr* out);

// Tiny formatting into a fixed buffer (no stdio).
struct Fmt {
  char* out;
  size_t cap;
  size_t len;
  Fmt(char* o, size_t c) : out(o), cap(c), len(0) { if (cap) out[0] = '\0'; }
  Fmt& s(const char* str);
  Fmt& u(uint64_t v);
  Fmt& i(int64_t v);
  Fmt& hex(uint64_t v);
  Fmt& c(char ch);
};

}  // namespace ckpt::socket
