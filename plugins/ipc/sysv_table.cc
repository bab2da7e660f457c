// plugins/ipc/sysv_table.cc: see sysv_table.h. Checkpoint path: yes.
#include "sysv_table.h"

namespace ckpt::ipc {

namespace {

// Virtual ids start equal to the kernel's; the counter is only used on a collision.
CKPT_ID_TABLE(g_shm_ids, 4096, 1 << 28);
CKPT_ID_TABLE(g_sem_ids, 4096, 1 << 28);
CKPT_ID_TABLE(g_msg_ids, 4096, 1 << 28);

SysvState g_state;
char g_pool[kPoolBytes];

char* put_u(char* p, char* end, uint64_t v) {
  char tmp[24];
  int n = 0;
  do {
    tmp[n++] = static_cast<char>('0' + v % 10);
    v /= 10;
  } while (v != 0);
  while (n > 0 && p < end) {
    *p++ = tmp[--n];
  }
  return p;
}

char* put_s(char* p, char* end, const char* s) {
  while (*s != '\0' && p < end) {
    *p++ = *s++;
  }
  return p;
}

}  // namespace

const char* kind_name(Kind k) {
  switch (k) {
    case Kind::kShm:
      return "shm";
    case Kind::kSem:
      return "sem";
    default:
      return "msg";
  }
}

ckpt_id_table_t* sysv_ids(Kind k) {
  switch (k) {
    case Kind::kShm:
      return &g_shm_ids;
    case Kind::kSem:
      return &g_sem_ids;
    default:
      return &g_msg_ids;
  }
}

SysvState& sysv_state() { return g_state; }

char* pool() { return g_pool; }

void kv_key(char* out, size_t cap, const char* what, uint64_t gen, Kind k, int64_t id) {
  char* p = out;
  char* end = out + cap - 1;
  p = put_s(p, end, "ipc.");
  p = put_s(p, end, what);
  p = put_s(p, end, ".");
  p = put_u(p, end, gen);
  p = put_s(p, end, ".");
  p = put_s(p, end, kind_name(k));
  p = put_s(p, end, ".");
  p = put_u(p, end, static_cast<uint64_t>(id));
  *p = '\0';
}

size_t str_len(const char* s) {
  size_t n = 0;
  while (s[n] != '\0') {
    ++n;
  }
  return n;
}

}  // namespace ckpt::ipc
