// libckpt/core/shared_kv.h: key-value store keys of an object shared by processes of one
// host during one round ("<kind>:<round tag>:<host>:<dev>:<ino>:<what>"), and the atomic
// op on them, for the shared fds (shared_fds.cc) and shared memory (shared_memory.cc).
// Checkpoint path: yes.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "ckpt/plugin.h"
#include "core/runtime.h"
#include "sys/str.h"

namespace ckpt {

inline void shared_kv_key(char* out, size_t cap, const char* kind, int64_t tag, uint64_t dev,
                          uint64_t ino, const char* what) {
  sys::Fmt(out, cap).s(kind).c(':').i(tag).c(':').s(rt().host).c(':').u(dev).c(':').u(ino)
      .c(':').s(what);
}

// Applies `op` with operand v; returns the value after it (v if the store did not answer).
inline int64_t shared_kv_op(ckpt_kv_op_t op, const char* kind, int64_t tag, uint64_t dev,
                            uint64_t ino, const char* what, int64_t v) {
  char k[256];
  shared_kv_key(k, sizeof k, kind, tag, dev, ino, what);
  int64_t out = v;
  ckpt_kv_atomic(op, k, sys::str_len(k), v, &out);
  return out;
}

}  // namespace ckpt
