// libckpt/core/process_tree.h: the process's place in the process tree at checkpoint (its
// ids, its children, zombies with their exit status), saved as the image section
// "core.proctree" (image/proctree_section.h) so that `ckpt restart` can fork the restored
// processes as they were. Checkpoint path: yes.
#pragma once

#include <stddef.h>

namespace ckpt {

// Reads the ids and /proc/self/task/*/children (with each child's /proc/<pid>/stat) into
// static memory. Called at WRITE_CKPT in the checkpoint thread, before a forked writer.
void capture_process_tree();
// The section body captured last (valid until the next capture).
const void* process_tree_body(size_t* len);

}  // namespace ckpt
