// plugins/ipc/shm_maps.cc: see shm_maps.h. Checkpoint path: yes.
#include "shm_maps.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace ckpt::ipc {

namespace {

char g_maps[1 << 20];

uint64_t hex(const char** p) {
  uint64_t v = 0;
  for (;; ++*p) {
    char c = **p;
    int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
    if (d < 0) {
      return v;
    }
    v = v * 16 + static_cast<uint64_t>(d);
  }
}

uint64_t dec(const char** p) {
  uint64_t v = 0;
  while (**p >= '0' && **p <= '9') {
    v = v * 10 + static_cast<uint64_t>(*(*p)++ - '0');
  }
  return v;
}

void skip_field(const char** p) {
  while (**p != ' ' && **p != '\n' && **p != '\0') ++*p;
  while (**p == ' ') ++*p;
}

bool starts_with(const char* s, const char* prefix) {
  while (*prefix != '\0') {
    if (*s++ != *prefix++) return false;
  }
  return true;
}

// One maps line at *p; advances *p past it. Returns true and fills `a` for a SysV segment.
bool parse_line(const char** p, ShmAttach* a) {
  const char* line = *p;
  a->start = hex(&line);
  ++line;
  a->end = hex(&line);
  ++line;
  a->prot = (line[0] == 'r' ? PROT_READ : 0) | (line[1] == 'w' ? PROT_WRITE : 0) |
            (line[2] == 'x' ? PROT_EXEC : 0);
  bool shared = line[3] == 's';
  skip_field(&line);  // perms
  skip_field(&line);  // offset
  skip_field(&line);  // device
  uint64_t inode = dec(&line);
  while (*line == ' ') ++line;
  bool sysv = shared && starts_with(line, "/SYSV");
  while (*line != '\n' && *line != '\0') ++line;
  *p = *line == '\n' ? line + 1 : line;
  a->shmid = static_cast<int32_t>(inode);
  return sysv;
}

}  // namespace

int read_shm_attachments(SysvState& state) {
  state.nattach = 0;
  long fd = syscall(SYS_open, "/proc/self/maps", O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return -1;
  }
  size_t used = 0;
  for (;;) {
    long n = syscall(SYS_read, fd, g_maps + used, sizeof g_maps - 1 - used);
    if (n <= 0) break;
    used += static_cast<size_t>(n);
  }
  syscall(SYS_close, fd);
  g_maps[used] = '\0';
  const char* p = g_maps;
  while (*p != '\0' && state.nattach < kMaxAttach) {
    ShmAttach a{};
    if (parse_line(&p, &a)) {
      state.attach[state.nattach++] = a;
    }
  }
  return 0;
}

}  // namespace ckpt::ipc
