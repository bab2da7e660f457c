// plugins/socket/socket_drain.h: draining and refilling connected stream sockets.
//
// Drain (CKPT_EVENT_DRAIN, every process at once): each process reads every internal
// connection into the drain log while its own send queues empty out (SIOCOUTQ: for TCP the
// bytes not yet acknowledged, for Unix streams the bytes the peer has not read). When all of
// its send queues are empty it decrements a per-round counter in the KV store; it keeps
// reading until the counter reaches zero, i.e. until no process has bytes on the way, then
// reads once more. No marker travels in the stream, so no application byte can be mistaken
// for one, and counts need no wrapper on every write/send function.
//
// Refill (after the checkpoint or the restart): the bytes must be back in the receiver's
// kernel queue, so that poll/epoll/select see them (serving them from a buffer in read
// wrappers would leave an event loop asleep). Only the peer can put bytes into a socket's
// receive queue, so each side sends a 16-byte header and its drained bytes to the peer,
// reads the peer's header and bytes, and writes those back: they land in the peer's
// receive queue in their original order, ahead of anything the application sends next.
// Its own send buffer is enlarged first when needed, so the write-back never waits for the
// stopped application to read.
// Checkpoint path: yes (arenas mapped at INIT, raw syscalls, KV store).
#pragma once

#include <stdint.h>

namespace ckpt::socket {

// Maps the drain and exchange arenas (CKPT_EVENT_INIT). False if mmap failed.
bool arenas_init();
// Returns 0, or -1 to refuse the checkpoint (message written).
int drain_all(const char* counter_key);
// Puts drained bytes back; returns 0 or -1 (message written). Clears the drain state.
int refill_all();

}  // namespace ckpt::socket
