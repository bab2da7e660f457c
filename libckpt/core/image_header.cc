// libckpt/core/image_header.cc: see image_header.h. Checkpoint path: yes.
#include "core/image_header.h"

#include <sys/utsname.h>

#include "core/proc_maps.h"
#include "core/restart.h"
#include "core/runtime.h"
#include "image/crc32c.h"
#include "sys/str.h"
#include "sys/syscall.h"

namespace ckpt {

namespace {
void read_cmdline(char* out, size_t cap) {
  long n = read_proc_file("/proc/self/cmdline", out, cap);
  for (long i = 0; i + 1 < n; ++i) {
    if (out[i] == '\0') out[i] = ' ';
  }
}
}  // namespace

void fill_image_header(const ImageRequest& req, image::ImageHeader* h) {
  Runtime& r = rt();
  sys::mem_copy(h->magic, image::kMagic, sizeof h->magic);
  h->format_version = image::kFormatVersion;
  h->arch = image::kArchX86_64;
  h->header_size = sizeof(image::ImageHeader);
  h->generation = req.generation;
  h->time_ns = sys::realtime_ns();
  h->pid = static_cast<int32_t>(sys::getpid());
  h->ppid = static_cast<int32_t>(sys::getppid());
  h->vpid = r.vpid;
  h->parent_vpid = r.parent_vpid;
  h->uid = static_cast<int32_t>(sys::call(sys::kGetuid));
  h->nprocs = req.nprocs;
  h->nthreads = h->thread_count;
  h->mpi_rank = -1;
  sys::str_copy(h->host, r.host, sizeof h->host);
  sys::str_copy(h->program, r.exe, sizeof h->program);
  sys::str_copy(h->job_id, r.job_id, sizeof h->job_id);
  struct utsname u;
  if (sys::call(sys::kUname, &u) == 0) {
    sys::str_copy(h->kernel_release, u.release, sizeof h->kernel_release);
  }
  sys::str_copy(h->glibc_version, r.glibc_version, sizeof h->glibc_version);
  read_cmdline(h->cmdline, sizeof h->cmdline);
  sys::str_copy(h->coord_addr, req.coord_addr, sizeof h->coord_addr);
  h->restart_entry = reinterpret_cast<uint64_t>(&ckpt_restart_entry);
  h->restart_arg = 0;
  h->header_crc = 0;
  h->header_crc = image::crc32c(h, sizeof *h);
}

}  // namespace ckpt
