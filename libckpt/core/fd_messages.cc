// libckpt/core/fd_messages.cc: see fd_messages.h. Checkpoint path: yes.
#include "core/fd_messages.h"

namespace ckpt::fd_msg {

void unsupported(sys::Fmt& f, int fd, const char* path, const char* what) {
  f.s("fd ").i(fd).s(": ").s(path).s(" (").s(what).s(")");
}

void more_unsupported(sys::Fmt& f, int n) { f.s(" and ").i(n).s(" more"); }

void file_gone(sys::Fmt& f, int fd, const char* path, const char* host, bool saved) {
  f.s("fd ").i(fd).s(": ").s(path).s(": the file is gone on host ").s(host).s("; ");
  if (saved) {
    f.s("put it back, or restart with --restore-files to re-create it from the image\n");
  } else {
    f.s("put it back, keep it on a file system every host shares, or launch with "
        "--save-files (its contents are not in the image)\n");
  }
}

void file_changed(sys::Fmt& f, int fd, const char* path, const char* what, int64_t was,
                  int64_t now, bool saved) {
  f.s("fd ").i(fd).s(": ").s(path).s(": the file changed since the checkpoint (").s(what)
      .c(' ').i(was).s(" -> ").i(now).s("); ");
  f.s(saved ? "restart with --restore-files to put back its saved contents, or restore it\n"
            : "restore the file as it was (its contents are not in the image)\n");
}

void restart_failed(sys::Fmt& f, const char* exe) {
  f.s("ckpt: restart of ").s(exe).s(" failed: files differ from the checkpoint:\n");
}

const char* socket_hint(int domain, int type) {
  bool stream = type == 1 /*SOCK_STREAM*/;
  switch (domain) {
    case 1: return stream ? "a Unix stream socket: load the socket plugin"
                          : "a Unix datagram socket: load the socket plugin";
    case 2: return stream ? "a TCP socket: load the socket plugin"
                          : "a UDP or raw IPv4 socket: load the socket plugin";
    case 10: return stream ? "a TCP/IPv6 socket: load the socket plugin"
                           : "a UDP or raw IPv6 socket: load the socket plugin";
    case 16: return "a netlink socket: not supported; close it before checkpointing";
    default: return "a socket of an unsupported family: close it before checkpointing";
  }
}

const char* epoll_hint() {
  return "an epoll set holding a file that is no longer open under the fd number it was "
         "added with: not supported";
}

const char* inotify_hint() {
  return "an inotify instance with watches added without inotify_add_watch(): their paths "
         "are unknown";
}

const char* mqueue_hint() {
  return "a POSIX message queue: not supported; close it before checkpointing";
}

const char* unknown_hint() {
  return "a kind of file ckpt cannot save: close it before checkpointing";
}

}  // namespace ckpt::fd_msg
