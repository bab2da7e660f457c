// libckpt/core/proc_maps.h: parse /proc/self/maps lines into RegionEntry records.
// Checkpoint path: yes (no allocation; parses a caller-provided buffer in place).
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace ckpt {

struct MapsLine {
  uint64_t start, end, offset, inode;
  uint32_t dev_major, dev_minor;
  int prot;          // PROT_*
  bool shared;
  const char* path;  // points into the buffer; NUL-terminated after parse
  size_t path_len;
};

// Parses the line starting at *cursor, NUL-terminates its path and advances *cursor to
// the next line. Returns false at the end of the buffer.
bool next_maps_line(char** cursor, char* end, MapsLine* out);

// Reads a whole /proc file into buf (raw syscalls). Returns bytes read or -errno.
long read_proc_file(const char* path, char* buf, size_t cap);

}  // namespace ckpt
