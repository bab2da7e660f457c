// libckpt/sys/syscall.h: raw Linux x86_64 system calls, header-only.
// Checkpoint-path safe: no libc, no errno, no allocation. Each call returns the kernel's
// result: >= 0 on success, -errno on failure. Shared by libckpt and the libc-free loader.
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace ckpt::sys {

inline long syscall6(long n, long a1, long a2, long a3, long a4, long a5, long a6) {
  long ret;
  register long r10 __asm__("r10") = a4;
  register long r8 __asm__("r8") = a5;
  register long r9 __asm__("r9") = a6;
  __asm__ volatile("syscall"
                   : "=a"(ret)
                   : "a"(n), "D"(a1), "S"(a2), "d"(a3), "r"(r10), "r"(r8), "r"(r9)
                   : "rcx", "r11", "memory");
  return ret;
}

template <typename... A>
inline long call(long n, A... args) {
  long v[6] = {(long)args...};
  return syscall6(n, v[0], v[1], v[2], v[3], v[4], v[5]);
}

enum : long {
  kRead = 0, kWrite = 1, kOpen = 2, kClose = 3, kStat = 4, kFstat = 5, kLseek = 8, kMmap = 9,
  kMprotect = 10, kMunmap = 11, kBrk = 12, kRtSigaction = 13, kRtSigprocmask = 14, kIoctl = 16,
  kPread = 17, kPwrite = 18, kSchedYield = 24, kMremap = 25, kMincore = 27, kMadvise = 28,
  kDup = 32, kDup2 = 33,
  kNanosleep = 35, kGetpid = 39, kSocket = 41, kConnect = 42, kClone = 56, kExit = 60,
  kKill = 62, kUname = 63, kFcntl = 72, kFsync = 74, kFtruncate = 77, kGetcwd = 79, kChdir = 80,
  kRename = 82, kMkdir = 83, kUnlink = 87, kReadlink = 89, kFchmod = 91, kUmask = 95, kGetuid = 102,
  kGetppid = 110, kRtSigpending = 127, kSigaltstack = 131, kPersonality = 135, kPrctl = 157,
  kArchPrctl = 158, kGettid = 186, kFsetxattr = 190, kGetxattr = 191, kTkill = 200, kFutex = 202, kSchedSetaffinity = 203,
  kSchedGetaffinity = 204, kGetdents64 = 217, kSetTidAddress = 218, kRestartSyscall = 219,
  kClockGettime = 228, kExitGroup = 231, kTgkill = 234, kPpoll = 271, kSetRobustList = 273,
  kLinkat = 265, kGetRobustList = 274, kDup3 = 292, kPipe2 = 293, kPreadv = 295, kPrlimit64 = 302, kRseq = 334,
};

inline long read(int fd, void* buf, size_t n) { return call(kRead, fd, buf, n); }
inline long write(int fd, const void* buf, size_t n) { return call(kWrite, fd, buf, n); }
inline long pread(int fd, void* buf, size_t n, uint64_t off) { return call(kPread, fd, buf, n, off); }
inline long pwrite(int fd, const void* b, size_t n, uint64_t off) { return call(kPwrite, fd, b, n, off); }
inline long open(const char* path, int flags, int mode = 0) { return call(kOpen, path, flags, mode); }
inline long close(int fd) { return call(kClose, fd); }
inline long ioctl(long fd, unsigned long req, const void* arg) { return call(kIoctl, fd, req, arg); }
inline long lseek(int fd, long off, int whence) { return call(kLseek, fd, off, whence); }
inline long fsync(int fd) { return call(kFsync, fd); }
inline long dup2(int a, int b) { return call(kDup2, a, b); }
inline long dup3(int a, int b, int flags) { return call(kDup3, a, b, flags); }
inline long fcntl(int fd, int cmd, long arg = 0) { return call(kFcntl, fd, cmd, arg); }
inline long readlink(const char* p, char* buf, size_t n) { return call(kReadlink, p, buf, n); }
inline long getdents64(int fd, void* buf, size_t n) { return call(kGetdents64, fd, buf, n); }
inline long mmap(uint64_t addr, size_t len, int prot, int flags, int fd, uint64_t off) {
  return call(kMmap, addr, len, prot, flags, fd, off);
}
inline long munmap(uint64_t addr, size_t len) { return call(kMunmap, addr, len); }
inline long mprotect(uint64_t addr, size_t len, int prot) { return call(kMprotect, addr, len, prot); }
inline long mremap(uint64_t old, size_t olen, size_t nlen, int flags, uint64_t naddr) {
  return call(kMremap, old, olen, nlen, flags, naddr);
}
inline long getpid() { return call(kGetpid); }
inline long getppid() { return call(kGetppid); }
inline long gettid() { return call(kGettid); }
inline long tgkill(long tgid, long tid, int sig) { return call(kTgkill, tgid, tid, sig); }
inline long kill(long pid, int sig) { return call(kKill, pid, sig); }
inline long futex(volatile int* uaddr, int op, int val, const void* timeout = nullptr) {
  return call(kFutex, uaddr, op, val, timeout, 0, 0);
}
inline long arch_prctl(int code, uint64_t addr) { return call(kArchPrctl, code, addr); }
inline long prctl(int op, long a2 = 0, long a3 = 0, long a4 = 0, long a5 = 0) {
  return call(kPrctl, op, a2, a3, a4, a5);
}
[[noreturn]] inline void exit_group(int code) {
  call(kExitGroup, code);
  __builtin_unreachable();
}
[[noreturn]] inline void exit_thread(int code) {
  call(kExit, code);
  __builtin_unreachable();
}

struct Timespec {
  long sec;
  long nsec;
};

inline long clock_gettime(int clk, Timespec* ts) { return call(kClockGettime, clk, ts); }
inline long nanosleep(const Timespec* req) { return call(kNanosleep, req, nullptr); }

inline uint64_t monotonic_ns() {
  Timespec ts{};
  clock_gettime(1 /*CLOCK_MONOTONIC*/, &ts);
  return static_cast<uint64_t>(ts.sec) * 1000000000ull + static_cast<uint64_t>(ts.nsec);
}

inline uint64_t realtime_ns() {
  Timespec ts{};
  clock_gettime(0 /*CLOCK_REALTIME*/, &ts);
  return static_cast<uint64_t>(ts.sec) * 1000000000ull + static_cast<uint64_t>(ts.nsec);
}

// Writes all of buf, retrying short writes and EINTR.
inline long write_all(int fd, const void* buf, size_t n) {
  const char* p = static_cast<const char*>(buf);
  size_t done = 0;
  while (done < n) {
    long r = write(fd, p + done, n - done);
    if (r == -4 /*EINTR*/) {
      continue;
    }
    if (r <= 0) {
      return r < 0 ? r : -5 /*EIO*/;
    }
    done += static_cast<size_t>(r);
  }
  return static_cast<long>(done);
}

// Reads exactly n bytes at offset off (or fewer at EOF). Returns bytes read or -errno.
inline long pread_all(int fd, void* buf, size_t n, uint64_t off) {
  char* p = static_cast<char*>(buf);
  size_t done = 0;
  while (done < n) {
    long r = pread(fd, p + done, n - done, off + done);
    if (r == -4) {
      continue;
    }
    if (r < 0) {
      return r;
    }
    if (r == 0) {
      break;
    }
    done += static_cast<size_t>(r);
  }
  return static_cast<long>(done);
}

}  // namespace ckpt::sys
