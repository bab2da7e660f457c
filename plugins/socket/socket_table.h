// plugins/socket/socket_table.h: what the plugin knows about the process's sockets.
//
// Two tables, both static (process memory, so they are part of the image):
//  - Hint, indexed by fd: what the wrappers saw (role, requested buffer sizes, backlog,
//    socketpair partner), stamped with the socket's inode. A hint whose inode no longer
//    matches the fd (closed, dup2'd over, replaced) is ignored, so close/dup need no wrapper.
//  - Saved: one record per socket fd, filled at CKPT_EVENT_SUSPENDED from the kernel
//    (/proc/self/fd, getsockname/getpeername/getsockopt, sock_diag for Unix peers) plus the
//    hints. It drives drain, refill and restart.
// Checkpoint path: capture() and everything after it; the hint setters run in application
// threads inside wrappers (no allocation either).
#pragma once

#include <stdint.h>
#include <sys/socket.h>

namespace ckpt::socket {

enum class Role : uint8_t {
  kUnknown, kCreated, kBound, kListener, kConnected, kAccepted, kPair,
  kReset  // restored by the plugin as a reset connection: stays one at the next restart
};

struct Addr {
  uint32_t len;
  sockaddr_storage ss;
};

struct Hint {
  uint64_t ino;  // 0 = no hint
  Role role;
  int backlog;
  int sndbuf;    // value the application passed to setsockopt, 0 if never set
  int rcvbuf;
  int pair_fd;   // socketpair partner, -1
};

// What a socket becomes at restart.
enum class Kind : uint8_t {
  kListener,  // bind + listen at the saved address
  kStream,    // connected stream/seqpacket: internal (reconnected) or external (reset)
  kDgram,     // datagram: bind/connect again; in-flight datagrams are not kept
  kPlain,     // created or bound, never connected: same state again
  kDgramPair, // unnamed connected Unix datagram pair
  kReset      // a connection already reset (an external one after a restart)
};

constexpr int kMaxHintFd = 4096;
constexpr int kMaxSaved = 1024;
constexpr int kKeyLen = 96;

struct Saved {
  int fd;
  int alias_of;  // index of the first record with the same inode, or -1
  int domain, type, protocol;
  uint64_t ino, peer_ino;
  Addr local, peer;
  Kind kind;
  bool internal;       // kStream: the peer endpoint belongs to the computation
  bool acceptor;       // kStream internal: this side listens at restart
  bool shared;         // other processes of the host hold it too (socket_share.h)
  bool follower;       // shared, and another process owns it: left alone, received at restart
  int status_flags, fd_flags;
  int reuseaddr, keepalive, nodelay, v6only, sndbuf, rcvbuf, backlog;
  char key_local[kKeyLen], key_peer[kKeyLen];
  // drain / refill
  int32_t first_rec;   // drained bytes: first record in the drain log, -1 if none
  uint64_t drained;
  // restart
  int newfd;           // re-created socket (temporary fd number), -1
  int tmp_listener;    // acceptor side: temporary listener, -1
  int pair_extra;      // kDgramPair owner: the re-made other end, held only by followers, -1
};

struct Table {
  Saved saved[kMaxSaved];
  int count;
  uint64_t nonce;      // round id agreed through the KV store
  uint64_t generation;
  bool drained;        // drain done, refill pending
  bool drain_confirmed;  // the core's drain barrier passed (WRITE_CKPT was raised)
  bool shared_round;   // some process of the round shares a socket: exchange fds at restart
  int coord_port;
};

Table& table();
Hint* hint(int fd);  // nullptr when fd is out of range

// Wrapper side: records what the application did with fd.
void note_created(int fd, Role role);
void note_pair(int fd0, int fd1);
void note_role(int fd, Role role);
void note_backlog(int fd, int backlog);
void note_buffer(int fd, int name, int value);

// Calls fn for every open fd of the process (/proc/self/fd, raw syscalls).
void for_each_fd(void (*fn)(int fd, void* ctx), void* ctx);

// Fills table().saved from the kernel; claims each socket for the plugin. Returns the count.
int capture();

}  // namespace ckpt::socket
