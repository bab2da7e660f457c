// libckpt/core/plugin_messages.cc: see plugin_messages.h. Checkpoint path: yes.
#include "core/plugin_messages.h"

#include "sys/str.h"

namespace ckpt::plugin_msg {

const char* not_loaded(char* out, size_t cap, const char* path) {
  sys::Fmt(out, cap).s("ckpt: error: plugin ").s(path).s(" is listed in LD_PRELOAD but was not "
       "loaded (missing file or wrong architecture; the dynamic linker says why above). "
       "Check the path given to --with-plugin.");
  return out;
}

const char* not_a_plugin(char* out, size_t cap, const char* path) {
  sys::Fmt(out, cap).s("ckpt: error: ").s(path).s(" is not a plugin: it defines no "
       "dmtcp_event_hook, exports no ckpt_plugin_descriptor and wraps no library function. "
       "Start from plugins/template/ (README.md) or remove it from --with-plugin.");
  return out;
}

const char* hook_timeout(char* out, size_t cap, const char* name, const char* path,
                         const char* event, unsigned seconds) {
  sys::Fmt(out, cap).s("plugin '").s(name).s("' (").s(path).s(") did not return from its hook "
       "for ").s(event).s(" within ").u(seconds).s(" s; the checkpoint is aborted and the "
       "plugin is disabled for the rest of this process's life. Fix the plugin's event hook.");
  return out;
}

const char* handler_refused(char* out, size_t cap, const char* name, const char* event, int rc) {
  sys::Fmt(out, cap).s("plugin '").s(name).s("' refused the checkpoint at ").s(event)
      .s(" (its handler returned ").i(rc).s(")");
  return out;
}

const char* section_full(char* out, size_t cap, const char* name, size_t len) {
  sys::Fmt(out, cap).s("plugin '").s(name).s("': image section of ").u(len)
      .s(" bytes does not fit in the section arena (CKPT_SECTION_ARENA); section dropped");
  return out;
}

}  // namespace ckpt::plugin_msg
