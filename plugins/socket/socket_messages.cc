// plugins/socket/socket_messages.cc: see socket_messages.h. Checkpoint path: yes.
#include "socket_messages.h"

#include "socket_addr.h"
#include "socket_sys.h"

namespace ckpt::socket::msg {

namespace {

bool g_debug;

class Line {
 public:
  explicit Line(const char* level) : f_(buf_, sizeof buf_) {
    f_.s("ckpt socket: ").s(level).s(": ");
  }
  Fmt& f() { return f_; }
  ~Line() {
    f_.c('\n');
    sys::sc(SYS_write, 2, buf_, f_.len);
  }

 private:
  char buf_[512];
  Fmt f_;
};

}  // namespace

void set_debug(bool on) { g_debug = on; }
bool debug_enabled() { return g_debug; }

void unsupported_domain(int fd, int domain) {
  Line("warning").f().s("fd ").i(fd).s(" is a socket of address family ").i(domain)
      .s(", which the socket plugin does not handle; it is left to the core");
}

void external_peer(int fd, const char* local, const char* peer) {
  Line("warning").f().s("fd ").i(fd).s(" (").s(local).s(") is connected to ").s(peer)
      .s(", outside the computation: it is not drained, and after a restart it reads as "
         "reset by the peer");
}

void external_reset(int fd, const char* peer) {
  Line("warning").f().s("fd ").i(fd).s(": the connection to ").s(peer)
      .s(" was outside the computation; restored as a reset connection");
}

void drain_timeout(int pending_processes) {
  Line("error").f().s("drain did not finish in time: ").i(pending_processes)
      .s(" process(es) still had unacknowledged bytes; the checkpoint is refused");
}

void drain_full(int fd, uint64_t capacity) {
  Line("error").f().s("fd ").i(fd).s(": more bytes in flight than the drain buffer holds (")
      .u(capacity >> 20).s(" MiB); the checkpoint is refused");
}

void refill_timeout(int fd, uint64_t left) {
  Line("error").f().s("fd ").i(fd).s(": refill did not finish in time, ").u(left)
      .s(" bytes could not be put back");
}

void restart_failed(int fd, const char* what, long err) {
  Line("error").f().s("fd ").i(fd).s(": cannot ").s(what).s(" at restart (errno ").i(-err)
      .s("); the fd is restored as a closed connection");
}

void listener_moved(int fd, const char* old_addr, const char* new_addr) {
  Line("warning").f().s("fd ").i(fd).s(": listening address ").s(old_addr)
      .s(" is taken or not an address of this host; listening on ").s(new_addr).s(" instead");
}

void debug(const char* what, int fd, int64_t value) {
  if (!g_debug) return;
  Line("debug").f().s(what).s(" fd ").i(fd).s(" value ").i(value);
}

}  // namespace ckpt::socket::msg
