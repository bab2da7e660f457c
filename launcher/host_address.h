// launcher/host_address.h: addresses of this host as other hosts see them. Used to decide
// whether a coordinator address is local (so `ckpt launch`/`restart` may start one there)
// and which address to give processes started on other hosts (a loopback or wildcard
// coordinator address means nothing there).
#pragma once

#include <string>

#include "ckpt/status.h"

namespace ckpt::launcher {

// True for an address of one of this host's interfaces (any family).
bool is_interface_address(const std::string& host);

// True for "localhost", loopback addresses and the wildcards 0.0.0.0 / "::".
bool is_loopback_or_wildcard(const std::string& host);

// The address of this host that `peer` reaches us by: the source address the kernel picks
// for a route to `peer` if `peer` resolves, else the first non-loopback IPv4 address of an
// interface that is up. Fails (kUnavailable) when this host has no such address.
Result<std::string> routable_address_toward(const std::string& peer);

// A form of `host` libckpt can resolve without DNS: "localhost", numeric addresses and
// names in /etc/hosts stay as given; any other name is resolved here (getaddrinfo) to a
// numeric address. Fails (kNotFound) for a name nothing resolves.
Result<std::string> host_for_libckpt(const std::string& host);

}  // namespace ckpt::launcher
