// plugins/socket/socket_messages.h: every text the socket plugin writes (STYLE.md 4.3).
// Lines go to stderr in one write(2) each: "ckpt socket: <level>: <text>". Warnings are
// always written; debug lines only with CKPT_LOG containing "socket=debug".
// Checkpoint path: yes (formatting into a stack buffer, raw write).
#pragma once

#include <stdint.h>

namespace ckpt::socket::msg {

void set_debug(bool on);
bool debug_enabled();

void unsupported_domain(int fd, int domain);
void external_peer(int fd, const char* local, const char* peer);
void external_reset(int fd, const char* peer);
void drain_timeout(int pending_processes);
void drain_full(int fd, uint64_t capacity);
void refill_timeout(int fd, uint64_t left);
void restart_failed(int fd, const char* what, long err);
void listen_failed(int fd, const char* addr, long err);
void shared_not_received(int fd, uint64_t inode);
// not_here: the old address does not exist on this host (a restart on another host).
void listener_moved(int fd, const char* old_addr, const char* new_addr, bool not_here);
void debug(const char* what, int fd, int64_t value);

}  // namespace ckpt::socket::msg
