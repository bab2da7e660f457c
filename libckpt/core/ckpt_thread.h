// libckpt/core/ckpt_thread.h: the checkpoint thread: coordinator session and the round
// script of DESIGN.md section 3. Checkpoint path: yes from the moment a round starts.
#pragma once

namespace ckpt {

// Starts the checkpoint thread (init, and in a fork child). Not checkpoint-path.
void start_ckpt_thread();
// Builds and sends kHello, reads kWelcome. Returns 0 or -errno.
long send_hello(bool restarted);

}  // namespace ckpt
