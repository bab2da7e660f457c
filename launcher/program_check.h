// launcher/program_check.h: can libckpt be preloaded into this program? A statically linked
// ELF (no PT_INTERP) ignores LD_PRELOAD; a script is judged by its interpreter.
#pragma once

#include <string>

#include "ckpt/status.h"

namespace ckpt::launcher {

// ok for a dynamically linked ELF, or a "#!" script whose interpreter is one; an error naming
// the file for a static ELF. Unknown formats are left to execvp.
Status check_preloadable(const std::string& path);

}  // namespace ckpt::launcher
