// libckpt/restore/loader.h: the restart loader `ckpt-restore IMAGE`, a static program
// without libc, linked at a fixed address (0x100000000000) that ordinary processes do not
// use. It verifies the image, moves itself onto a stack in a gap of the saved address
// space, unmaps everything else, moves the kernel's vDSO/vvar to the saved addresses,
// maps every saved region back and jumps to libckpt's restart entry.
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#include "image/image_format.h"
#include "restore/restore_args.h"

namespace ckpt::loader {

struct Special {  // the kernel's vDSO area now, by kind: [vvar] [vvar_vclock] [vdso]
  uint64_t start[3];
  uint64_t end[3];
};

struct Loader {
  int fd;
  const char* path;
  image::ImageHeader header;
  image::RegionEntry* regions;
  const char* strings;
  image::RefRun* refs;   // incremental images: pages kept in earlier generations' images
  char job_dir[1024];    // where the referenced images' relative paths start
  char* maps_buf;        // 32 MiB in the safe area
  size_t maps_cap;
  uint64_t self_start, self_end;   // the loader's own image
  uint64_t safe_start, safe_end;   // the safe area (tables, stack, buffers)
  Special now;
  RestoreArgs* args;
  bool lazy;             // map saved pages from the image instead of reading them
  bool huge_pages;       // eager reads into huge pages unless CKPT_RESTORE_HUGEPAGES=0 (loader_thp.cc)
  char* zbuf;            // compressed chunk (2 MiB)
  char* zout;            // decompressed chunk (1 MiB)
  char* zwork;           // static zstd decompression context (< 1 MiB)
  char* readers;         // the parallel readers' control block and stacks (loader_read.cc)
};

[[noreturn]] void fail(const Loader& l, const char* what, const char* detail = nullptr,
                       long code = 0);
void say(const char* s);

// loader_regions.cc
void read_current_specials(Loader& l);
void check_specials(Loader& l);
void unmap_everything_else(Loader& l);
void move_specials(Loader& l);
void map_regions(Loader& l);
void check_sources(Loader& l);  // loader_refs.cc
// loader_deleted.cc: shared maps of deleted files get a fresh file (image/deleted_map.h)
bool is_recreated(const image::RegionEntry& e, const char* path);
long map_recreated(const Loader& l, const image::RegionEntry& e, int prot);
void close_recreated();  // after the last region
void apply_refs(Loader& l, uint32_t region);
void close_sources();    // after the last region
// loader_missing.cc: shared maps of a file missing now (restart on another host) get the
// file re-created at its path; its saved pages are then written in (image/node_local.h)
long map_missing(const Loader& l, const image::RegionEntry& e, int prot);
bool recreated_missing(const image::RegionEntry& e);
// Whether a missing file behind region e may be re-created: a shared mapping of a node-local
// file (/tmp, /dev/shm). Elsewhere pages that were not resident at the checkpoint are not in
// the image, and a re-created disk file would silently hold zeros there.
bool may_recreate(const image::RegionEntry& e, const char* path);
// True if another loader re-created the file at `path` for this saved file (an xattr on it)
bool recreated_from(const char* path, const image::RegionEntry& e);
void close_missing();  // after the last region

// loader_read.cc: eager reads of saved pages by several threads.
inline constexpr int kMaxReaders = 7;
inline constexpr uint64_t kReaderStack = 128 << 10;
uint64_t readers_area_size();   // bytes at l.readers
void start_readers(Loader& l);  // after the old address space is gone
void stop_readers();            // every reader has exited: before the restart entry
// Reads region e's saved pages (uncompressed, run table `runs`) into place; returns the
// crc32c of the data (the region's data_crc continues over the run table).
uint32_t read_region_pages(Loader& l, const image::RegionEntry& e, const image::PageRun* runs);
// Reads the reference runs of region `region` (loader_refs.cc) with the readers, from the
// referenced images open as fds[source]; returns the index in l.refs of the first run that
// could not be read (*err: the error) or whose bytes do not match its crc, or -1.
long read_region_refs(Loader& l, uint32_t region, const int* fds, long* err);
// Reads `n` iovecs' worth of bytes from `off` on (short reads and EINTR retried); `iov` is
// used up. Returns 0 or an error code.
long preadv_all(int fd, struct iovec* iov, int n, uint64_t off);
// loader_thp.cc: huge pages for the reads when the system gives them on request only.
void detect_thp_advice(const Loader& l);  // l.huge_pages and the system's THP mode, once
// MADV_HUGEPAGE on the 2 MiB blocks fully inside e's saved runs (private anonymous regions
// only); true if any was set, and then end_huge_advice(e) is due once the pages are in.
bool advise_huge_runs(const image::RegionEntry& e, const image::PageRun* runs);
void end_huge_advice(const image::RegionEntry& e);
// MADV_POPULATE_WRITE of a span about to be read; `huge`: the region was advised, so the
// cost is timed and huge pages are given up for the rest of the restart when they prove
// slower than 4 KiB pages (memory the host took back).
void populate_span(const image::RegionEntry& e, bool huge, void* base, uint64_t len);
// The application's own MADV_HUGEPAGE / MADV_NOHUGEPAGE (kRegionHugepage/kRegionNoHugepage)
// set again once the region is filled.
void keep_thp_flags(const image::RegionEntry& e);

}  // namespace ckpt::loader
