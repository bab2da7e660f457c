// libckpt/core/forked_writer.h: the forked checkpoint. After the drain, the checkpoint
// thread forks a child (exit signal 0, so the application's wait() never sees it) that
// holds a copy-on-write view of the suspended process. The child first replaces every
// MAP_SHARED region with a private copy (shared memory keeps changing once the parent
// runs), tells the parent to go on, then writes and fsyncs the image. The stall is the fork
// plus the shared-memory copy, not the write. A process without readable MAP_SHARED memory
// does not wait for the child at all (nothing it writes from then on can reach the child's
// copy-on-write view), which saves the child's scheduling delay on a loaded machine.
// Checkpoint path: yes.
#pragma once

#include "core/memory_image.h"

namespace ckpt {

struct ForkedChild {
  long pid;
  int result_fd;
  bool ready_unread;  // the child's "ready" byte is still in the pipe
};

// Returns 0 once the child holds a consistent snapshot (the application may resume).
long start_forked_image(const ImageRequest& req, ForkedChild* child, ImageResult* result);
// Waits for the child's image; returns 0 or -errno (result->error says why). An
// incremental image's index updates are applied to this process's index.
long finish_forked_image(const ImageRequest& req, ForkedChild& child, ImageResult* result);

// While the application runs on and the child still writes, the process must not leave the
// round (exit or exec) before the image is reported: the generation would miss it. The
// checkpoint thread marks that time; an application thread about to exit or exec waits
// there (at most the barrier timeout). Not for the checkpoint thread itself.
void set_forked_write_pending(bool pending);
void wait_forked_write();

}  // namespace ckpt
