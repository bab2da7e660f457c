// launcher/running_check.h: refuses to restart a generation while its processes still run
// on this host. A second copy would reopen the same files at the same offsets and write
// over the original's output. --force restarts anyway (e.g. after moving the files).
#pragma once

#include "ckpt/status.h"
#include "launcher/generation_finder.h"

namespace ckpt::launcher {

Status check_not_running(const Generation& gen);

}  // namespace ckpt::launcher
