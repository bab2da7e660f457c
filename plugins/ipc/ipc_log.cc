// plugins/ipc/ipc_log.cc: see ipc_log.h. Checkpoint path: yes, except init_log_level().
#include "ipc_log.h"

#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace ckpt::ipc {

namespace {

Level g_level = Level::kWarn;

const char* level_name(Level l) {
  switch (l) {
    case Level::kWarn:
      return "warning";
    case Level::kInfo:
      return "info";
    default:
      return "debug";
  }
}

}  // namespace

void init_log_level() {
  const char* spec = getenv("CKPT_LOG");
  if (spec == nullptr) {
    return;
  }
  if (strstr(spec, "debug") != nullptr || strstr(spec, "trace") != nullptr) {
    g_level = Level::kDebug;
  } else if (strstr(spec, "info") != nullptr) {
    g_level = Level::kInfo;
  }
}

bool log_enabled(Level level) { return static_cast<int>(level) <= static_cast<int>(g_level); }

Line::Line(Level level) : level_(level) {
  s("ckpt ipc[").i(syscall(SYS_getpid)).s("] ").s(level_name(level)).s(": ");
}

Line& Line::s(const char* text) {
  while (text != nullptr && *text != '\0' && len_ + 1 < sizeof buf_) {
    buf_[len_++] = *text++;
  }
  return *this;
}

Line& Line::i(int64_t value) {
  char tmp[24];
  int n = 0;
  uint64_t u = value < 0 ? static_cast<uint64_t>(-(value + 1)) + 1 : static_cast<uint64_t>(value);
  do {
    tmp[n++] = static_cast<char>('0' + u % 10);
    u /= 10;
  } while (u != 0);
  if (value < 0) {
    tmp[n++] = '-';
  }
  while (n > 0 && len_ + 1 < sizeof buf_) {
    buf_[len_++] = tmp[--n];
  }
  return *this;
}

Line& Line::x(uint64_t value) {
  char tmp[20];
  int n = 0;
  do {
    tmp[n++] = "0123456789abcdef"[value & 15];
    value >>= 4;
  } while (value != 0);
  s("0x");
  while (n > 0 && len_ + 1 < sizeof buf_) {
    buf_[len_++] = tmp[--n];
  }
  return *this;
}

void Line::emit() {
  if (!log_enabled(level_)) {
    return;
  }
  buf_[len_++] = '\n';
  ssize_t rc = syscall(SYS_write, 2, buf_, len_);
  (void)rc;
}

}  // namespace ckpt::ipc
