// libckpt/core/memory_image.cc: see memory_image.h. Checkpoint path: yes.
//
// Which pages are saved (the loader mirrors these rules, see restore/loader.cc):
//  - anonymous private (heap, stacks, malloc arenas): pages present or swapped, skipping
//    all-zero pages; the loader maps fresh zero memory and fills in the saved pages.
//  - private file mappings of a file that still exists unchanged: only pages that are
//    anonymous copies (present without the pagemap file bit, or swapped); the loader maps
//    the file again and overlays them, so /proc/<pid>/maps shows the same paths.
//  - shared mappings and deleted files: every page (zero pages skipped where the loader
//    starts from zero memory).
#include "core/memory_image.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include "core/image_scratch.h"
#include "core/proc_maps.h"
#include "core/region_writer.h"
#include "core/runtime.h"
#include "core/shared_memory.h"
#include "core/thp_advice.h"
#include "image/crc32c.h"
#include "image/image_format.h"
#include "sys/log.h"
#include "sys/str.h"
#include "sys/syscall.h"

namespace ckpt {

using image::RegionEntry;

namespace {

uint32_t classify(const MapsLine& m, const char* path) {
  uint32_t flags = m.shared ? static_cast<uint32_t>(image::kRegionShared) : 0u;
  if (sys::str_eq(path, "[vdso]")) return flags | image::kRegionVdso;
  if (sys::str_eq(path, "[vvar]")) return flags | image::kRegionVvar;
  if (sys::str_eq(path, "[vvar_vclock]")) return flags | image::kRegionVvarVclock;
  if (sys::str_eq(path, "[vsyscall]")) return flags | image::kRegionVsyscall;
  if (sys::str_eq(path, "[stack]")) return flags | image::kRegionStack;
  if (sys::str_eq(path, "[heap]")) return flags | image::kRegionHeap;
  if (path[0] != '/') {
    return flags;  // anonymous, possibly named ([anon:...])
  }
  if (sys::ends_with(path, " (deleted)") || m.inode == 0) {
    return flags | image::kRegionDeleted | image::kRegionAllSaved;
  }
  struct stat st;
  if (sys::call(sys::kStat, path, &st) < 0 || st.st_ino != m.inode) {
    return flags | image::kRegionDeleted | image::kRegionAllSaved;  // replaced since mapped
  }
  flags |= image::kRegionFile;
  return m.shared ? (flags | image::kRegionAllSaved) : flags;
}

void fill_identity(RegionEntry* e, const char* path) {
  struct stat st;
  if ((e->flags & image::kRegionFile) && sys::call(sys::kStat, path, &st) >= 0) {
    e->inode = st.st_ino;
    e->dev = st.st_dev;
    e->file_size = static_cast<uint64_t>(st.st_size);
    e->mtime_ns = st.st_mtim.tv_sec * 1000000000ll + st.st_mtim.tv_nsec;
    e->file_mode = st.st_mode & 07777;
  }
}

// Fills scratch.regions from /proc/self/maps; skips libckpt's own scratch mapping.
long collect_regions(ImageScratch& s) {
  long n = read_proc_file("/proc/self/maps", s.maps, s.maps_cap);
  if (n < 0) {
    return n;
  }
  char* cursor = s.maps;
  MapsLine m;
  while (next_maps_line(&cursor, s.maps + n, &m)) {
    if (s.contains(m.start) || s.nregions >= s.max_regions) {
      continue;
    }
    RegionEntry* e = &s.regions[s.nregions++];
    sys::mem_zero(e, sizeof *e);
    e->start = m.start;
    e->end = m.end;
    e->prot = static_cast<uint32_t>(m.prot);
    e->file_offset = m.offset;
    e->flags = classify(m, m.path);
    if (m.shared && shm_saved_elsewhere(m.start)) e->flags |= image::kRegionSharedElsewhere;
    e->path_offset = s.add_string(m.path, m.path_len);
    e->path_len = static_cast<uint32_t>(m.path_len);
    fill_identity(e, m.path);
    if ((e->flags & image::kRegionDeleted) && m.shared) {
      // lets the loader give VMAs of one deleted file one new file (restore/loader_deleted.cc)
      uint64_t ma = m.dev_major, mi = m.dev_minor;
      e->inode = m.inode;
      e->dev = ((ma & 0xfff) << 8) | ((ma & ~0xfffull) << 32) | (mi & 0xff) |
               ((mi & ~0xffull) << 12);  // glibc's st_dev encoding, as for kRegionFile
    }
  }
  // the maps text is no longer needed (paths were copied into the string table)
  if (thp_advice_seen()) mark_thp_flags(s.regions, s.nregions, s.maps, s.maps_cap);
  return 0;
}

void fill_thread_table(ImageScratch& s) {
  Runtime& r = rt();
  s.nthreads = 0;
  for (int i = 0; i < r.nslots; ++i) {
    const ThreadSlot& t = r.slots[i];
    if (t.state != kSlotSuspended && i != r.ckpt_slot) {
      continue;
    }
    image::ThreadEntry& e = s.threads[s.nthreads++];
    sys::mem_zero(&e, sizeof e);
    e.tid = t.tid;
    e.is_ckpt_thread = (i == r.ckpt_slot) ? 1 : 0;
    e.fs_base = t.fs_base;
    e.rip = t.rip;
    e.rsp = t.rsp;
    e.clear_tid_addr = r.tid_offset >= 0 ? t.fs_base + static_cast<uint64_t>(r.tid_offset) : 0;
    e.robust_head = t.robust_head;
    e.robust_len = t.robust_len;
    e.altstack_sp = t.altstack_sp;
    e.altstack_size = t.altstack_size;
    e.altstack_flags = t.altstack_flags;
    e.sigmask = t.sigmask;
    e.sigpending = t.sigpending;
    e.rseq_addr = t.rseq_addr;
    e.rseq_len = t.rseq_len;
    e.rseq_sig = 0x53053053;
    sys::mem_copy(e.name, t.name, sizeof e.name);
  }
}

}  // namespace

long collect_image_layout(ImageScratch& s) {
  long rc = collect_regions(s);
  fill_thread_table(s);
  return rc;
}

long write_process_image(const ImageRequest& req, ImageResult* result) {
  sys::mem_zero(result, sizeof *result);
  ImageScratch s;
  long rc = s.map();
  if (rc < 0) {
    sys::str_copy(result->error, "cannot map scratch memory", sizeof result->error);
    return rc;
  }
  rc = collect_image_layout(s);
  if (rc >= 0) {
    rc = write_image_file(req, s, result);
  } else {
    sys::str_copy(result->error, "cannot read /proc/self/maps", sizeof result->error);
  }
  s.unmap();
  return rc;
}

}  // namespace ckpt
