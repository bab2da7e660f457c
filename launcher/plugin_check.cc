// launcher/plugin_check.cc: see plugin_check.h.
#include "launcher/plugin_check.h"

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <unistd.h>

#include "launcher/messages.h"

namespace ckpt::launcher {

namespace {

Result<std::string> read_section(const image::ImageInfo& info, const image::SectionInfo& s) {
  std::ifstream in(info.file, std::ios::binary);
  std::string body(s.entry.size, '\0');
  in.seekg(static_cast<std::streamoff>(s.entry.offset));
  if (!in.read(body.data(), static_cast<std::streamsize>(body.size()))) {
    return Status(Code::kCorrupt, info.file + ": cannot read section " + s.name);
  }
  return body;
}

}  // namespace

Status check_plugins_available(const image::ImageInfo& info) {
  for (const image::SectionInfo& s : info.sections) {
    if (s.name != "core.plugins") {
      continue;
    }
    CKPT_TRY_ASSIGN(std::string body, read_section(info, s));
    std::istringstream lines(body);
    std::string line;
    while (std::getline(lines, line)) {
      std::istringstream fields(line);
      std::string name, order, kind, path;
      fields >> name >> order >> kind;
      std::getline(fields >> std::ws, path);
      if (!path.empty() && access(path.c_str(), R_OK) != 0) {
        return Status(Code::kNotFound, msg::plugin_not_available(info.file, name, path));
      }
    }
  }
  return Status::ok();
}

}  // namespace ckpt::launcher
