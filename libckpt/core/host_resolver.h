// libckpt/core/host_resolver.h: turns the coordinator address a user gave (CKPT_COORD_HOST)
// into a socket address without libc: "localhost" or empty, dotted IPv4, IPv6 literals
// ("::1", "fe80::1%2" without the zone, "[::1]"), and names listed in /etc/hosts (IPv4 and
// IPv6 entries; the first matching line wins). DNS is not consulted: the launcher exports a
// numeric address for names only DNS knows (launcher/coord_address.cc).
// Checkpoint path: yes (used by the reconnect after a restart): no allocation, raw syscalls.
#pragma once

#include <netinet/in.h>
#include <stdint.h>

namespace ckpt {

struct HostAddress {
  int family = 0;  // AF_INET or AF_INET6
  uint8_t bytes[16] = {};  // network order; IPv4 uses the first 4
};

bool parse_ipv4_address(const char* s, uint8_t out[4]);
bool parse_ipv6_address(const char* s, uint8_t out[16]);

// False if `host` is neither an address nor a name in /etc/hosts.
bool resolve_host(const char* host, HostAddress* out);

// Fills a sockaddr_in or sockaddr_in6 for `a` and `port`; returns its length.
unsigned fill_sockaddr(const HostAddress& a, uint16_t port, sockaddr_in6* storage);

}  // namespace ckpt
