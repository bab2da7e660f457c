// libckpt/core/pty_input.cc: see pty_input.h.
#include "core/pty_input.h"

#include <stdint.h>

#include "core/tty_ioctl.h"
#include "sys/log.h"
#include "sys/str.h"
#include "sys/syscall.h"

namespace ckpt {

namespace {

using namespace tty;  // NOLINT: the ioctl numbers and helper (tty_ioctl.h)

constexpr size_t kTermiosSize = 44;   // kernel struct termios2
constexpr size_t kIflagAt = 0, kLflagAt = 12, kCcAt = 17;
constexpr int kVtime = 5, kVmin = 6;
constexpr uint32_t kIsig = 01, kIcanon = 02, kIexten = 0100000;
constexpr uint32_t kEchoFlags = 010 | 020 | 040 | 0100 | 01000 | 02000 | 04000;
constexpr uint32_t kIxon = 02000;
constexpr int kMaxInputs = 64;
constexpr uint32_t kInputBytes = 256 * 1024;

struct Input {
  int index;
  uint32_t off, len;
};

struct Inputs {
  Input list[kMaxInputs];
  int n;
  uint32_t used;
  char bytes[kInputBytes];
};

Inputs g_inputs;

uint32_t word(const char* t, size_t at) {
  uint32_t v;
  sys::mem_copy(&v, t + at, sizeof v);
  return v;
}

void set_word(char* t, size_t at, uint32_t v) { sys::mem_copy(t + at, &v, sizeof v); }

Input* find(int index) {
  for (int i = 0; i < g_inputs.n; ++i) {
    if (g_inputs.list[i].index == index) return &g_inputs.list[i];
  }
  return nullptr;
}

// The settings for a put-back: no echo, no signals, no flow control (IXON).
void quiet_settings(char* t, const char* saved) {
  sys::mem_copy(t, saved, kTermiosSize);
  set_word(t, kIflagAt, word(saved, kIflagAt) & ~kIxon);
  set_word(t, kLflagAt, word(saved, kLflagAt) & ~(kEchoFlags | kIsig | kIexten));
}

}  // namespace

void pty_inputs_reset() {
  g_inputs.n = 0;
  g_inputs.used = 0;
}

void pty_input_save(int index, int slave, const char* termios) {
  if (find(index) != nullptr || g_inputs.n >= kMaxInputs) return;
  char now[64];
  const char* saved = termios;
  if (saved == nullptr) {
    if (ioctl(slave, kTcgets2, now) < 0) return;
    saved = now;
  }
  char raw[64];
  sys::mem_copy(raw, saved, kTermiosSize);
  set_word(raw, kLflagAt, word(saved, kLflagAt) & ~kIcanon);
  raw[kCcAt + kVmin] = 0;
  raw[kCcAt + kVtime] = 0;
  if (ioctl(slave, kTcsets2, raw) < 0) return;
  Input& in = g_inputs.list[g_inputs.n];
  in.index = index;
  in.off = g_inputs.used;
  in.len = 0;
  for (;;) {  // VMIN 0, VTIME 0: 0 once the queue (and the flip buffer) is empty
    uint32_t room = kInputBytes - g_inputs.used;
    long n = room > 0 ? sys::read(slave, g_inputs.bytes + g_inputs.used, room) : 0;
    if (n <= 0) break;
    g_inputs.used += static_cast<uint32_t>(n);
    in.len += static_cast<uint32_t>(n);
  }
  if (g_inputs.used == kInputBytes) {
    CKPT_LOG(kWarn, "pty {}: unread input beyond the arena lost", index);
  }
  ioctl(slave, kTcsets2, saved);
  if (in.len > 0) g_inputs.n++;
}

bool pty_input_pending(int index) {
  const Input* in = find(index);
  return in != nullptr && in->len > 0;
}

void pty_input_put_back(int index, int slave, int master, const char* termios) {
  Input* in = find(index);
  if (in == nullptr || in->len == 0) return;
  char now[64];
  const char* saved = termios;
  if (saved == nullptr) {
    if (ioctl(slave, kTcgets2, now) < 0) return;
    saved = now;
  }
  char quiet[64];
  quiet_settings(quiet, saved);
  ioctl(slave, kTcsets2, quiet);
  const char* b = g_inputs.bytes + in->off;
  uint32_t i = 0;
  while (i < in->len && ioctl(slave, kTiocsti, b + i) == 0) ++i;
  if (i < in->len) {  // no TIOCSTI: through the master, processed asynchronously
    long rc = sys::write_all(master, b + i, in->len - i);
    if (rc < 0) {
      CKPT_LOG(kError, "pty {}: could not put back {} input bytes ({})", index, in->len - i, rc);
    }
    struct { long s, ns; } wait = {0, 20 * 1000 * 1000};
    sys::call(sys::kNanosleep, &wait, nullptr);
  }
  ioctl(slave, kTcsets2, saved);
  in->len = 0;  // once (an aborted next round must not put it back again)
}

}  // namespace ckpt
