// libckpt/core/memory_image.h: write this process's image file (format: image_format.h).
// Checkpoint path: yes. Called by the checkpoint thread while every user thread is parked;
// uses raw syscalls and a transient scratch mapping that is excluded from the image.
#pragma once

#include <stdint.h>

namespace ckpt {

struct ImageRequest {
  const char* path;        // absolute path of the image file to create (0600)
  uint64_t generation;
  uint32_t nprocs;
  const char* coord_addr;  // "host:port"
  bool compress;           // zstd-compress page data (kRegionCompressed)
  bool incremental;        // reference pages unchanged since earlier generations
  bool lz4;                // with compress: lz4 blocks instead of zstd frames (kRegionLz4)
};

struct ImageResult {
  uint64_t size;
  uint32_t checksum;       // ImageHeader::header_crc
  uint32_t nthreads;
  uint64_t saved_pages;
  uint64_t oldest_referenced_generation;  // incremental: 0 if the image stands alone
  char error[256];         // set when the call fails
};

// Returns 0 on success or -errno; on failure result->error names what failed.
long write_process_image(const ImageRequest& req, ImageResult* result);

struct ImageScratch;
// The first half of write_process_image: region table (from /proc/self/maps) and thread
// table into `s`. Used alone by the forked writer, which snapshots shared memory between
// the two halves.
long collect_image_layout(ImageScratch& s);

}  // namespace ckpt
