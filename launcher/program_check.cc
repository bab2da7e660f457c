// launcher/program_check.cc: see program_check.h.
#include "launcher/program_check.h"

#include <elf.h>

#include <cstring>
#include <fstream>
#include <sstream>
#include <vector>

#include "launcher/messages.h"
#include "launcher/paths.h"

namespace ckpt::launcher {

namespace {

enum class Kind { kDynamic, kStatic, kScript, kOther };

Kind classify_elf64(std::ifstream& in) {
  Elf64_Ehdr eh{};
  in.seekg(0);
  if (!in.read(reinterpret_cast<char*>(&eh), sizeof eh) || eh.e_phentsize != sizeof(Elf64_Phdr)) {
    return Kind::kOther;
  }
  for (unsigned i = 0; i < eh.e_phnum; ++i) {
    Elf64_Phdr ph{};
    in.seekg(static_cast<std::streamoff>(eh.e_phoff + i * sizeof ph));
    if (!in.read(reinterpret_cast<char*>(&ph), sizeof ph)) {
      return Kind::kOther;
    }
    if (ph.p_type == PT_INTERP) {
      return Kind::kDynamic;
    }
  }
  return Kind::kStatic;
}

Kind classify(const std::string& path, std::string* interpreter) {
  std::ifstream in(path, std::ios::binary);
  char magic[EI_NIDENT] = {};
  if (!in.read(magic, sizeof magic)) {
    return Kind::kOther;
  }
  if (magic[0] == '#' && magic[1] == '!') {
    in.seekg(2);
    std::string line;
    std::getline(in, line);
    std::istringstream words(line);
    words >> *interpreter;
    return interpreter->empty() ? Kind::kOther : Kind::kScript;
  }
  if (std::memcmp(magic, ELFMAG, SELFMAG) != 0 || magic[EI_CLASS] != ELFCLASS64) {
    return Kind::kOther;
  }
  return classify_elf64(in);
}

}  // namespace

Status check_preloadable(const std::string& path) {
  std::string current = path;
  for (int depth = 0; depth < 4; ++depth) {
    std::string interpreter;
    switch (classify(current, &interpreter)) {
      case Kind::kStatic:
        return Status(Code::kUnsupported, msg::static_program(path, current));
      case Kind::kScript: {
        CKPT_TRY_ASSIGN(current, find_program(interpreter));
        break;
      }
      default:
        return Status::ok();
    }
  }
  return Status::ok();
}

}  // namespace ckpt::launcher
