// libckpt/core/forked_writer.cc: see forked_writer.h. Checkpoint path: yes.
#include "core/forked_writer.h"

#include <fcntl.h>
#include <sys/mman.h>

#include "core/image_scratch.h"
#include "core/page_index.h"
#include "core/proc_maps.h"
#include "core/region_writer.h"
#include "core/runtime.h"
#include "sys/log.h"
#include "sys/str.h"
#include "sys/syscall.h"

namespace ckpt {

namespace {

int g_write_pending;  // __atomic: 1 from the application's resume to the image report

constexpr long kWait4 = 61;
constexpr int kWclone = static_cast<int>(0x80000000u);
constexpr size_t kMapsBuf = 2u << 20;

// Whether this process maps readable MAP_SHARED memory (or that cannot be told): only then
// must it wait for the child's private copy before running on.
bool has_shared_memory() {
  long buf = sys::mmap(0, kMapsBuf, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (buf < 0 && buf > -4096) return true;
  char* text = reinterpret_cast<char*>(buf);
  long n = read_proc_file("/proc/self/maps", text, kMapsBuf - 1);
  bool any = n <= 0 || static_cast<size_t>(n) >= kMapsBuf - 1;
  char* cursor = text;
  MapsLine m;
  while (!any && next_maps_line(&cursor, text + n, &m)) any = m.shared && (m.prot & PROT_READ);
  sys::munmap(static_cast<uint64_t>(buf), kMapsBuf);
  return any;
}

// In the child: every readable shared region becomes a private copy at the same address.
void snapshot_shared_regions(ImageScratch& s) {
  for (size_t i = 0; i < s.nregions; ++i) {
    const image::RegionEntry& e = s.regions[i];
    if (!(e.flags & image::kRegionShared) || !(e.prot & PROT_READ)) continue;
    uint64_t len = e.end - e.start;
    long copy = sys::mmap(0, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (copy < 0 && copy > -4096) continue;
    sys::mem_copy(reinterpret_cast<void*>(copy), reinterpret_cast<void*>(e.start), len);
    sys::mprotect(static_cast<uint64_t>(copy), len, static_cast<int>(e.prot));
    sys::mremap(static_cast<uint64_t>(copy), len, len, MREMAP_MAYMOVE | MREMAP_FIXED, e.start);
  }
}

[[noreturn]] void child_main(const ImageRequest& req, int out_fd) {
  ImageScratch s;
  ImageResult res;
  sys::mem_zero(&res, sizeof res);
  long rc = s.map();
  if (rc == 0) rc = collect_image_layout(s);
  snapshot_shared_regions(s);
  sys::write_all(out_fd, "R", 1);
  if (rc == 0) {
    rc = write_image_file(req, s, &res);
  } else {
    sys::str_copy(res.error, "forked writer: cannot read the address space", sizeof res.error);
  }
  sys::write_all(out_fd, &rc, sizeof rc);
  sys::write_all(out_fd, &res, sizeof res);
  // The index updates of an incremental image, for the parent's own index.
  uint64_t npending = (rc == 0 && req.incremental && !req.compress) ? s.npending : 0;
  sys::write_all(out_fd, &npending, sizeof npending);
  sys::write_all(out_fd, s.pending, npending * sizeof(PendingPage));
  sys::exit_group(rc == 0 ? 0 : 1);
}

bool read_exact(int fd, void* buf, size_t n) {
  auto* p = static_cast<char*>(buf);
  while (n > 0) {
    long r = sys::read(fd, p, n);
    if (r <= 0) return false;
    p += r;
    n -= static_cast<size_t>(r);
  }
  return true;
}

// Applies the child's incremental index updates to this (the parent's) index, in batches,
// so that the next checkpoint references what this one stored. The child registered the
// image as a page source; registering it here gives it the same number.
void receive_index_updates(const ImageRequest& req, int fd) {
  uint64_t n = 0;
  if (!read_exact(fd, &n, sizeof n) || n == 0) return;
  uint32_t source = register_page_source(req);
  static PendingPage batch[2048];  // checkpoint thread only
  while (n > 0) {
    size_t take = n < 2048 ? static_cast<size_t>(n) : 2048;
    if (!read_exact(fd, batch, take * sizeof(PendingPage))) return;
    page_index::apply_pending(source, batch, take);
    n -= take;
  }
}

}  // namespace

long start_forked_image(const ImageRequest& req, ForkedChild* child, ImageResult* result) {
  sys::mem_zero(result, sizeof *result);
  int fds[2];
  long rc = sys::call(sys::kPipe2, fds, O_CLOEXEC);
  if (rc < 0) return rc;
  bool wait = has_shared_memory();
  uint64_t t0 = sys::monotonic_ns();
  long pid = sys::call(sys::kClone, 0 /*no flags, exit signal 0*/, 0, 0, 0, 0);
  if (pid == 0) {
    sys::close(fds[0]);
    child_main(req, fds[1]);
  }
  sys::close(fds[1]);
  if (pid < 0) {
    sys::close(fds[0]);
    sys::str_copy(result->error, "cannot fork the image writer", sizeof result->error);
    return pid;
  }
  child->pid = pid;
  child->result_fd = fds[0];
  child->ready_unread = !wait;
  uint64_t t1 = sys::monotonic_ns();
  if (!wait) {
    CKPT_LOG(kDebug, "forked writer: fork {} us, no shared memory: not waiting", (t1 - t0) / 1000);
    return 0;
  }
  char ready = 0;
  long n = sys::read(fds[0], &ready, 1);
  uint64_t t2 = sys::monotonic_ns();
  CKPT_LOG(kDebug, "forked writer: fork {} us, child ready {} us later", (t1 - t0) / 1000,
           (t2 - t1) / 1000);
  return (n == 1 && ready == 'R') ? 0 : -5;
}

long finish_forked_image(const ImageRequest& req, ForkedChild& child, ImageResult* result) {
  long rc = -5;
  char ready = 0;
  bool ok = (!child.ready_unread || (read_exact(child.result_fd, &ready, 1) && ready == 'R')) &&
            read_exact(child.result_fd, &rc, sizeof rc) &&
            read_exact(child.result_fd, result, sizeof *result);
  if (ok && rc == 0) receive_index_updates(req, child.result_fd);
  if (!ok) {
    rc = -5;
    sys::str_copy(result->error, "the forked image writer died", sizeof result->error);
  }
  sys::close(child.result_fd);
  int status = 0;
  sys::call(kWait4, child.pid, &status, kWclone, nullptr);
  return rc;
}

void set_forked_write_pending(bool pending) {
  __atomic_store_n(&g_write_pending, pending ? 1 : 0, __ATOMIC_RELEASE);
}

void wait_forked_write() {
  if (__atomic_load_n(&g_write_pending, __ATOMIC_ACQUIRE) == 0) return;
  if (static_cast<int>(sys::gettid()) == rt().ckpt_tid) return;
  uint64_t until = sys::monotonic_ns() + uint64_t{rt().barrier_timeout_ms} * 1000000u;
  CKPT_LOG(kDebug, "exit or exec waits for the forked image to be reported");
  const sys::Timespec ms{0, 1000000};
  while (__atomic_load_n(&g_write_pending, __ATOMIC_ACQUIRE) != 0 && sys::monotonic_ns() < until) {
    sys::nanosleep(&ms);
  }
}

}  // namespace ckpt
