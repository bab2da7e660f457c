// libckpt/core/runtime.cc: the single Runtime instance. Zero-initialised .bss: no
// constructor runs (STYLE.md: exactly one constructor, in init.cc).
#include "core/runtime.h"

namespace ckpt {

namespace {
Runtime g_runtime;
}  // namespace

Runtime& rt() { return g_runtime; }

}  // namespace ckpt
