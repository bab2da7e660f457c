// plugins/socket/socket_restart.h: re-creating every saved socket at CKPT_EVENT_RESTART.
//
//   A  each socket is created at a temporary fd above every saved fd number: listeners and
//      bound sockets bind again (same address; a taken TCP/UDP port falls back to any port,
//      reported), Unix socket files left by the dead process are unlinked first; the
//      accepting side of each internal connection listens on a temporary address (TCP: the
//      old local IP, port 0; Unix: an autobound abstract name) and publishes it in the KV
//      store under the connection's id (its two endpoint names, smaller first).
//   barrier socket.listening (global)
//   B  connected datagram sockets connect again; the connecting side of each internal
//      connection looks the temporary address up and connects.
//   C  the accepting side accepts and closes its temporary listener.
//   D  options (SO_REUSEADDR, SO_KEEPALIVE, TCP_NODELAY, SO_SNDBUF/SO_RCVBUF set by the
//      application), O_NONBLOCK and FD_CLOEXEC are restored and each socket is dup3'd to its
//      saved number (dup'd fds share the socket again).
//   E  sockets shared with other processes of the host: the owners pass theirs to the
//      followers (socket_share.h)
//   barrier socket.connected (global)
// External connections, and sockets that cannot be re-created, become sockets that report a
// reset (TCP: a loopback connection aborted with SO_LINGER 0) or EOF (Unix: a socketpair
// whose other end is closed): never a hang.
// Checkpoint path: yes.
#pragma once

namespace ckpt::socket {

struct Saved;

// Returns 0, 1 if the coordinator aborted the restart, or -errno.
int restart_all();

// Helpers for socket_share.cc (valid during restart_all):
// moves a new fd above every saved number, so it never takes a slot still to be filled;
long park_fd(long fd);
// a stream socket that reports a reset (inet) or EOF (Unix) on its first read.
long make_reset(const Saved& s);

}  // namespace ckpt::socket
