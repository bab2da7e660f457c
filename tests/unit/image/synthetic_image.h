// tests/unit/image/synthetic_image.h: writes small but complete process images that follow
// libckpt/image/image_format.h exactly (valid CRCs), and damages them in the ways the reader
// must detect. Shared by the image unit tests and the `ckpt-test-image` tool used by the
// launcher's CLI tests.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "ckpt/status.h"
#include "libckpt/image/image_format.h"

namespace ckpt::testing {

struct SyntheticRegion {
  uint64_t start = 0;
  uint64_t npages = 1;
  uint32_t prot = 3;  // PROT_READ | PROT_WRITE
  uint32_t flags = 0;
  std::string path;
  std::vector<image::PageRun> runs;  // saved pages; empty = none saved
  bool compressed = false;           // store as CompressedChunk stream (raw chunks)
};

struct SyntheticSection {
  std::string name;
  uint32_t version = 1;
  std::string body;
};

struct SyntheticImage {
  uint64_t generation = 1;
  int32_t pid = 1234;
  int32_t vpid = 1;
  int32_t parent_vpid = 0;
  uint32_t nprocs = 1;
  std::string job_id = "job1";
  std::string host = "node1";
  std::string program = "/usr/bin/app";
  std::vector<SyntheticRegion> regions;
  std::vector<std::string> thread_names = {"app", "ckpt"};
  std::vector<SyntheticSection> sections;
  std::vector<image::RefRun> refs;   // incremental: pages kept in earlier images
  std::vector<std::string> sources;  // relative to the job directory
};

// A typical image: heap, stack, a file mapping, vdso, two threads, one section.
SyntheticImage typical_image(int32_t vpid = 1, uint64_t generation = 1, uint32_t nprocs = 1);

// Writes the image (mode 0600); returns the header CRC (the image checksum).
Result<uint32_t> write_synthetic_image(const std::string& path, const SyntheticImage& spec);

// Damage.
Status flip_byte(const std::string& path, uint64_t offset);
Status truncate_file(const std::string& path, uint64_t size);
// Rewrites header fields and recomputes the header CRC, so only the intended check fires.
Status patch_header(const std::string& path, uint32_t format_version, uint32_t arch);
Result<image::ImageHeader> read_header_raw(const std::string& path);
// File offset of the first saved page of region `index`.
Result<uint64_t> region_data_offset(const std::string& path, size_t index);
// CRC32C of `len` bytes at `offset` of a file.
Result<uint32_t> file_crc(const std::string& path, uint64_t offset, uint64_t len);

}  // namespace ckpt::testing
