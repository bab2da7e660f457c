// libckpt/core/fd_table.h: the process's file-descriptor table. At checkpoint every fd is
// recorded (FdRecord, runtime.h) and classified (FdDetail, fd_detail.h); at restart each is
// re-created at its number with its flags and offset: regular files, directories and
// devices are reopened (after a check that they are still the same, fd_files.h), unlinked
// files and memfds re-created from saved contents, eventfd/timerfd/signalfd/epoll/inotify/pty
// re-created from their saved state (fd_kinds.h), dup'd fds dup'd again, pipes inside the
// process re-created and refilled (pipe_table.h). A standard fd that was a terminal, pipe or
// socket is taken from `ckpt restart`. Fds claimed by a plugin are left to it.
// Checkpoint path: yes.
#pragma once

namespace ckpt {

void fds_round_begin();           // start of a round: forget the last round's claims
void scan_fds();                  // records + classification; no fd is changed
void capture_fds();               // scan, save file contents, drain internal pipes
void fds_after_image();           // the image is written (or the round ended): free contents
void set_restore_files(bool on);  // `ckpt restart --restore-files`
void restore_fds();               // restart entry; exits the process if files changed
void restore_fds_after_plugins(); // after the plugins' RESTART: epoll entries of claimed fds
void close_fds_from(int first);

}  // namespace ckpt
