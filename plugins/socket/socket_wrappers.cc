// plugins/socket/socket_wrappers.cc: interposers that record what the application does with
// its sockets (socket_table.h "Hint"). Wrapped: socket, socketpair, bind, listen, connect,
// accept, accept4, setsockopt (SO_SNDBUF/SO_RCVBUF). close/dup/dup2/dup3/fcntl are not
// wrapped: each hint carries the socket's inode and is ignored once the fd holds another
// file, and dup'd fds are found at checkpoint by their shared inode.
// Not checkpoint-path: application threads; errno is preserved.
#include <errno.h>
#include <sys/socket.h>

#include "ckpt/plugin.h"
#include "socket_table.h"

using ckpt::socket::Role;

namespace {

struct ErrnoGuard {
  int saved = errno;
  ~ErrnoGuard() { errno = saved; }
};

}  // namespace

extern "C" CKPT_EXPORT int socket(int domain, int type, int protocol) {
  int fd = CKPT_NEXT(socket)(domain, type, protocol);
  ErrnoGuard g;
  if (fd >= 0) ckpt::socket::note_created(fd, Role::kCreated);
  return fd;
}

extern "C" CKPT_EXPORT int socketpair(int domain, int type, int protocol, int sv[2]) {
  int rc = CKPT_NEXT(socketpair)(domain, type, protocol, sv);
  ErrnoGuard g;
  if (rc == 0) ckpt::socket::note_pair(sv[0], sv[1]);
  return rc;
}

extern "C" CKPT_EXPORT int bind(int fd, const struct sockaddr* addr, socklen_t len) {
  int rc = CKPT_NEXT(bind)(fd, addr, len);
  ErrnoGuard g;
  if (rc == 0) ckpt::socket::note_role(fd, Role::kBound);
  return rc;
}

extern "C" CKPT_EXPORT int listen(int fd, int backlog) {
  int rc = CKPT_NEXT(listen)(fd, backlog);
  ErrnoGuard g;
  if (rc == 0) ckpt::socket::note_backlog(fd, backlog);
  return rc;
}

extern "C" CKPT_EXPORT int connect(int fd, const struct sockaddr* addr, socklen_t len) {
  int rc = CKPT_NEXT(connect)(fd, addr, len);
  ErrnoGuard g;
  if (rc == 0 || g.saved == EINPROGRESS) ckpt::socket::note_role(fd, Role::kConnected);
  return rc;
}

extern "C" CKPT_EXPORT int accept(int fd, struct sockaddr* addr, socklen_t* len) {
  int c = CKPT_NEXT(accept)(fd, addr, len);
  ErrnoGuard g;
  if (c >= 0) ckpt::socket::note_created(c, Role::kAccepted);
  return c;
}

extern "C" CKPT_EXPORT int accept4(int fd, struct sockaddr* addr, socklen_t* len, int flags) {
  int c = CKPT_NEXT(accept4)(fd, addr, len, flags);
  ErrnoGuard g;
  if (c >= 0) ckpt::socket::note_created(c, Role::kAccepted);
  return c;
}

extern "C" CKPT_EXPORT int setsockopt(int fd, int level, int name, const void* val,
                                      socklen_t len) {
  int rc = CKPT_NEXT(setsockopt)(fd, level, name, val, len);
  ErrnoGuard g;
  bool buffer = level == SOL_SOCKET && (name == SO_SNDBUF || name == SO_RCVBUF);
  if (rc == 0 && buffer && len >= sizeof(int)) {
    ckpt::socket::note_buffer(fd, name, *static_cast<const int*>(val));
  }
  return rc;
}
