// libckpt/core/proc_maps.cc: see proc_maps.h. Checkpoint path: yes.
#include "core/proc_maps.h"

#include <fcntl.h>
#include <sys/mman.h>

#include "sys/str.h"
#include "sys/syscall.h"

namespace ckpt {

namespace {
char* skip_spaces(char* p, char* end) {
  while (p < end && *p == ' ') {
    ++p;
  }
  return p;
}
}  // namespace

bool next_maps_line(char** cursor, char* end, MapsLine* out) {
  char* p = *cursor;
  if (p >= end || *p == '\0') {
    return false;
  }
  char* eol = p;
  while (eol < end && *eol != '\n') {
    ++eol;
  }
  const char* q;
  out->start = sys::parse_u64(p, &q, 16);
  out->end = sys::parse_u64(q + 1, &q, 16);
  p = const_cast<char*>(q) + 1;
  out->prot = (p[0] == 'r' ? PROT_READ : 0) | (p[1] == 'w' ? PROT_WRITE : 0) |
              (p[2] == 'x' ? PROT_EXEC : 0);
  out->shared = p[3] == 's';
  out->offset = sys::parse_u64(p + 5, &q, 16);
  out->dev_major = static_cast<uint32_t>(sys::parse_u64(q + 1, &q, 16));
  out->dev_minor = static_cast<uint32_t>(sys::parse_u64(q + 1, &q, 16));
  out->inode = sys::parse_u64(q + 1, &q, 10);
  char* path = skip_spaces(const_cast<char*>(q), eol);
  out->path = path;
  out->path_len = static_cast<size_t>(eol - path);
  if (eol < end) {
    *eol = '\0';
  }
  *cursor = eol + 1;
  return true;
}

long read_proc_file(const char* path, char* buf, size_t cap) {
  long fd = sys::open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return fd;
  }
  size_t used = 0;
  while (used + 1 < cap) {
    long n = sys::read(static_cast<int>(fd), buf + used, cap - 1 - used);
    if (n == -4) {
      continue;
    }
    if (n <= 0) {
      break;
    }
    used += static_cast<size_t>(n);
  }
  buf[used] = '\0';
  sys::close(static_cast<int>(fd));
  return static_cast<long>(used);
}

}  // namespace ckpt
