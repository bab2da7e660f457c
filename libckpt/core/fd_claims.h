// libckpt/core/fd_claims.h: fds a plugin has claimed for the current round
// (ckpt_fd_claim in ckpt/plugin.h). Claimed fds are neither checked nor saved by the core,
// and at restart their numbers stay free for the plugin. The table is static memory, so a
// restart sees the claims of the round its image was taken in.
// Checkpoint path: yes (fixed array; the checkpoint thread is the only writer).
#pragma once

namespace ckpt {

bool fd_is_claimed(int fd);
const char* fd_claimant(int fd);  // plugin name, or nullptr
void clear_fd_claims();           // at the start of each round

// libckpt's own transient fds in application threads (the command connection of
// ckpt_checkpoint()): never saved, never checked. Any thread may call these.
void mark_internal_fd(int fd);
void unmark_internal_fd(int fd);
bool is_internal_fd(int fd);

}  // namespace ckpt
