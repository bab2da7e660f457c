// libckpt/core/coordinator_client.h: libckpt's side of the member session (protocol.h).
// Checkpoint path: yes. Messages are built in stack buffers and sent in one write(2); the
// socket lives at a protected fd number that the application is not expected to use.
#pragma once

#include <stdint.h>

#include "../../coordinator/protocol.h"

namespace ckpt {

// Connects to host:port (dotted IPv4, "localhost", or a name in /etc/hosts) with
// TCP_NODELAY and moves the socket to `protected_fd`. Returns the fd or -errno.
long coord_connect(const char* host, const char* port, int protected_fd);
long coord_send(int fd, uint16_t type, const void* payload, uint32_t len);
// Receives one message; payload beyond `cap` is discarded. timeout_ms < 0 waits forever.
// Returns the payload length, -ETIMEDOUT, or another -errno (-ECONNRESET at EOF).
long coord_recv(int fd, proto::MsgHeader* h, void* payload, uint32_t cap, int timeout_ms);

struct BarrierOutcome {
  int aborted;            // 1 if the coordinator aborted the round
  char reason[512];
};
// Sends kBarrier{name} and waits for its kRelease. Returns 0 (see outcome.aborted), or
// -errno when the coordinator is gone or silent for timeout_ms. A pending abort (below)
// is returned at once, without sending: the coordinator ignores barriers of a finished round.
long coord_barrier(int fd, const char* name, int timeout_ms, BarrierOutcome* outcome);

// An abort read while waiting for another answer (a key-value reply during the leader
// election) is kept here, so that the round's next barrier or commit wait sees it instead
// of waiting for a release that never comes. Cleared when a round starts.
void note_pending_abort(const char* reason);
bool take_pending_abort(BarrierOutcome* outcome);  // true (and cleared) if one was pending
void clear_pending_abort();

}  // namespace ckpt
