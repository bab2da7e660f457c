// libckpt/core/context.h: minimal user-space context switch and raw thread creation.
// Checkpoint-path safe (pure assembly, no libc). Unlike setjmp, nothing is mangled and no
// signal mask is touched: the signal mask, FPU and all other registers of a suspended
// thread are restored by rt_sigreturn from the signal frame it is suspended in.
#pragma once

#include <stdint.h>

extern "C" {

struct CkptCtx {
  uint64_t rbx, rbp, r12, r13, r14, r15, rsp, rip;
  uint32_t mxcsr;
  uint16_t fpucw;
  uint16_t pad;
};

// Saves the callee-saved state; returns 0 now and `value` when resumed by ckpt_ctx_restore.
int ckpt_ctx_save(CkptCtx* ctx) __attribute__((returns_twice));
[[noreturn]] void ckpt_ctx_restore(const CkptCtx* ctx, int value);

// clone(2) that runs fn(arg) on `stack` in the child and exits the thread when fn returns.
// Returns the child's tid in the parent, or -errno.
long ckpt_clone(unsigned long flags, void* stack, int* ptid, int* ctid, uint64_t tls,
                void (*fn)(void*), void* arg);

// clone3(2) with a struct clone_args (linux/sched.h) of `size` bytes: runs fn(arg) on
// args->stack + args->stack_size in the child. Returns the child's tid, or -errno.
long ckpt_clone3(void* args, unsigned long size, void (*fn)(void*), void* arg);
}

extern "C" {
// Restorer for handlers installed with raw rt_sigaction: calls rt_sigreturn.
void ckpt_sigreturn_trampoline();
}
