// plugins/socket/socket_table.cc: see socket_table.h. Checkpoint path: capture() (raw
// syscalls into static memory); note_*() run in application threads.
#include "socket_table.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/stat.h>

#include "ckpt/plugin.h"
#include "socket_addr.h"
#include "socket_messages.h"
#include "socket_sys.h"

// libckpt implements ckpt_fd_claim in a later merge; until then the plugin runs without it.
#pragma weak ckpt_fd_claim

namespace ckpt::socket {

namespace {

Table g_table;
Hint g_hints[kMaxHintFd];

uint64_t inode_of(int fd) {
  struct stat st{};
  if (sys::sc(SYS_fstat, fd, &st) < 0 || !S_ISSOCK(st.st_mode)) return 0;
  return st.st_ino;
}

bool get_addr(int fd, long nr, Addr* a) {
  socklen_t len = sizeof a->ss;
  memset(&a->ss, 0, sizeof a->ss);
  long rc = sys::sc(nr, fd, &a->ss, &len);
  a->len = rc < 0 ? 0 : len;
  return rc >= 0;
}

struct Dirent64 {
  uint64_t ino;
  int64_t off;
  unsigned short reclen;
  unsigned char type;
  char name[1];
};

}  // namespace

void for_each_fd(void (*fn)(int fd, void* ctx), void* ctx) {
  long dir = sys::sc(SYS_openat, AT_FDCWD, "/proc/self/fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir < 0) return;
  alignas(8) char buf[4096];
  long n;
  while ((n = sys::sc(SYS_getdents64, dir, buf, sizeof buf)) > 0) {
    for (long off = 0; off < n;) {
      auto* d = reinterpret_cast<Dirent64*>(buf + off);
      off += d->reclen;
      int fd = 0;
      bool digits = d->name[0] != '\0';
      for (const char* p = d->name; *p != '\0'; ++p) {
        digits = digits && *p >= '0' && *p <= '9';
        fd = fd * 10 + (*p - '0');
      }
      if (digits && fd != dir) fn(fd, ctx);
    }
  }
  sys::close_fd(static_cast<int>(dir));
}

namespace {

Kind classify(const Saved& s, bool listening, bool connected) {
  if (listening) return Kind::kListener;
  const Hint* h = hint(s.fd);
  if (!connected && h != nullptr && h->ino == s.ino && h->role == Role::kReset) return Kind::kReset;
  bool stream = s.type == SOCK_STREAM || s.type == SOCK_SEQPACKET;
  if (stream) return connected ? Kind::kStream : Kind::kPlain;
  if (s.domain == AF_UNIX && s.peer_ino != 0 && !is_named(AF_UNIX, s.peer)) {
    return Kind::kDgramPair;
  }
  return Kind::kDgram;
}

void read_options(Saved& s) {
  s.status_flags = static_cast<int>(sys::fcntl(s.fd, F_GETFL));
  s.fd_flags = static_cast<int>(sys::fcntl(s.fd, F_GETFD));
  s.reuseaddr = sys::getopt(s.fd, SOL_SOCKET, SO_REUSEADDR);
  s.keepalive = sys::getopt(s.fd, SOL_SOCKET, SO_KEEPALIVE);
  bool tcp = s.domain != AF_UNIX && s.type == SOCK_STREAM;
  s.nodelay = tcp ? sys::getopt(s.fd, IPPROTO_TCP, TCP_NODELAY) : -1;
  s.v6only = s.domain == AF_INET6 ? sys::getopt(s.fd, IPPROTO_IPV6, IPV6_V6ONLY) : -1;
  const Hint* h = hint(s.fd);
  bool hinted = h != nullptr && h->ino == s.ino;
  s.sndbuf = hinted ? h->sndbuf : 0;
  s.rcvbuf = hinted ? h->rcvbuf : 0;
  s.backlog = hinted && h->backlog > 0 ? h->backlog : SOMAXCONN;
}

bool is_coordinator(const Saved& s) {
  Table& t = table();
  return s.fd >= 512 && t.coord_port > 0 && s.domain != AF_UNIX && s.peer.len != 0 &&
         addr_port(s.peer) == t.coord_port;
}

void capture_one(int fd, void*) {
  Table& t = table();
  uint64_t ino = inode_of(fd);
  if (ino == 0 || t.count >= kMaxSaved) return;
  Saved& s = t.saved[t.count];
  memset(&s, 0, sizeof s);
  s.fd = fd;
  s.ino = ino;
  s.alias_of = -1;
  s.domain = sys::getopt(fd, SOL_SOCKET, SO_DOMAIN);
  s.type = sys::getopt(fd, SOL_SOCKET, SO_TYPE);
  s.protocol = sys::getopt(fd, SOL_SOCKET, SO_PROTOCOL);
  bool listening = sys::getopt(fd, SOL_SOCKET, SO_ACCEPTCONN) == 1;
  get_addr(fd, SYS_getsockname, &s.local);
  bool connected = get_addr(fd, SYS_getpeername, &s.peer);
  if (is_coordinator(s)) return;
  if (s.domain != AF_INET && s.domain != AF_INET6 && s.domain != AF_UNIX) {
    msg::unsupported_domain(fd, s.domain);
    return;
  }
  for (int k = 0; k < t.count; ++k) {
    if (t.saved[k].ino == ino && t.saved[k].alias_of < 0) s.alias_of = k;
  }
  s.peer_ino = (s.domain == AF_UNIX && connected) ? unix_peer_inode(ino) : 0;
  s.kind = classify(s, listening, connected);
  read_options(s);
  endpoint_name(s.domain, s.local, s.ino, s.key_local, sizeof s.key_local);
  endpoint_name(s.domain, s.peer, s.peer_ino, s.key_peer, sizeof s.key_peer);
  s.first_rec = -1;
  s.newfd = s.tmp_listener = -1;
  t.count++;
  if (ckpt_fd_claim != nullptr) ckpt_fd_claim(fd, "socket");
}

}  // namespace

Table& table() { return g_table; }

Hint* hint(int fd) { return fd >= 0 && fd < kMaxHintFd ? &g_hints[fd] : nullptr; }

void note_created(int fd, Role role) {
  Hint* h = hint(fd);
  if (h == nullptr) return;
  *h = Hint{inode_of(fd), role, 0, 0, 0, -1};
}

void note_pair(int fd0, int fd1) {
  note_created(fd0, Role::kPair);
  note_created(fd1, Role::kPair);
  if (hint(fd0) != nullptr) hint(fd0)->pair_fd = fd1;
  if (hint(fd1) != nullptr) hint(fd1)->pair_fd = fd0;
}

void note_role(int fd, Role role) {
  Hint* h = hint(fd);
  if (h == nullptr) return;
  uint64_t ino = inode_of(fd);
  if (h->ino != ino) *h = Hint{ino, role, 0, 0, 0, -1};
  h->role = role;
}

void note_backlog(int fd, int backlog) {
  note_role(fd, Role::kListener);
  if (hint(fd) != nullptr) hint(fd)->backlog = backlog;
}

void note_buffer(int fd, int name, int value) {
  Hint* h = hint(fd);
  if (h == nullptr) return;
  uint64_t ino = inode_of(fd);
  if (h->ino != ino) *h = Hint{ino, Role::kUnknown, 0, 0, 0, -1};
  (name == SO_SNDBUF ? h->sndbuf : h->rcvbuf) = value;
}

int capture() {
  Table& t = table();
  t.count = 0;
  for_each_fd(capture_one, nullptr);
  return t.count;
}

}  // namespace ckpt::socket
