// launcher/running_check.cc: see running_check.h.
#include "launcher/running_check.h"

#include <unistd.h>

#include <fstream>
#include <iterator>
#include <string>

#include "launcher/messages.h"

namespace ckpt::launcher {

namespace {

std::string this_host() {
  char name[256] = {};
  gethostname(name, sizeof name - 1);
  return name;
}

// True when `pid` on this host is still the process the image was taken from: same
// executable and same command line (a recycled pid runs something else).
bool still_running(const image::ImageHeader& h) {
  std::string proc = "/proc/" + std::to_string(h.pid);
  char exe[1024] = {};
  ssize_t n = readlink((proc + "/exe").c_str(), exe, sizeof exe - 1);
  if (n <= 0 || std::string(exe, static_cast<size_t>(n)) != h.program) {
    return false;
  }
  std::ifstream in(proc + "/cmdline", std::ios::binary);
  std::string cmdline((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  for (char& c : cmdline) {
    c = c == '\0' ? ' ' : c;
  }
  while (!cmdline.empty() && cmdline.back() == ' ') {
    cmdline.pop_back();
  }
  std::string saved(h.cmdline, strnlen(h.cmdline, sizeof h.cmdline));
  while (!saved.empty() && saved.back() == ' ') {
    saved.pop_back();
  }
  return cmdline == saved;
}

}  // namespace

Status check_not_running(const Generation& gen) {
  std::string host = this_host();
  for (const image::ImageInfo& info : gen.images) {
    const image::ImageHeader& h = info.header;
    if (host == h.host && still_running(h)) {
      return Status(Code::kInvalid, msg::original_still_running(info.file, h.pid, h.program));
    }
  }
  return Status::ok();
}

}  // namespace ckpt::launcher
