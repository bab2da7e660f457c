// libckpt/core/cpu_clock.h: the process's CPU time keeps counting across a restart.
// A restarted process is a new process to the kernel: its user and system time start again
// near 0, so a CPU-time interval measured across a checkpoint (hpcc's PTRANS timings, any
// `clock()` benchmark) came out negative. The wrappers in cpu_clock.cc add an offset, set
// at each restart, to what getrusage(RUSAGE_SELF), times(), clock() and
// clock_gettime(CLOCK_PROCESS_CPUTIME_ID) return: the process's CPU time then continues
// from its value at the checkpoint (the restart's own CPU time is not counted).
// Not covered: thread CPU clocks (CLOCK_THREAD_CPUTIME_ID, RUSAGE_THREAD, another
// process's CPU clock) and RUSAGE_CHILDREN; after an exec the new program sees the kernel's
// values again. The offsets live in libckpt's static data, which the image holds.
#pragma once

namespace ckpt {

// Library constructor: looks up the wrapped libc functions once (dlsym).
void cpu_clock_init();
// Checkpoint thread, all application threads parked: records the process's CPU time.
void cpu_clock_capture();
// Checkpoint thread after a restart, before the application threads run: sets the offsets
// so that the CPU time continues from what cpu_clock_capture() recorded.
void cpu_clock_after_restart();

}  // namespace ckpt
