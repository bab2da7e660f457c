// libckpt/core/dirty_tracker.h: which pages were written since the previous incremental
// image, from userfaultfd write-protection in asynchronous mode (UFFD_FEATURE_WP_ASYNC: the
// kernel itself clears the protection on the first write, no fault handler thread) read
// back with the PAGEMAP_SCAN ioctl, which also protects the written pages again in the same
// walk. This kernel has no soft-dirty bits. Where either feature is missing (older kernel,
// or vm.unprivileged_userfaultfd=0 for a non-root user), or CKPT_DIRTY_TRACKING=hash,
// tracking is off and every page counts as written: the image writer then falls back to
// content hashing (page_index).
//
// Scope: private anonymous writable mappings (heap, stacks, anonymous mmap). Pages written
// by a device through a long-term pin (RDMA memory regions, io_uring fixed buffers) do not
// go through the page tables and are not seen: such memory must count as always written
// (not yet exposed to plugins; until then, use CKPT_DIRTY_TRACKING=hash with RDMA).
// Checkpoint path: yes (raw syscalls; memory mapped once, saved with the process).
#pragma once

#include <stdint.h>

namespace ckpt::dirty_tracker {

// Opens the userfaultfd and maps the tracker's memory now (at init when every checkpoint
// is incremental), so that the fd and the mapping exist from the start, not from the
// first checkpoint on. begin_image does it otherwise.
void start();
// Called by the checkpoint thread at the start of every incremental image, threads
// suspended, before any fork: collects the pages written since the previous call and
// protects them again; anonymous mappings seen for the first time are registered and
// protected (all their pages count as written this time). `generation` is the image's.
void begin_image(uint64_t generation);
// True when the page at `addr` is known not to have been written since the previous
// begin_image; `*since` is that call's generation. Valid until the next begin_image.
bool is_clean(uint64_t addr, uint64_t* since);
// Forgets everything (all pages count as written until the next begin_image).
void forget_all();
// In a child after fork: the parent's tracking is not ours.
void after_fork_child();
// After a restart: the tracking of the previous life is gone; start again.
void after_restart();
// The userfaultfd, or -1: an internal fd the fd table leaves alone.
int fd();

}  // namespace ckpt::dirty_tracker
