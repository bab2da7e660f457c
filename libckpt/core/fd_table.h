// libckpt/core/fd_table.h: the core's minimal file-descriptor table. Regular files,
// directories and character devices are reopened at restart at their fd number, offset and
// flags; a standard fd that was a terminal, pipe or socket is taken from `ckpt restart`.
// Other kinds (pipes, sockets, eventfd, ...) are recorded and reported; the file and socket
// plugins own them. Checkpoint path: yes.
#pragma once

namespace ckpt {

void capture_fds();
void restore_fds();
void close_fds_from(int first);

}  // namespace ckpt
