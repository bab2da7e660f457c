// launcher/coord_address.cc: see coord_address.h.
#include "launcher/coord_address.h"

#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "coordinator/protocol.h"
#include "launcher/host_address.h"
#include "launcher/messages.h"

namespace ckpt::launcher {

namespace {

const char* env_or_null(const char* name) {
  const char* v = std::getenv(name);
  return (v != nullptr && v[0] != '\0') ? v : nullptr;
}

Result<int> read_port_file(const std::string& path) {
  std::ifstream in(path);
  std::string text;
  if (!in || !(in >> text)) {
    return Status(Code::kNotFound, msg::bad_port_file(path));
  }
  return parse_port(text, "port file " + path);
}

}  // namespace

void add_coord_flags(CLI::App* app, CoordFlags& flags, Spelling spelling) {
  bool dmtcp = spelling == Spelling::kDmtcp;
  app->add_option(dmtcp ? "-h,--coord-host" : "--coord-host", flags.host,
                  "coordinator host (default: CKPT_COORD_HOST, DMTCP_COORD_HOST, localhost)");
  app->add_option(dmtcp ? "-p,--coord-port" : "--coord-port", flags.port,
                  "coordinator port (default: CKPT_COORD_PORT, DMTCP_COORD_PORT, 7779)")
      ->check(CLI::Range(0, 65535));
  app->add_option("--port-file", flags.port_file,
                  "file holding the coordinator's port: read when --coord-port is not given; a "
                  "coordinator started by this command writes its port there");
}

Result<int> parse_port(const std::string& text, const std::string& what) {
  char* end = nullptr;
  long v = std::strtol(text.c_str(), &end, 10);
  if (text.empty() || *end != '\0' || v < 0 || v > 65535) {
    return Status(Code::kInvalid, msg::bad_port(text, what));
  }
  return static_cast<int>(v);
}

Result<CoordAddress> resolve_coord_address(const CoordFlags& flags) {
  CoordAddress addr;
  const char* host = env_or_null("CKPT_COORD_HOST");
  const char* port = env_or_null("CKPT_COORD_PORT");
  if (host == nullptr) {
    host = env_or_null("DMTCP_COORD_HOST");
  }
  if (port == nullptr) {
    port = env_or_null("DMTCP_COORD_PORT");
  }
  addr.host = !flags.host.empty() ? flags.host : (host != nullptr ? host : "localhost");
  if (flags.port >= 0) {
    addr.port = flags.port;
  } else if (!flags.port_file.empty() && std::filesystem::exists(flags.port_file)) {
    CKPT_TRY_ASSIGN(addr.port, read_port_file(flags.port_file));
  } else if (port != nullptr) {
    CKPT_TRY_ASSIGN(addr.port, parse_port(port, "CKPT_COORD_PORT/DMTCP_COORD_PORT"));
  } else {
    addr.port = proto::kDefaultPort;
  }
  return addr;
}

std::string absolute_path(const std::string& path) {
  std::error_code ec;
  auto abs = std::filesystem::absolute(path, ec);
  return ec ? path : abs.lexically_normal().string();
}

std::string resolve_ckpt_dir(const std::string& flag) {
  std::string dir = flag;
  if (dir.empty()) {
    const char* v = env_or_null("CKPT_CKPTDIR");
    if (v == nullptr) {
      v = env_or_null("DMTCP_CHECKPOINT_DIR");
    }
    dir = v != nullptr ? v : ".";
  }
  std::string abs = absolute_path(dir);
  while (abs.size() > 1 && abs.back() == '/') {
    abs.pop_back();
  }
  return abs;
}

Result<std::optional<int>> resolve_interval(int flag) {
  if (flag >= 0) {
    return std::optional<int>(flag);
  }
  const char* v = env_or_null("CKPT_CHECKPOINT_INTERVAL");
  if (v == nullptr) {
    v = env_or_null("DMTCP_CHECKPOINT_INTERVAL");
  }
  if (v == nullptr) {
    return std::optional<int>();
  }
  char* end = nullptr;
  long s = std::strtol(v, &end, 10);
  if (*end != '\0' || s < 0 || s > 1000000000) {
    return Status(Code::kInvalid, msg::bad_interval_env(v));
  }
  return std::optional<int>(static_cast<int>(s));
}

bool is_local_host(const std::string& host) {
  if (is_loopback_or_wildcard(host) || is_interface_address(host)) {
    return true;
  }
  char name[256] = {};
  if (gethostname(name, sizeof name - 1) == 0) {
    std::string mine = name;
    return host == mine || mine.rfind(host + ".", 0) == 0 || host.rfind(mine + ".", 0) == 0;
  }
  return false;
}

}  // namespace ckpt::launcher
