// libckpt/core/fd_messages.h: every user-facing message about fds, in one place (STYLE.md
// section 4, tier 3). Each appends to the caller's formatter.
// Checkpoint path: yes (sys::Fmt only, no allocation).
#pragma once

#include <stdint.h>

#include "sys/str.h"

namespace ckpt::fd_msg {

// "fd 5: socket:[1234] (a TCP socket: load the socket plugin)"
void unsupported(sys::Fmt& f, int fd, const char* path, const char* what);
void more_unsupported(sys::Fmt& f, int n);
void file_gone(sys::Fmt& f, int fd, const char* path, const char* host, bool saved);
void file_changed(sys::Fmt& f, int fd, const char* path, const char* what, int64_t was,
                  int64_t now, bool saved);
void restart_failed(sys::Fmt& f, const char* exe);
// What an unsupported fd is and what to do, for unsupported().
const char* socket_hint(int domain, int type);
const char* epoll_hint();
const char* inotify_hint();
const char* mqueue_hint();
const char* unknown_hint();

}  // namespace ckpt::fd_msg
