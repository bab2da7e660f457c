// launcher/coord_address.h: where the coordinator is, the checkpoint directory and the
// checkpoint interval, resolved from flags, then CKPT_* variables, then DMTCP_* variables,
// then defaults (localhost:7779, the current directory, no interval).
#pragma once

#include <optional>
#include <string>

#include "ckpt/status.h"

namespace CLI {
class App;
}

namespace ckpt::launcher {

// Flags shared by every subcommand that talks to a coordinator.
struct CoordFlags {
  std::string host;       // --coord-host
  int port = -1;          // --coord-port (-1 = not given)
  std::string port_file;  // --port-file: read the port from this file if --coord-port is absent
};

struct CoordAddress {
  std::string host;
  int port = 0;
  std::string str() const { return host + ":" + std::to_string(port); }
};

enum class Spelling { kCkpt, kDmtcp };  // kDmtcp adds -h/-p for host and port

void add_coord_flags(CLI::App* app, CoordFlags& flags, Spelling spelling);

// --coord-host/--coord-port (or the port file), else CKPT_COORD_HOST/CKPT_COORD_PORT, else
// DMTCP_COORD_HOST/DMTCP_COORD_PORT, else localhost:7779.
Result<CoordAddress> resolve_coord_address(const CoordFlags& flags);

// --ckptdir, else CKPT_CKPTDIR, else DMTCP_CHECKPOINT_DIR, else the current directory; absolute.
std::string resolve_ckpt_dir(const std::string& flag);

// --interval (flag >= 0), else CKPT_CHECKPOINT_INTERVAL, else DMTCP_CHECKPOINT_INTERVAL.
Result<std::optional<int>> resolve_interval(int flag);

// True if `host` names this machine (localhost, a loopback or wildcard address, an address
// of one of our interfaces, or our hostname): only
// then may the launcher start a coordinator for it.
bool is_local_host(const std::string& host);

// Parses a port number ("0".."65535").
Result<int> parse_port(const std::string& text, const std::string& what);

// Makes `path` absolute against the current directory (no symlink resolution).
std::string absolute_path(const std::string& path);

}  // namespace ckpt::launcher
