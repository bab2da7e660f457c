// plugins/socket/socket_restart.cc: see socket_restart.h. Checkpoint path: yes.
#include "socket_restart.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/un.h>

#include "ckpt/plugin.h"
#include "socket_addr.h"
#include "socket_host.h"
#include "socket_messages.h"
#include "socket_share.h"
#include "socket_sys.h"
#include "socket_table.h"

namespace ckpt::socket {

namespace {

constexpr const char* kPlugin = "socket";
int g_base_fd;  // temporary sockets live at or above this number

}  // namespace

long park_fd(long fd) {
  if (fd < 0 || fd >= g_base_fd) return fd;
  long moved = sys::fcntl(static_cast<int>(fd), F_DUPFD_CLOEXEC, g_base_fd);
  sys::close_fd(static_cast<int>(fd));
  return moved;
}

namespace {

long new_socket(int domain, int type, int protocol) {
  return park_fd(sys::sock(domain, type | SOCK_CLOEXEC, protocol));
}

void conn_key(const Saved& s, char* out, size_t cap) {
  Table& t = table();
  bool mine_first = strcmp(s.key_local, s.key_peer) < 0;
  Fmt(out, cap).s("socket.rs.").u(t.generation).c('.').u(t.nonce).c('.')
      .s(mine_first ? s.key_local : s.key_peer).c('=').s(mine_first ? s.key_peer : s.key_local);
}

void unlink_stale_socket_file(const Addr& a) {
  auto* un = reinterpret_cast<const sockaddr_un*>(&a.ss);
  struct stat st{};
  if (un->sun_path[0] != '\0' &&
      sys::sc(SYS_newfstatat, AT_FDCWD, un->sun_path, &st, 0) == 0 && S_ISSOCK(st.st_mode)) {
    sys::sc(SYS_unlinkat, AT_FDCWD, un->sun_path, 0);
  }
}

// A socket file under /tmp or /dev/shm whose directory is gone: a restart on another host,
// whose node-local folders are empty (an Open MPI session directory's PMIx socket, say;
// libckpt/README.md "Node-local files"). Makes the missing directories (0700).
bool make_socket_dirs(const Addr& a) {
  auto* un = reinterpret_cast<const sockaddr_un*>(&a.ss);
  const char* p = un->sun_path;
  bool local = strncmp(p, "/tmp/", 5) == 0 || strncmp(p, "/dev/shm/", 9) == 0;
  if (!local) return false;
  char dir[sizeof un->sun_path];
  size_t n = strnlen(p, sizeof dir - 1);
  memcpy(dir, p, n);
  dir[n] = '\0';
  for (size_t i = 1; i < n; ++i) {
    if (dir[i] != '/') continue;
    dir[i] = '\0';
    sys::sc(SYS_mkdirat, AT_FDCWD, dir, 0700);
    dir[i] = '/';
  }
  return true;
}

// The wildcard address of a's family, a's port kept.
void any_address(Addr* a) {
  if (a->ss.ss_family == AF_INET) {
    reinterpret_cast<sockaddr_in*>(&a->ss)->sin_addr.s_addr = htonl(INADDR_ANY);
  } else {
    reinterpret_cast<sockaddr_in6*>(&a->ss)->sin6_addr = in6addr_any;
  }
}

// Binds to the saved address; an address this host does not have (a restart on another
// host) falls back to the wildcard address, a taken inet port to any port (reported).
long bind_saved(Saved& s, long fd) {
  if (s.v6only >= 0) sys::setopt(static_cast<int>(fd), IPPROTO_IPV6, IPV6_V6ONLY, s.v6only);
  if (s.domain == AF_UNIX) {
    unlink_stale_socket_file(s.local);
    long r = sys::bind(fd, &s.local.ss, s.local.len);
    if (r == -ENOENT && make_socket_dirs(s.local)) r = sys::bind(fd, &s.local.ss, s.local.len);
    return r;
  }
  sys::setopt(static_cast<int>(fd), SOL_SOCKET, SO_REUSEADDR, 1);
  long rc = sys::bind(fd, &s.local.ss, s.local.len);
  if (rc != -EADDRINUSE && rc != -EADDRNOTAVAIL) return rc;
  bool elsewhere = rc == -EADDRNOTAVAIL;
  Addr any = s.local;
  if (elsewhere) {  // another host: the same port on every address of this one
    any_address(&any);
    rc = sys::bind(fd, &any.ss, any.len);
  }
  if (rc == -EADDRINUSE) {
    reinterpret_cast<sockaddr_in*>(&any.ss)->sin_port = 0;  // same offset for sin6_port
    rc = sys::bind(fd, &any.ss, any.len);
  }
  socklen_t len = sizeof any.ss;
  if (rc == 0 && sys::sc(SYS_getsockname, fd, &any.ss, &len) == 0) {
    char old_addr[80], new_addr[80];
    describe_addr(s.domain, s.local, old_addr, sizeof old_addr);
    describe_addr(s.domain, any, new_addr, sizeof new_addr);
    msg::listener_moved(s.fd, old_addr, new_addr, elsewhere);
  }
  return rc;
}

// Converts a to `domain`'s family (IPv4 <-> IPv4-mapped IPv6); other addresses unchanged.
void to_family(int domain, Addr* a) {
  if (domain == AF_INET && a->ss.ss_family == AF_INET6) {
    sockaddr_in6 in6 = *reinterpret_cast<sockaddr_in6*>(&a->ss);
    auto* in = reinterpret_cast<sockaddr_in*>(&a->ss);
    memset(&a->ss, 0, sizeof a->ss);
    in->sin_family = AF_INET;
    in->sin_port = in6.sin6_port;
    memcpy(&in->sin_addr, in6.sin6_addr.s6_addr + 12, 4);
    a->len = sizeof *in;
  } else if (domain == AF_INET6 && a->ss.ss_family == AF_INET) {
    sockaddr_in in = *reinterpret_cast<sockaddr_in*>(&a->ss);
    auto* in6 = reinterpret_cast<sockaddr_in6*>(&a->ss);
    memset(&a->ss, 0, sizeof a->ss);
    in6->sin6_family = AF_INET6;
    in6->sin6_port = in.sin_port;
    in6->sin6_addr.s6_addr[10] = in6->sin6_addr.s6_addr[11] = 0xff;
    memcpy(in6->sin6_addr.s6_addr + 12, &in.sin_addr, 4);
    a->len = sizeof *in6;
  }
}

// Temporary listener of the accepting side of an internal connection; publishes its address.
long listen_for_peer(Saved& s) {
  long l = new_socket(s.domain, s.type, s.protocol);
  if (l < 0) return l;
  Addr a{};
  if (s.domain == AF_UNIX) {
    a.ss.ss_family = AF_UNIX;
    a.len = sizeof(sa_family_t);  // autobind: a fresh abstract name
  } else {
    a = s.local;
    reinterpret_cast<sockaddr_in*>(&a.ss)->sin_port = 0;
  }
  socklen_t len = sizeof a.ss;
  long rc = sys::bind(l, &a.ss, a.len);
  if (rc == -EADDRNOTAVAIL && host_address(&a)) {  // another host: an address of this one
    to_family(s.domain, &a);                          // that the peer can reach
    rc = sys::bind(l, &a.ss, a.len);
  }
  if (rc == 0) rc = sys::listen(static_cast<int>(l), 4);
  if (rc == 0) rc = sys::sc(SYS_getsockname, l, &a.ss, &len);
  a.len = len;
  char key[2 * kKeyLen + 64];
  conn_key(s, key, sizeof key);
  if (rc == 0) rc = ckpt_kv_put(key, strlen(key), &a, sizeof a);
  if (rc != 0) {
    sys::close_fd(static_cast<int>(l));
    return rc;
  }
  return l;
}

// The published address, converted to the connecting socket's family.
bool peer_address(const Saved& s, Addr* a) {
  char key[2 * kKeyLen + 64];
  conn_key(s, key, sizeof key);
  if (ckpt_kv_get(key, strlen(key), a, sizeof *a) != static_cast<long>(sizeof *a)) return false;
  to_family(s.domain, a);
  return true;
}

int find_inode(uint64_t ino) {
  Table& t = table();
  for (int k = 0; k < t.count; ++k) {
    if (t.saved[k].ino == ino && t.saved[k].alias_of < 0) return k;
  }
  return -1;
}

// An unnamed Unix datagram pair: made once, by the process that holds the lower-numbered
// record of both ends, or (ends in several processes) by the pair's owner, which keeps the
// end it does not hold for the exchange (socket_share.h).
void make_dgram_pair(int i, Saved& s) {
  int j = find_inode(s.peer_ino);
  bool for_others = j < 0 && s.shared;  // owner: followers hold the other end
  int sv[2];
  if (j <= i && !for_others) return;
  if (sys::sc(SYS_socketpair, AF_UNIX, s.type | SOCK_CLOEXEC, 0, sv) == 0) {
    s.newfd = static_cast<int>(park_fd(sv[0]));
    if (for_others) {
      s.pair_extra = static_cast<int>(park_fd(sv[1]));
    } else {
      table().saved[j].newfd = static_cast<int>(park_fd(sv[1]));
    }
  }
}

void phase_bind_one(int i, Saved& s) {
  long fd = -1;
  switch (s.kind) {
    case Kind::kListener:
      fd = new_socket(s.domain, s.type, s.protocol);
      if (fd >= 0 && bind_saved(s, fd) == 0 && sys::listen(static_cast<int>(fd), s.backlog) == 0) {
        s.newfd = static_cast<int>(fd);
      } else if (fd >= 0) {
        char addr[120];
        describe_addr(s.domain, s.local, addr, sizeof addr);
        msg::listen_failed(s.fd, addr, -errno);
        sys::close_fd(static_cast<int>(fd));
      }
      return;
    case Kind::kReset:
      return;  // install_one() makes it a reset connection again
    case Kind::kStream:
      if (!s.internal) {
        char peer[120];
        describe_addr(s.domain, s.peer, peer, sizeof peer);
        msg::external_reset(s.fd, peer);
      } else if (s.acceptor) {
        long l = listen_for_peer(s);
        s.tmp_listener = static_cast<int>(l);
        if (l < 0) msg::restart_failed(s.fd, "listen for the peer", l);
      }
      return;
    case Kind::kDgramPair:
      make_dgram_pair(i, s);
      return;
    default:
      fd = new_socket(s.domain, s.type, s.protocol);
      if (fd >= 0 && is_named(s.domain, s.local) && bind_saved(s, fd) != 0) {
        msg::restart_failed(s.fd, "bind again", -errno);
      }
      s.newfd = static_cast<int>(fd);
      return;
  }
}

void phase_connect_one(Saved& s) {
  Addr a{};
  if (s.kind == Kind::kDgram && s.newfd >= 0 && s.peer.len > sizeof(sa_family_t)) {
    long rc = sys::connect(s.newfd, &s.peer.ss, s.peer.len);
    if (rc < 0) msg::restart_failed(s.fd, "connect the datagram socket again", rc);
  }
  if (s.kind != Kind::kStream || !s.internal || s.acceptor) return;
  if (!peer_address(s, &a)) {
    msg::restart_failed(s.fd, "find the peer's address", -ENOENT);
    return;
  }
  long fd = new_socket(s.domain, s.type, s.protocol);
  long rc = fd < 0 ? fd : sys::connect(fd, &a.ss, a.len);
  if (rc == 0) {
    s.newfd = static_cast<int>(fd);
  } else {
    msg::restart_failed(s.fd, "reconnect to the peer", rc);
    if (fd >= 0) sys::close_fd(static_cast<int>(fd));
  }
}

void phase_accept_one(Saved& s) {
  if (s.tmp_listener < 0) return;
  struct pollfd p = {s.tmp_listener, POLLIN, 0};
  struct timespec ts = {10, 0};
  long rc = sys::sc(SYS_ppoll, &p, 1, &ts, 0, 8);
  long fd = rc == 1 ? park_fd(sys::accept(s.tmp_listener)) : -ETIMEDOUT;
  if (fd >= 0) {
    s.newfd = static_cast<int>(fd);
  } else {
    msg::restart_failed(s.fd, "accept the peer's connection", fd);
  }
  sys::close_fd(s.tmp_listener);
  s.tmp_listener = -1;
}

void set_options(const Saved& s, int fd) {
  if (s.reuseaddr >= 0) sys::setopt(fd, SOL_SOCKET, SO_REUSEADDR, s.reuseaddr);
  if (s.keepalive > 0) sys::setopt(fd, SOL_SOCKET, SO_KEEPALIVE, 1);
  if (s.nodelay > 0) sys::setopt(fd, IPPROTO_TCP, TCP_NODELAY, 1);
  if (s.sndbuf > 0) sys::setopt(fd, SOL_SOCKET, SO_SNDBUF, s.sndbuf);
  if (s.rcvbuf > 0) sys::setopt(fd, SOL_SOCKET, SO_RCVBUF, s.rcvbuf);
  sys::fcntl(fd, F_SETFL, s.status_flags & ~O_ACCMODE);
}

void install_one(Saved& s) {
  Table& t = table();
  if (s.alias_of >= 0) {
    sys::dup3(t.saved[s.alias_of].fd, s.fd, (s.fd_flags & FD_CLOEXEC) ? O_CLOEXEC : 0);
    return;
  }
  bool reset = s.newfd < 0;
  if (reset) s.newfd = static_cast<int>(make_reset(s));
  if (s.newfd < 0) return;
  set_options(s, s.newfd);
  sys::dup3(s.newfd, s.fd, (s.fd_flags & FD_CLOEXEC) ? O_CLOEXEC : 0);
  if (reset) note_created(s.fd, Role::kReset);
  sys::close_fd(s.newfd);
  s.newfd = -1;
  msg::debug("restored", s.fd, static_cast<int64_t>(s.kind));
}

}  // namespace

long make_reset(const Saved& s) {
  if (s.domain == AF_UNIX) {
    int sv[2];
    if (sys::sc(SYS_socketpair, AF_UNIX, s.type | SOCK_CLOEXEC, 0, sv) < 0) return -1;
    sys::close_fd(sv[1]);
    return park_fd(sv[0]);
  }
  long l = new_socket(s.domain, SOCK_STREAM, 0);
  long c = new_socket(s.domain, s.type, s.protocol);
  Addr a{};
  a.ss.ss_family = static_cast<sa_family_t>(s.domain);
  if (s.domain == AF_INET) {
    reinterpret_cast<sockaddr_in*>(&a.ss)->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.len = sizeof(sockaddr_in);
  } else {
    reinterpret_cast<sockaddr_in6*>(&a.ss)->sin6_addr = in6addr_loopback;
    a.len = sizeof(sockaddr_in6);
  }
  socklen_t len = sizeof a.ss;
  if (l >= 0 && c >= 0 && sys::bind(l, &a.ss, a.len) == 0 && sys::listen(l, 1) == 0 &&
      sys::sc(SYS_getsockname, l, &a.ss, &len) == 0 && sys::connect(c, &a.ss, len) == 0) {
    long acc = sys::accept(static_cast<int>(l));
    struct linger lg = {1, 0};
    if (acc >= 0) sys::sc(SYS_setsockopt, acc, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
    if (acc >= 0) sys::close_fd(static_cast<int>(acc));
  }
  if (l >= 0) sys::close_fd(static_cast<int>(l));
  return c;
}

int restart_all() {
  Table& t = table();
  g_base_fd = 3;
  for (int i = 0; i < t.count; ++i) {
    if (t.saved[i].fd >= g_base_fd) g_base_fd = t.saved[i].fd + 1;
  }
  for (int i = 0; i < t.count; ++i) {
    t.saved[i].newfd = t.saved[i].tmp_listener = t.saved[i].pair_extra = -1;
  }
  for (int i = 0; i < t.count; ++i) {
    if (t.saved[i].alias_of < 0 && !t.saved[i].follower) phase_bind_one(i, t.saved[i]);
  }
  int rc = ckpt_barrier(kPlugin, "listening", CKPT_SCOPE_GLOBAL);
  if (rc != 0) return rc;
  for (int i = 0; i < t.count; ++i) {
    if (t.saved[i].alias_of < 0 && !t.saved[i].follower) phase_connect_one(t.saved[i]);
  }
  for (int i = 0; i < t.count; ++i) phase_accept_one(t.saved[i]);
  for (int i = 0; i < t.count; ++i) {
    if (!t.saved[i].follower) install_one(t.saved[i]);
  }
  rc = share_restart();
  if (rc != 0) return rc;
  return ckpt_barrier(kPlugin, "connected", CKPT_SCOPE_GLOBAL);
}

}  // namespace ckpt::socket
