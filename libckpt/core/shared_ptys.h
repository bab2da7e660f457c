// libckpt/core/shared_ptys.h: a pseudo-terminal whose master is in one process of the
// computation and whose slave is open in others (mpirun's I/O forwarding: the master in
// mpirun, the slave as each rank's stdout). Part of the shared fds (shared_fds.h).
// Checkpoint: every master (/dev/ptmx, index by TIOCGPTN) and slave (/dev/pts/N) fd gets a
// SharedFd entry keyed by the pty index. At LEADER_ELECTION the master's holder publishes
// its vpid; every slave holder without the master counts itself and publishes the
// terminal settings (termios2). At DRAIN a master without remote slaves, and a slave whose
// master is outside the computation (or in the same process: fd_pty.cc), go back to the
// per-process code; the master's holder takes the settings and reads the bytes the slaves
// wrote that it had not read yet (they are saved in the table's byte arena).
// After the image (the job goes on) and at restart the master's holder opens a slave
// (TIOCGPTPEER), sets the saved settings and writes those bytes back through it with
// output processing off, so the master reads them again. At restart it offers that slave
// in the fd exchange ("t:<index>"); each slave holder places it instead of the terminal
// of `ckpt restart`. Bytes the master wrote that no slave had read yet are read by the
// master's holder at DRAIN through a slave of its own and put back with that slave
// (pty_input.h).
// Checkpoint path: yes.
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#include "core/shared_fd_table.h"

namespace ckpt {

bool pty_classify(SharedFd& s, const struct stat& st);  // s is a pty end: filled, true
void pty_publish(int64_t tag, const SharedFd& s);
void pty_resolve(int64_t tag, SharedFd& s);        // at DRAIN: every slave before any master
long pty_reopen_slave(const SharedFd& s);          // master's holder: slave fd, refilled
void pty_exchange_key(char* out, size_t cap, const SharedFd& s);

}  // namespace ckpt
