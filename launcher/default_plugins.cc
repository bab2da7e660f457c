// launcher/default_plugins.cc: see default_plugins.h.
#include "launcher/default_plugins.h"

#include <unistd.h>

#include <algorithm>
#include <filesystem>

#include "launcher/paths.h"

namespace ckpt::launcher {

const std::vector<std::string>& default_plugin_names() {
  static const std::vector<std::string> names{"ipc"};  // POSIX timers, itimers, SysV IPC
  return names;
}

std::vector<std::string> with_default_plugins(const std::vector<std::string>& requested) {
  std::vector<std::string> out = requested;
  for (const std::string& name : default_plugin_names()) {
    std::string path = (std::filesystem::path(plugin_dir()) / (name + ".so")).string();
    bool listed = std::find(requested.begin(), requested.end(), path) != requested.end();
    if (!listed && access(path.c_str(), R_OK) == 0) {
      out.push_back(path);
    }
  }
  return out;
}

}  // namespace ckpt::launcher
