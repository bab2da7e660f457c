// libckpt/image/image_format.h: the on-disk layout of one process image (format version 1).
// Plain-old-data only: included by libckpt (checkpoint path), the libc-free restart loader,
// the launcher (inspect/verify/restart) and the coordinator. No allocation, no libc calls.
//
// File layout (all offsets are absolute file offsets):
//   [0, 4096)            ImageHeader (written last, at offset 0)
//   region data          for each region: its saved pages (page-aligned, contiguous, in run
//                        order), immediately followed by its run table (PageRun[run_count])
//   region table         RegionEntry[region_count]
//   thread table         ThreadEntry[thread_count]
//   section table        SectionEntry[section_count]; section bodies anywhere before it
//   strings              NUL-terminated strings (paths), referenced by offset
// Checksums are CRC32C (see crc32c.h). RegionEntry::data_crc covers the region's pages in
// file order then its run table. The header covers each table through its crc field, and
// header_crc covers the header itself, so ImageHeader::header_crc vouches for everything:
// it is the "image checksum" reported to the coordinator and stored in index.h5.
#pragma once

#include <stdint.h>

namespace ckpt::image {

inline constexpr char kMagic[8] = {'C', 'K', 'P', 'T', 'I', 'M', 'G', '1'};
inline constexpr uint32_t kFormatVersion = 1;
inline constexpr uint32_t kArchX86_64 = 62;  // EM_X86_64
inline constexpr uint64_t kPageSize = 4096;
inline constexpr uint64_t kHeaderBytes = 4096;  // space reserved for the header

// RegionEntry::flags
enum RegionFlag : uint32_t {
  kRegionShared = 1u << 0,      // MAP_SHARED
  kRegionFile = 1u << 1,        // backed by a file that existed at checkpoint (path valid)
  kRegionDeleted = 1u << 2,     // backed by a deleted file / memfd: every page is saved
  kRegionStack = 1u << 3,       // [stack] of the main thread (restored MAP_GROWSDOWN)
  kRegionHeap = 1u << 4,        // [heap]
  kRegionVvar = 1u << 5,        // [vvar]: not saved, the kernel's is moved here
  kRegionVvarVclock = 1u << 6,  // [vvar_vclock]: likewise
  kRegionVdso = 1u << 7,        // [vdso]: likewise
  kRegionVsyscall = 1u << 8,    // [vsyscall]: fixed by the kernel, ignored
  kRegionAllSaved = 1u << 9,    // every non-zero page is saved (no reference to the file)
  kRegionCompressed = 1u << 10, // page data is a sequence of CompressedChunk + zstd frames
  kRegionSharedElsewhere = 1u << 11,  // MAP_SHARED anonymous memory whose pages another
                                      // process of the computation saves; mapped from it
                                      // after the restart (core/shared_memory.h)
  kRegionLz4 = 1u << 12,        // with kRegionCompressed: the chunks are lz4 blocks, not zstd
  kRegionHugepage = 1u << 13,   // the process had set MADV_HUGEPAGE ("hg" in smaps VmFlags)
  kRegionNoHugepage = 1u << 14, // the process had set MADV_NOHUGEPAGE ("nh"): no huge pages
};

// With kRegionCompressed, [data_offset, runs_offset) holds chunks: a CompressedChunk, then
// stored_len bytes: one zstd frame (with kRegionLz4: one lz4 block, format of lz4's
// LZ4_compress_default), or the raw bytes when stored_len == raw_len. Raw chunks
// concatenate to the region's saved pages in run order. data_crc covers the stored bytes.
struct CompressedChunk {
  uint32_t raw_len;
  uint32_t stored_len;
};
inline constexpr uint32_t kCompressChunkBytes = 1u << 20;

struct PageRun {
  uint64_t first_page;  // page index relative to RegionEntry::start
  uint64_t npages;
};

struct RegionEntry {
  uint64_t start;        // page aligned
  uint64_t end;          // exclusive, page aligned
  uint32_t prot;         // PROT_READ | PROT_WRITE | PROT_EXEC
  uint32_t flags;        // RegionFlag
  uint64_t file_offset;  // mmap offset into the backing file
  uint64_t inode;        // identity of the backing file at checkpoint
  uint64_t dev;
  uint64_t file_size;
  int64_t mtime_ns;
  uint32_t path_offset;  // into the strings blob (offset from ImageHeader::strings_offset)
  uint32_t path_len;     // without the NUL; 0 = anonymous
  uint64_t data_offset;  // file offset of the first saved page (page aligned)
  uint64_t data_pages;   // number of saved pages
  uint64_t runs_offset;  // file offset of PageRun[run_count]
  uint64_t run_count;
  uint32_t data_crc;     // CRC32C over pages then run table
  uint32_t file_mode;    // kRegionFile: st_mode & 07777 at checkpoint (0 in older images,
                         // where this was reserved); the loader re-creates a missing file
                         // of a shared mapping with it (image/node_local.h)
};

struct ThreadEntry {
  int32_t tid;            // tid at checkpoint
  int32_t is_ckpt_thread; // 1 for libckpt's checkpoint thread
  uint64_t fs_base;
  uint64_t rip;           // where the thread was interrupted (from its signal frame)
  uint64_t rsp;
  uint64_t clear_tid_addr;  // set_tid_address / CLONE_CHILD_CLEARTID target
  uint64_t robust_head;
  uint64_t robust_len;
  uint64_t altstack_sp;
  uint64_t altstack_size;
  int32_t altstack_flags;
  int32_t reserved;
  uint64_t sigmask;        // blocked signals of the interrupted context
  uint64_t sigpending;     // thread-directed pending signals
  uint64_t rseq_addr;      // 0 if none
  uint32_t rseq_len;
  uint32_t rseq_sig;
  char name[16];           // /proc/self/task/<tid>/comm
};

struct SectionEntry {
  char name[32];     // "core.process", or a plugin's name
  uint32_t version;
  uint32_t crc;      // CRC32C of the body
  uint64_t offset;   // file offset of the body
  uint64_t size;
};

struct ImageHeader {
  char magic[8];
  uint32_t format_version;
  uint32_t arch;
  uint32_t header_size;   // sizeof(ImageHeader)
  uint32_t header_crc;    // CRC32C of the header with this field set to 0
  uint64_t generation;
  uint64_t time_ns;       // CLOCK_REALTIME when the image was written
  int32_t pid;            // real pid at checkpoint
  int32_t ppid;
  int32_t vpid;           // member id in the computation (stable across restarts)
  int32_t parent_vpid;    // vpid of the parent process if it is in the computation, else 0
  int32_t uid;
  uint32_t nprocs;        // processes in this generation
  uint32_t nthreads;      // user threads + the checkpoint thread
  int32_t mpi_rank;       // -1 if none
  char host[64];
  char program[256];      // /proc/self/exe at checkpoint
  char job_id[128];
  char kernel_release[65];
  char glibc_version[31];
  char cmdline[1024];     // argv joined by spaces, truncated
  char coord_addr[128];   // host:port of the coordinator that took the checkpoint
  uint64_t restart_entry; // address of libckpt's restart entry in the restored memory
  uint64_t restart_arg;   // passed to it as the second argument
  uint64_t region_table_offset;
  uint32_t region_count;
  uint32_t region_table_crc;
  uint64_t thread_table_offset;
  uint32_t thread_count;
  uint32_t thread_table_crc;
  uint64_t section_table_offset;
  uint32_t section_count;
  uint32_t section_table_crc;
  uint64_t strings_offset;
  uint64_t strings_size;
  uint32_t strings_crc;
  uint32_t reserved0;
  uint64_t file_size;     // the image's total length in bytes
  uint64_t saved_pages;   // total pages saved over all regions
  // Incremental images: pages unchanged since an earlier generation are not stored again;
  // RefRun entries point at them in that generation's image.
  uint64_t ref_table_offset;
  uint32_t ref_count;
  uint32_t ref_table_crc;
  uint64_t referenced_pages;
  uint32_t source_count;           // images referenced (paths relative to the job directory)
  uint32_t sources_offset;         // into the strings blob: source_count NUL-terminated paths
  uint64_t oldest_referenced_generation;  // 0 if none
  // Of referenced_pages: those the dirty tracker knew unwritten since the previous image,
  // referenced without being read (userfaultfd write-protection; 0 with content hashing).
  uint64_t unread_referenced_pages;
};

// Pages [first_page, first_page + npages) of region `region` are the bytes at `offset` of
// source image `source` (index into the header's source list); crc is their CRC32C.
struct RefRun {
  uint32_t region;
  uint32_t source;
  uint64_t first_page;
  uint64_t npages;
  uint64_t offset;
  uint32_t crc;
  uint32_t source_generation;
};
static_assert(sizeof(RefRun) == 40, "RefRun layout is part of format v1");

static_assert(sizeof(ImageHeader) <= kHeaderBytes, "header must fit in its page");
static_assert(sizeof(RegionEntry) == 112, "RegionEntry layout is part of format v1");
static_assert(sizeof(ThreadEntry) == 128, "ThreadEntry layout is part of format v1");

}  // namespace ckpt::image
