// libckpt/core/kv_client.cc: the coordinator's key-value store and plugin barriers, on the
// checkpoint thread's member session (protocol.h kKvPut/kKvGet/kKvValue, kBarrier). Only
// the checkpoint thread reads that socket, so these calls are refused (-EPERM) elsewhere.
// Checkpoint path: yes. Requests are built in stack buffers, sent in one write(2).
#include <errno.h>

#include "ckpt/plugin.h"
#include "core/coordinator_client.h"
#include "core/plugin_internal.h"
#include "core/runtime.h"
#include "sys/log.h"
#include "sys/str.h"
#include "sys/syscall.h"

namespace ckpt {

namespace {

constexpr size_t kMaxKv = 4000;  // coord_send's buffer: header + key + value

int reply_timeout_ms() { return static_cast<int>(rt().barrier_timeout_ms) + 5000; }

long kv_request(uint16_t type, uint32_t op, const void* key, size_t klen, const void* val,
                size_t vlen) {
  if (!in_ckpt_thread() || rt().coord_fd < 0) return -EPERM;
  if (sizeof(proto::KvPut) + klen + vlen > kMaxKv) return -EMSGSIZE;
  char buf[kMaxKv];
  proto::KvPut h{op, static_cast<uint32_t>(klen), static_cast<uint32_t>(vlen), 0};
  sys::mem_copy(buf, &h, sizeof h);
  sys::mem_copy(buf + sizeof h, key, klen);
  if (vlen > 0) sys::mem_copy(buf + sizeof h + klen, val, vlen);
  return coord_send(rt().coord_fd, type, buf, static_cast<uint32_t>(sizeof h + klen + vlen));
}

// Waits for the kKvValue answer; returns the value length (or -ENOENT) and copies it.
long kv_answer(void* val, size_t cap) {
  for (;;) {
    proto::MsgHeader mh;
    char payload[kMaxKv + 64];
    long n = coord_recv(rt().coord_fd, &mh, payload, sizeof payload, reply_timeout_ms());
    if (n < 0) return n;
    if (mh.type == proto::kKill) sys::kill(sys::getpid(), 9);
    if (mh.type == proto::kAbort) {
      payload[static_cast<size_t>(n) < sizeof payload ? n : sizeof payload - 1] = '\0';
      note_pending_abort(payload);
      return -ECANCELED;
    }
    if (mh.type != proto::kKvValue || n < static_cast<long>(sizeof(proto::KvPut))) continue;
    proto::KvPut h;
    sys::mem_copy(&h, payload, sizeof h);
    if (h.op == 0) return -ENOENT;
    size_t avail = static_cast<size_t>(n) - sizeof h - h.key_len;
    size_t len = h.value_len < avail ? h.value_len : avail;
    sys::mem_copy(val, payload + sizeof h + h.key_len, len < cap ? len : cap);
    return static_cast<long>(h.value_len);
  }
}

}  // namespace

bool in_ckpt_thread() { return rt().ckpt_tid != 0 && sys::gettid() == rt().ckpt_tid; }

void report_plugin_failure(const char* reason) {
  if (!in_ckpt_thread() || rt().coord_fd < 0) return;
  proto::Abort a{};
  sys::str_copy(a.reason, reason, sizeof a.reason);
  coord_send(rt().coord_fd, proto::kAbort, &a, sizeof a);
}

}  // namespace ckpt

using ckpt::kv_answer;
using ckpt::kv_request;

extern "C" CKPT_EXPORT int ckpt_kv_put(const void* key, size_t klen, const void* val,
                                       size_t vlen) {
  long rc = kv_request(ckpt::proto::kKvPut, ckpt::proto::kKvSet, key, klen, val, vlen);
  return rc < 0 ? static_cast<int>(rc) : 0;
}

extern "C" CKPT_EXPORT long ckpt_kv_get(const void* key, size_t klen, void* val, size_t cap) {
  long rc = kv_request(ckpt::proto::kKvGet, 0, key, klen, nullptr, 0);
  return rc < 0 ? rc : kv_answer(val, cap);
}

extern "C" CKPT_EXPORT int ckpt_kv_atomic(ckpt_kv_op_t op, const void* key, size_t klen,
                                          int64_t operand, int64_t* result) {
  if (op == CKPT_KV_SET || op > CKPT_KV_OR) return -EINVAL;
  long rc = kv_request(ckpt::proto::kKvPut, op, key, klen, &operand, sizeof operand);
  int64_t v = 0;
  if (rc == 0) rc = kv_answer(&v, sizeof v);
  if (rc < 0) return static_cast<int>(rc);
  if (result != nullptr) *result = v;
  return 0;
}

extern "C" CKPT_EXPORT int ckpt_barrier(const char* plugin, const char* name,
                                        ckpt_scope_t scope) {
  if (!ckpt::in_ckpt_thread()) return -EPERM;
  if (scope == CKPT_SCOPE_LOCAL) {
    // Plugins of one process run one after the other in this thread: reaching this point
    // means every plugin before this one has finished the step.
    CKPT_LOG(kDebug, "local barrier {}.{}", plugin, name);
    return 0;
  }
  char wire[64];
  ckpt::sys::Fmt(wire, sizeof wire).s(plugin).c('.').s(name);
  ckpt::BarrierOutcome o;
  long rc = ckpt::coord_barrier(ckpt::rt().coord_fd, wire,
                                static_cast<int>(ckpt::rt().barrier_timeout_ms) + 5000, &o);
  if (rc < 0) return static_cast<int>(rc);
  return o.aborted ? 1 : 0;
}
