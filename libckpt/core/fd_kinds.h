// libckpt/core/fd_kinds.h: capture and re-creation of each fd kind that lives inside one
// process (see fd_detail.h for the saved state). Capture runs in the checkpoint thread with
// every user thread stopped; restore runs in the restart entry before any thread resumes.
// Each restore_* creates the object, moves it to rec.fd and returns 0 or -errno.
// Checkpoint path: yes (raw syscalls, static memory only).
#pragma once

#include "core/fd_detail.h"
#include "core/runtime.h"

namespace ckpt {

// Decides rec's FdSub (and detail) from its kind, path and fdinfo. `idx` is rec's index.
void classify_fd(int idx, const char* path);

// fd_anon.cc: eventfd, timerfd, signalfd.
void capture_eventfd(FdDetail& d, const char* info);
void capture_timerfd(int fd, FdDetail& d, const char* info);
void capture_signalfd(FdDetail& d, const char* info);
long restore_eventfd(const FdRecord& rec, const FdDetail& d);
long restore_timerfd(const FdRecord& rec, const FdDetail& d);
long restore_signalfd(const FdRecord& rec, const FdDetail& d);

// fd_epoll.cc: the set is recorded from fdinfo; instances are created in the first pass,
// filled once every other fd is back (targets claimed by a plugin: after its RESTART).
bool capture_epoll(FdDetail& d, const char* info);  // false: a target is gone
long restore_epoll(const FdRecord& rec);
void fill_epolls(bool claimed_targets);

// fd_inotify.cc: watches from fdinfo, paths from the inotify_add_watch wrapper.
bool capture_inotify(int fd, FdDetail& d, const char* info);  // false: a path unknown
long restore_inotify(const FdRecord& rec, const FdDetail& d);
// Called by the wrappers (inotify_wrappers.cc).
void note_inotify_watch(int fd, int wd, const char* path, uint32_t mask);
void forget_inotify_watch(int fd, int wd);
// inotify_queue.cc: events queued at the checkpoint, handed out again by read().
void capture_inotify_queue(int fd);     // capture: reads the kernel queue out
void inotify_queues_after_image();      // the process runs on: wake-up markers queued
void inotify_queue_restored(int fd);    // restart, fd re-created: its marker queued
bool inotify_queues_pending();          // the read wrappers' fast path
long inotify_queue_read(int fd, void* buf, size_t n, long (*next)(int, void*, size_t));

// fd_pty.cc: a pty master and its slaves in this process.
void capture_pty(int idx, const char* path, const char* info);
long restore_pty(int idx);
void link_ptys();  // after every fd is classified: pairs slaves with their masters
void pty_inputs_capture(bool save);  // true: save unread input; false: put it back

// Moves a freshly created fd `tmp` to rec.fd (closing tmp), applies FD_CLOEXEC and the
// status flags (O_NONBLOCK, O_APPEND...). Returns 0 or -errno.
long place_fd(long tmp, const FdRecord& rec);

}  // namespace ckpt
