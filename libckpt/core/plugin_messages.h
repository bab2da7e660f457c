// libckpt/core/plugin_messages.h: every user-facing message of the plugin API, in one
// place (STYLE.md section 4, tier 3). Each formats into the caller's buffer and returns it.
// Checkpoint path: yes (sys::Fmt only, no allocation).
#pragma once

#include <stddef.h>

namespace ckpt::plugin_msg {

const char* not_loaded(char* out, size_t cap, const char* path);
const char* not_a_plugin(char* out, size_t cap, const char* path);
const char* hook_timeout(char* out, size_t cap, const char* name, const char* path,
                         const char* event, unsigned seconds);
const char* handler_refused(char* out, size_t cap, const char* name, const char* event, int rc);
const char* section_full(char* out, size_t cap, const char* name, size_t len);

}  // namespace ckpt::plugin_msg
