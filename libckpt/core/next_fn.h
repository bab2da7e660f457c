// libckpt/core/next_fn.h: the next definition of a wrapped libc function (dlsym RTLD_NEXT),
// looked up once and cached by the caller. Not checkpoint-path (dlsym may allocate): the
// wrappers that use it run in application threads.
#pragma once

#include <dlfcn.h>

namespace ckpt {

template <typename Fn>
Fn next_fn(Fn* cache, const char* name) {
  if (*cache == nullptr) *cache = reinterpret_cast<Fn>(dlsym(RTLD_NEXT, name));
  return *cache;
}

}  // namespace ckpt
