// libckpt/core/plugin_internal.h: what the pieces of the plugin API share inside libckpt
// (dispatcher, sections, key-value client, application API). Not a public header.
// Checkpoint path: every function here is safe there unless marked.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "image/image_format.h"

namespace ckpt {

// RESTART events seen by this process (dmtcpCheckpoint compares it before and after).
int restart_count();
// Sends kAbort{reason} on the coordinator session (checkpoint thread only).
void report_plugin_failure(const char* reason);
// True in the checkpoint thread, the only one that may use the coordinator session.
bool in_ckpt_thread();

// Image sections: sections_begin() empties the arena at WRITE_CKPT; the image writer asks
// for the table with section_count()/section_entry()/section_body().
void sections_begin();
uint32_t section_count();
// Fills `e` for section i (offset left 0) and returns its body.
const void* section_entry(uint32_t i, image::SectionEntry* e);

}  // namespace ckpt
