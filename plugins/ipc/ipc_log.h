// plugins/ipc/ipc_log.h: one-line log messages of the ipc plugin, built in a stack buffer and
// written to stderr with one write(2). Checkpoint path: yes (no allocation, no stdio).
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace ckpt::ipc {

enum class Level { kWarn, kInfo, kDebug };

// A line under construction: "ckpt ipc[<pid>] <level>: " then the appended pieces.
class Line {
 public:
  explicit Line(Level level);
  Line& s(const char* text);
  Line& i(int64_t value);
  Line& x(uint64_t value);  // 0x... hexadecimal
  void emit();              // writes the line (if the level is enabled) and a newline

 private:
  char buf_[512];
  size_t len_ = 0;
  Level level_;
};

// Reads CKPT_LOG once (not in the checkpoint path): "debug", "info", or "ipc=debug".
void init_log_level();
bool log_enabled(Level level);

}  // namespace ckpt::ipc
