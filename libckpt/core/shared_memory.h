// libckpt/core/shared_memory.h: MAP_SHARED|MAP_ANONYMOUS regions that several processes
// share (inherited across fork; "/dev/zero (deleted)" in maps), and MAP_SHARED maps of
// files deleted before the checkpoint (sem_open's /dev/shm/sem.X, unlinked /dev/shm files,
// memfds; the loader re-creates those, see image/deleted_map.h). Only the leader's image
// (lowest vpid mapping the object, elected through KV MIN/MAX) keeps the pages; the
// others' regions are marked kRegionSharedElsewhere and saved empty. The loader maps each
// back as a fresh shared anonymous mapping; after the "restart" barrier the leader offers
// its new object (/proc/self/map_files/<range>) and the others map it over theirs at the
// same offset, so the processes share it again. POSIX shm and shared file mappings need no
// election: their file still exists and every process maps it again (the loader checks
// only its inode and size, since the first restored process writes the saved pages back).
// Called from shared_fds.cc's steps. Checkpoint path: yes.
#pragma once

#include <stdint.h>

namespace ckpt {

void shm_elect(int64_t tag);   // LEADER_ELECTION
void shm_resolve();            // DRAIN
void shm_restart_prepare();    // restart, before the fd exchange: offers and wants
void shm_restart_finish();     // restart, after it: followers map the leader's object
// At WRITE_CKPT: the region starting at `start` is shared with a leader that saves its
// pages, so this image keeps none (image flag kRegionSharedElsewhere).
bool shm_saved_elsewhere(uint64_t start);
// Restart, before the fd exchange (fd_files.cc): an O_RDWR fd of this process's mapping of
// the file that was (st_dev, ino) at the checkpoint, if this process maps it and is not
// waiting for a leader's object; else < 0.
long shm_reopen_mapped(uint64_t st_dev, uint64_t ino);

}  // namespace ckpt
