// libckpt/core/thread_wrappers.cc: thread events for plugins. Wrapped: pthread_create,
// pthread_exit. In the new thread: THREAD_START, PTHREAD_START, the start routine, then
// PTHREAD_RETURN when it returns (PTHREAD_EXIT when it calls pthread_exit); in the
// creating thread: THREAD_CREATED once the thread exists. Threads that libckpt itself
// starts (the checkpoint thread) raise nothing. With no plugin loaded, the wrappers only
// forward. Not checkpoint-path (application threads; malloc is allowed here).
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>

#include "core/events.h"
#include "core/plugin_registry.h"

namespace ckpt {
namespace {

using CreateFn = int (*)(pthread_t*, const pthread_attr_t*, void* (*)(void*), void*);
using ExitFn = void (*)(void*);

struct Start {
  void* (*fn)(void*);
  void* arg;
};

void* thread_start(void* p) {
  Start s = *static_cast<Start*>(p);
  free(p);
  raise_event(Event::kThreadStart);
  raise_event(Event::kPthreadStart);
  void* ret = s.fn(s.arg);
  raise_event(Event::kPthreadReturn);
  return ret;
}

// True when the caller is libckpt itself.
bool called_by_libckpt(const void* ret_addr) {
  static const void* self_base;
  Dl_info me, caller;
  if (self_base == nullptr && dladdr(reinterpret_cast<void*>(&thread_start), &me) != 0) {
    self_base = me.dli_fbase;
  }
  return dladdr(ret_addr, &caller) != 0 && caller.dli_fbase == self_base;
}

}  // namespace
}  // namespace ckpt

extern "C" __attribute__((visibility("default"))) int pthread_create(
    pthread_t* t, const pthread_attr_t* attr, void* (*fn)(void*), void* arg) {
  static ckpt::CreateFn real;
  if (real == nullptr) real = reinterpret_cast<ckpt::CreateFn>(dlsym(RTLD_NEXT, "pthread_create"));
  if (ckpt::plugins().count == 0 || ckpt::called_by_libckpt(__builtin_return_address(0))) {
    return real(t, attr, fn, arg);
  }
  auto* s = static_cast<ckpt::Start*>(malloc(sizeof(ckpt::Start)));
  if (s == nullptr) return EAGAIN;
  s->fn = fn;
  s->arg = arg;
  int rc = real(t, attr, ckpt::thread_start, s);
  if (rc != 0) {
    free(s);
    return rc;
  }
  int saved = errno;
  ckpt::raise_event(ckpt::Event::kThreadCreated);
  errno = saved;
  return rc;
}

extern "C" __attribute__((visibility("default"), noreturn)) void pthread_exit(void* ret) {
  static ckpt::ExitFn real;
  if (real == nullptr) real = reinterpret_cast<ckpt::ExitFn>(dlsym(RTLD_NEXT, "pthread_exit"));
  if (ckpt::plugins().count != 0) ckpt::raise_event(ckpt::Event::kPthreadExit);
  real(ret);
  __builtin_unreachable();
}
