// coordinator/restart_script.h: the text of a generation's restart.sh, a readable script that
// restarts that generation with the ckpt binary that ran the coordinator.
#pragma once

#include <string>

#include "coordinator/generation_index.h"

namespace ckpt::coord {

// The ckpt binary: $CKPT_BIN if set, else /proc/self/exe (the coordinator runs inside `ckpt`).
std::string ckpt_binary_path();
// Quotes `text` for /bin/sh (single quotes; embedded ones as '\'').
std::string shell_quote(const std::string& text);
std::string restart_script_text(const IndexInfo& info, const std::string& ckpt_binary);

}  // namespace ckpt::coord
