// launcher/paths.h: where the ckpt binary's companions live. The layout is the same in the
// build tree and the install tree: <prefix>/bin/ckpt, <prefix>/lib/ckpt/libckpt.so,
// <prefix>/lib/ckpt/ckpt-restore, <prefix>/lib/ckpt/plugins/*.so.
#pragma once

#include <string>
#include <vector>

#include "ckpt/status.h"

namespace ckpt::launcher {

std::string self_exe();        // readlink /proc/self/exe
std::string self_exe_dir();    // its directory
std::string pkglib_dir();      // <exe dir>/../lib/ckpt (normalized)
std::string libckpt_path();    // <pkglib>/libckpt.so
std::string restore_loader_path();  // <pkglib>/ckpt-restore
std::string plugin_dir();      // <pkglib>/plugins

// Resolves plugin names for --with-plugin: a name containing '/' is taken as a path; a bare
// name is searched in LD_LIBRARY_PATH then in plugin_dir() (with and without a ".so" suffix
// and a "libckpt_" / "lib" prefix). The result keeps the given order.
Result<std::vector<std::string>> resolve_plugins(const std::vector<std::string>& names);

// Finds an executable like execvp would (PATH search unless `name` contains '/').
Result<std::string> find_program(const std::string& name);

}  // namespace ckpt::launcher
