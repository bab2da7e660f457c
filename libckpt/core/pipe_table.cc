// libckpt/core/pipe_table.cc: see pipe_table.h. Checkpoint path: yes.
#include "core/pipe_table.h"

#include <fcntl.h>
#include <poll.h>

#include "core/shared_fds.h"
#include "sys/log.h"
#include "sys/syscall.h"

namespace ckpt {

namespace {


bool has_end(uint64_t ino, int accmode) {
  ProcessState& p = rt().proc;
  for (int i = 0; i < p.nfds; ++i) {
    if (p.fds[i].kind == kFdPipe && p.fds[i].pipe_ino == ino &&
        (p.fds[i].status_flags & O_ACCMODE) == accmode) {
      return true;
    }
  }
  return false;
}

// First record of each internal pipe (read side), where its data is kept.
bool is_first_reader(int idx) {
  ProcessState& p = rt().proc;
  const FdRecord& rec = p.fds[idx];
  if (!is_internal_pipe(rec) || (rec.status_flags & O_ACCMODE) != O_RDONLY) return false;
  for (int i = 0; i < idx; ++i) {
    if (p.fds[i].pipe_ino == rec.pipe_ino && (p.fds[i].status_flags & O_ACCMODE) == O_RDONLY) {
      return false;
    }
  }
  return true;
}

int find_end(uint64_t ino, int accmode) {
  ProcessState& p = rt().proc;
  for (int i = 0; i < p.nfds; ++i) {
    if (p.fds[i].pipe_ino == ino && (p.fds[i].status_flags & O_ACCMODE) == accmode) {
      return p.fds[i].fd;
    }
  }
  return -1;
}

void drain_one(FdRecord& rec) {
  ProcessState& p = rt().proc;
  sys::fcntl(rec.fd, F_SETFL, rec.status_flags | O_NONBLOCK);
  rec.data_off = p.pipe_data_used;
  rec.data_len = 0;
  for (;;) {
    uint32_t room = kPipeArena - p.pipe_data_used;
    long n = room > 0 ? sys::read(rec.fd, p.pipe_data + p.pipe_data_used, room) : 0;
    if (n <= 0) break;
    p.pipe_data_used += static_cast<uint32_t>(n);
    rec.data_len += static_cast<uint32_t>(n);
  }
  if (p.pipe_data_used == kPipeArena) {
    CKPT_LOG(kError, "pipe fd {}: more in flight than the {} bytes reserved", rec.fd, kPipeArena);
  }
  sys::fcntl(rec.fd, F_SETFL, rec.status_flags);
}

// A peerless read end has no write end of ours: a temporary one is opened through /proc.
void put_back(int write_fd, const FdRecord& rec) {
  if (rec.data_len == 0) return;
  long temp = -1;
  if (write_fd < 0) {
    char path[32];
    sys::Fmt(path, sizeof path).s("/proc/self/fd/").i(rec.fd);
    temp = sys::open(path, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
    write_fd = static_cast<int>(temp);
  }
  const char* data = rt().proc.pipe_data + rec.data_off;
  if (write_fd < 0 || sys::write_all(write_fd, data, rec.data_len) < 0) {
    CKPT_LOG(kError, "pipe fd {}: could not put back {} bytes", rec.fd, rec.data_len);
  }
  if (temp >= 0) sys::close(static_cast<int>(temp));
}

// pipe2's fds may be numbers the pipe's own ends must take (the read end at 8 while pipe2
// returned 7 and 8): move both above every saved fd first, so no dup3 overwrites an end.
void fresh_pipe_above_targets(int ends[2]) {
  ProcessState& p = rt().proc;
  int above = 3;
  for (int i = 0; i < p.nfds; ++i) above = p.fds[i].fd >= above ? p.fds[i].fd + 1 : above;
  int tmp[2];
  long rc = sys::call(sys::kPipe2, tmp, O_CLOEXEC);
  CKPT_ASSERT(rc == 0, "pipe2 failed at restart: {}", rc);
  for (int k = 0; k < 2; ++k) {
    ends[k] = static_cast<int>(sys::fcntl(tmp[k], F_DUPFD_CLOEXEC, above));
    sys::close(tmp[k]);
  }
}

}  // namespace

bool pipe_end_peerless(int fd, int accmode) {
  if (accmode != O_RDONLY && accmode != O_WRONLY) return false;
  struct pollfd pfd = {fd, static_cast<short>(accmode == O_RDONLY ? POLLIN : POLLOUT), 0};
  sys::Timespec zero{0, 0};
  if (sys::call(sys::kPpoll, &pfd, 1, &zero, nullptr, 8) < 0) return false;
  return (pfd.revents & (accmode == O_RDONLY ? POLLHUP : POLLERR)) != 0;
}

bool is_internal_pipe(const FdRecord& rec) {
  if (rec.kind != kFdPipe || rec.pipe_ino == 0 || is_cross_process_pipe(rec.pipe_ino)) {
    return false;
  }
  bool rd = has_end(rec.pipe_ino, O_RDONLY), wr = has_end(rec.pipe_ino, O_WRONLY);
  return (rd && wr) || ((rd != wr) && rec.peerless);
}

void drain_internal_pipes() {
  ProcessState& p = rt().proc;
  p.pipe_data_used = 0;
  for (int i = 0; i < p.nfds; ++i) {
    if (is_first_reader(i)) drain_one(p.fds[i]);
  }
}

void refill_internal_pipes() {
  ProcessState& p = rt().proc;
  for (int i = 0; i < p.nfds; ++i) {
    if (is_first_reader(i)) put_back(find_end(p.fds[i].pipe_ino, O_WRONLY), p.fds[i]);
  }
}

void restore_internal_pipe(const FdRecord& first) {
  ProcessState& p = rt().proc;
  int ends[2];
  fresh_pipe_above_targets(ends);
  const FdRecord* reader = nullptr;
  for (int i = 0; i < p.nfds; ++i) {
    const FdRecord& rec = p.fds[i];
    if (rec.kind != kFdPipe || rec.pipe_ino != first.pipe_ino) continue;
    bool rd = (rec.status_flags & O_ACCMODE) == O_RDONLY;
    if (rd && reader == nullptr) reader = &rec;
    sys::dup3(rd ? ends[0] : ends[1], rec.fd, (rec.fd_flags & FD_CLOEXEC) ? O_CLOEXEC : 0);
  }
  if (reader != nullptr) {  // a peerless write end has no reader, hence no bytes
    sys::write_all(ends[1], p.pipe_data + reader->data_off, reader->data_len);
  }
  for (int i = 0; i < p.nfds; ++i) {  // flags after the refill: O_NONBLOCK and friends
    const FdRecord& rec = p.fds[i];
    if (rec.kind == kFdPipe && rec.pipe_ino == first.pipe_ino) {
      sys::fcntl(rec.fd, F_SETFL, rec.status_flags);
    }
  }
  sys::close(ends[0]);  // never a saved fd number (see fresh_pipe_above_targets)
  sys::close(ends[1]);
}

}  // namespace ckpt
