// launcher/paths.cc: see paths.h.
#include "launcher/paths.h"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <sstream>

#include "launcher/messages.h"

namespace ckpt::launcher {

namespace fs = std::filesystem;

namespace {

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> parts;
  std::stringstream in(s);
  std::string part;
  while (std::getline(in, part, sep)) {
    if (!part.empty()) {
      parts.push_back(part);
    }
  }
  return parts;
}

bool regular_file(const fs::path& p) {
  std::error_code ec;
  return fs::is_regular_file(p, ec);
}

std::vector<std::string> plugin_file_names(const std::string& name) {
  std::vector<std::string> names{name};
  bool has_so = name.size() > 3 && name.compare(name.size() - 3, 3, ".so") == 0;
  if (!has_so) {
    names.push_back(name + ".so");
    names.push_back("libckpt_" + name + ".so");
    names.push_back("lib" + name + ".so");
  }
  return names;
}

Result<std::string> resolve_plugin(const std::string& name) {
  if (name.find('/') != std::string::npos) {
    if (!regular_file(name)) {
      return Status(Code::kNotFound, msg::plugin_not_found(name, plugin_dir()));
    }
    return fs::absolute(name).lexically_normal().string();
  }
  std::vector<std::string> dirs;
  if (const char* llp = std::getenv("LD_LIBRARY_PATH")) {
    dirs = split(llp, ':');
  }
  dirs.push_back(plugin_dir());
  for (const std::string& dir : dirs) {
    for (const std::string& file : plugin_file_names(name)) {
      fs::path p = fs::path(dir) / file;
      if (regular_file(p)) {
        return fs::absolute(p).lexically_normal().string();
      }
    }
  }
  return Status(Code::kNotFound, msg::plugin_not_found(name, plugin_dir()));
}

}  // namespace

std::string self_exe() {
  std::error_code ec;
  fs::path p = fs::read_symlink("/proc/self/exe", ec);
  return ec ? std::string("ckpt") : p.string();
}

std::string self_exe_dir() { return fs::path(self_exe()).parent_path().string(); }

std::string pkglib_dir() {
  return (fs::path(self_exe_dir()) / ".." / "lib" / "ckpt").lexically_normal().string();
}

std::string libckpt_path() { return (fs::path(pkglib_dir()) / "libckpt.so").string(); }

std::string restore_loader_path() { return (fs::path(pkglib_dir()) / "ckpt-restore").string(); }

std::string plugin_dir() { return (fs::path(pkglib_dir()) / "plugins").string(); }

Result<std::vector<std::string>> resolve_plugins(const std::vector<std::string>& names) {
  std::vector<std::string> resolved;
  for (const std::string& list : names) {
    for (const std::string& name : split(list, ':')) {
      CKPT_TRY_ASSIGN(std::string path, resolve_plugin(name));
      resolved.push_back(path);
    }
  }
  return resolved;
}

Result<std::string> find_program(const std::string& name) {
  if (name.find('/') != std::string::npos) {
    if (access(name.c_str(), X_OK) != 0 || !regular_file(name)) {
      return Status(Code::kNotFound, msg::program_not_found(name));
    }
    return name;
  }
  const char* path = std::getenv("PATH");
  for (const std::string& dir : split(path != nullptr ? path : "/usr/local/bin:/usr/bin:/bin", ':')) {
    fs::path p = fs::path(dir) / name;
    if (regular_file(p) && access(p.c_str(), X_OK) == 0) {
      return p.string();
    }
  }
  return Status(Code::kNotFound, msg::program_not_found(name));
}

}  // namespace ckpt::launcher
