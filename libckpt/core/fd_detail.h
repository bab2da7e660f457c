// libckpt/core/fd_detail.h: what the core's FdRecord (runtime.h) does not carry about an fd:
// its precise kind, the identity of a regular file, saved contents, and the kernel state of
// eventfd/timerfd/signalfd/epoll/inotify/pty fds. One FdDetail per FdRecord, same index,
// filled by fd_table.cc's capture and consumed by its restore. Lives in libckpt's static
// memory, so it is saved in the image with the process.
// Checkpoint path: yes (fixed arrays, raw syscalls).
#pragma once

#include <stdint.h>

#include "core/runtime.h"

namespace ckpt {

enum class FdSub : int {
  kPlain = 0,     // regular file, directory, device, pipe: the core's own handling
  kUnlinked,      // regular file deleted while open: contents saved, re-created unlinked
  kMemfd,         // memfd_create: contents and seals saved
  kClaimed,       // a plugin handles it (ckpt_fd_claim); its number is left free
  kDup,           // same open file description as an earlier fd (dup): dup'd at restart
  kInherited,     // 0..2 terminal/pipe/socket: taken from `ckpt restart`
  kEventfd,
  kTimerfd,
  kSignalfd,
  kEpoll,
  kInotify,
  kPtyMaster,
  kPtySlave,      // slave of a master in this process
  kUnsupported,   // fails the checkpoint (socket, unknown anon inode, ...)
};

struct FileIdentity {
  uint64_t ino;
  uint64_t dev;
  int64_t size;
  int64_t mtime_ns;
  uint32_t mode;
  int content_of;     // index of the record whose saved contents this file uses, -1 if none
  uint64_t content_off;  // into the contents buffer (fd_contents.cc)
  uint64_t content_len;
  uint32_t seals;     // memfd: F_GET_SEALS
};

struct TimerState {
  int clockid;
  int settime_flags;
  int64_t value_ns;     // remaining time
  int64_t interval_ns;
  uint64_t ticks;       // expirations not read yet
};

struct PtyState {
  int index;            // /dev/pts/<index>
  int peer;             // master: index of a slave record; slave: the master's; -1
  int locked;           // TIOCGPTLCK
  int has_termios;      // slave: termios was read
  uint16_t winsize[4];
  char termios[64];     // TCGETS2 (kernel struct termios2, 44 bytes)
};

struct FdDetail {
  FdSub sub;
  int dup_of;           // kDup: index of the record it shares a description with
  int restored_fd;      // pty master at restart: where it ended up (-1 before)
  int pad;
  FileIdentity file;
  union {
    struct { uint64_t count; int semaphore; } efd;
    TimerState tfd;
    struct { uint64_t mask; } sfd;
    struct { uint32_t first, count; } list;  // epoll entries / inotify watches
    PtyState pty;
  };
};

struct EpollEntry {
  int tfd;
  uint32_t events;
  uint64_t data;
  uint64_t ino;         // of the target, to tell a re-used fd number
};

struct InotifyWatch {
  int wd;
  uint32_t mask;
  uint32_t path_off;    // into FdDetails::watch_paths
  uint32_t pad;
};

inline constexpr int kMaxEpollEntries = 8192;
inline constexpr int kMaxInotifyWatches = 4096;
inline constexpr int kWatchPathArena = 512 * 1024;

struct FdDetails {
  FdDetail fds[kMaxFds];
  EpollEntry epoll[kMaxEpollEntries];
  uint32_t nepoll;
  InotifyWatch watches[kMaxInotifyWatches];
  uint32_t nwatches;
  uint32_t watch_paths_used;
  char watch_paths[kWatchPathArena];
};

FdDetails& fd_details();

// Reads /proc/self/fdinfo/<fd> into buf (NUL-terminated). Returns the length or -errno.
long read_fdinfo(int fd, char* buf, unsigned long cap);
// The number after "<key>" in text (base 10 or 16), or `fallback` if the key is absent.
uint64_t fdinfo_value(const char* text, const char* key, int base, uint64_t fallback);

}  // namespace ckpt
