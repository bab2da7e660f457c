// libckpt/image/deleted_map.h: MAP_SHARED mappings of a file that was deleted (unlinked)
// when the checkpoint was taken: "/dev/shm/sem.X (deleted)" (sem_open), unlinked files in
// /dev/shm or elsewhere, memfds ("/memfd:name (deleted)"). The restart loader creates a
// fresh file for them (same name, unlinked again; restore/loader_deleted.cc) and maps it at
// the saved file offset, so the new file's offsets are the old ones. Shared anonymous
// memory ("/dev/zero (deleted)") and SysV shm ("/SYSV...") are not such files: the loader
// maps them as fresh anonymous memory, whose offset 0 is the saved mapping's start.
// Used by the loader and by core/shared_memory.cc. Checkpoint path: yes (no allocation).
#pragma once

#include "sys/str.h"

namespace ckpt::image {

inline constexpr char kDeletedSuffix[] = " (deleted)";

// True for a maps path the loader re-creates as a file (see above).
inline bool is_recreated_deleted_file(const char* path) {
  return path[0] == '/' && sys::ends_with(path, kDeletedSuffix) &&
         !sys::str_eq(path, "/dev/zero (deleted)") && !sys::starts_with(path, "/SYSV");
}

}  // namespace ckpt::image
