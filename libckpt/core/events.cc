// libckpt/core/events.cc: placeholder until the plugin registry lands (no plugins yet).
#include "core/events.h"

namespace ckpt {

int raise_event(Event, void*) { return 0; }
void discover_plugins() {}

}  // namespace ckpt
