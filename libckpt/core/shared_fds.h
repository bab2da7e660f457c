// libckpt/core/shared_fds.h: what several processes of the computation share through their
// fds: pipes whose ends are in different processes, named FIFOs, and open file
// descriptions inherited across fork (one offset for all), and ptys whose master and slave
// are in different processes (shared_ptys.h). Checkpoint path: yes.
//
// Checkpoint: at LEADER_ELECTION every process publishes, per pipe/FIFO (by inode), its
// vpid (KV MIN and MAX) and the ends it holds (OR), and per regular-file fd an entry
// {vpid, pid, fd} under the file's inode. At DRAIN the lowest vpid holding a pipe drains
// its bytes in flight (through a new read end opened on /proc/self/fd/N); fds of one file
// are compared with kcmp(KCMP_FILE) and the lowest (vpid, fd) of each open file
// description leads it. After the image the leader refills the pipe.
// Restart: restore_fds() leaves these fds alone; after the "restart" barrier the leader of
// each pipe re-creates it (capacity, bytes), FIFOs are reopened by path, and one
// ckpt_fd_exchange() hands every other process its ends and the leaders' reopened files.
#pragma once

#include <stdint.h>

namespace ckpt {

void share_elect();           // LEADER_ELECTION, before its barrier
void share_drain();           // DRAIN, before its barrier
void share_refill();          // after the image, when the process goes on
void share_restart();         // restart, after the "restart" barrier (collective)
bool share_restores_fd(int fd);              // restore_fds() must leave fd alone
bool is_cross_process_pipe(uint64_t ino);    // not an internal pipe (pipe_table.cc)

}  // namespace ckpt
