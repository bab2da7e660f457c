// launcher/default_plugins.cc: see default_plugins.h.
#include "launcher/default_plugins.h"

#include <unistd.h>

#include <algorithm>
#include <filesystem>

#include "launcher/paths.h"

namespace ckpt::launcher {

const std::vector<std::string>& default_plugin_names() {
  // sockets; POSIX timers, itimers, SysV IPC; virtual pids (last: next to libc)
  static const std::vector<std::string> names{"socket", "ipc", "pid"};
  return names;
}

std::vector<std::string> with_default_plugins(const std::vector<std::string>& requested,
                                              const std::string& leave_out) {
  std::vector<std::string> out = requested;
  for (const std::string& name : default_plugin_names()) {
    std::string path = (std::filesystem::path(plugin_dir()) / (name + ".so")).string();
    bool listed = name == leave_out;
    for (const std::string& r : requested) {
      listed = listed || std::filesystem::path(r).filename() == name + ".so";
    }
    if (!listed && access(path.c_str(), R_OK) == 0) {
      out.push_back(path);
    }
  }
  return out;
}

}  // namespace ckpt::launcher
