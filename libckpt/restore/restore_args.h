// libckpt/restore/restore_args.h: what the restart loader hands to libckpt's restart entry.
// Plain data, shared by the libc-free loader and libckpt.
#pragma once

#include <stdint.h>

namespace ckpt {

inline constexpr uint64_t kRestoreArgsMagic = 0x5241545345524b43ull;  // "CKRESTAR"

struct RestoreArgs {
  uint64_t magic;
  uint64_t unmap[4][2];   // the loader's own mappings, unmapped once every thread runs again
  uint32_t nunmap;
  int32_t verbose;
  char image_path[1024];
  char coord_host[256];
  char coord_port[16];
  char ckpt_dir[1024];
  char log_spec[128];
  char secret[64];
  int32_t restore_files;  // CKPT_RESTORE_FILES: re-create changed files from saved contents
  int32_t reserved;
  // Files of shared mappings the loader re-created because they were missing (restart on
  // another host: image/node_local.h); libckpt logs them at info.
  uint32_t recreated_count;
  char recreated_paths[508];  // the first ones, ", "-separated (cut when full)
};

}  // namespace ckpt

extern "C" [[noreturn]] void ckpt_restart_entry(const ckpt::RestoreArgs* args, uint64_t arg);
