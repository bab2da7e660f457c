// plugins/socket/socket_sys.h: raw system calls for the socket plugin. The plugin exports
// socket(), connect(), ... itself, so its own code never calls those names: it goes through
// syscall(2), which takes no lock and never allocates. Each helper returns the result or
// -errno. Checkpoint path: yes.
#pragma once

#include <errno.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

namespace ckpt::socket::sys {

template <typename T>
inline long arg(T* v) {
  return reinterpret_cast<long>(v);
}
template <typename T>
inline long arg(T v) {
  return static_cast<long>(v);
}

template <typename... Args>
inline long sc(long nr, Args... args) {
  long r = ::syscall(nr, arg(args)...);
  return r == -1 ? -errno : r;
}

inline long sock(int domain, int type, int protocol) {
  return sc(SYS_socket, domain, type, protocol);
}
inline long close_fd(int fd) { return sc(SYS_close, fd); }
inline long dup3(int from, int to, int flags) { return sc(SYS_dup3, from, to, flags); }
inline long fcntl(int fd, int cmd, long arg = 0) { return sc(SYS_fcntl, fd, cmd, arg); }
inline long bind(int fd, const void* a, unsigned len) { return sc(SYS_bind, fd, a, len); }
inline long listen(int fd, int backlog) { return sc(SYS_listen, fd, backlog); }
inline long connect(int fd, const void* a, unsigned len) { return sc(SYS_connect, fd, a, len); }
inline long accept(int fd) { return sc(SYS_accept4, fd, 0, 0, SOCK_CLOEXEC); }
inline long setopt(int fd, int level, int name, int value) {
  return sc(SYS_setsockopt, fd, level, name, &value, sizeof value);
}
inline int getopt(int fd, int level, int name) {
  int v = 0;
  unsigned len = sizeof v;
  return sc(SYS_getsockopt, fd, level, name, &v, &len) < 0 ? -1 : v;
}
inline long ioctl(int fd, unsigned long req, void* arg) { return sc(SYS_ioctl, fd, req, arg); }
inline long send(int fd, const void* b, size_t n) {
  return sc(SYS_sendto, fd, b, n, MSG_DONTWAIT | MSG_NOSIGNAL, 0, 0);
}
inline long recv(int fd, void* b, size_t n) {
  return sc(SYS_recvfrom, fd, b, n, MSG_DONTWAIT, 0, 0);
}
inline long sleep_ms(long ms) {
  struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
  return sc(SYS_nanosleep, &ts, 0);
}
inline long now_ms() {
  struct timespec ts{};
  sc(SYS_clock_gettime, CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

}  // namespace ckpt::socket::sys
