// launcher/default_plugins.h: the plugins `ckpt launch` preloads without being asked (the
// built-in ones of <pkglib>/plugins), unless --no-default-plugins is given.
#pragma once

#include <string>
#include <vector>

namespace ckpt::launcher {

// Bare names, in load order.
const std::vector<std::string>& default_plugin_names();

// `requested` (resolved --with-plugin paths) followed by the installed default plugins but
// `leave_out` (a bare name, e.g. "pid" for --no-pid-virtualization), each once: the user's
// plugins come first in LD_PRELOAD, so their wrappers see the application's calls first, and
// the built-in ones sit next to libc, the pid plugin last of all (every other wrapper sees
// virtual pids). A default plugin that is not installed is left out silently.
std::vector<std::string> with_default_plugins(const std::vector<std::string>& requested,
                                              const std::string& leave_out);

}  // namespace ckpt::launcher
