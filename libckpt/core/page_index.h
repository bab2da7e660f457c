// libckpt/core/page_index.h: the content index behind incremental checkpoints. For each page
// saved by an earlier generation it remembers (address, 64-bit content hash) -> where the
// bytes are (source image, file offset). A page whose address and hash match is stored as a
// reference instead of its bytes. References are content-addressed, so an entry can never
// point at different bytes; a source image that no longer exists is never referenced.
// Updates made while an image is written are logged in the image scratch memory and applied
// afterwards (apply_pending), so the index itself does not change while it is being saved.
// Checkpoint path: yes (raw mmap for the table, fixed arrays for sources).
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace ckpt {

struct PageRef {
  uint32_t source;
  uint32_t source_generation;
  uint64_t offset;
};

struct PendingPage {
  uint64_t addr;
  uint64_t hash;
  uint64_t offset;
  uint32_t crc;      // CRC32C of the page's bytes
  uint32_t source;   // kThisImage, or the earlier image a reference points into
};
inline constexpr uint32_t kThisImage = ~0u;

// CRC32C of (bytes with CRC `run_crc`) followed by one page whose own CRC32C is `page_crc`,
// without reading either.
uint32_t crc32c_append_page(uint32_t run_crc, uint32_t page_crc);

uint64_t page_hash(const void* page);

namespace page_index {

// Starts an incremental image: `rel_path` is this image relative to the job directory.
// Returns the source number of this image.
uint32_t begin(uint64_t generation, const char* job_dir, const char* rel_path);
bool lookup(uint64_t addr, uint64_t hash, PageRef* ref);
// The entry of `addr` if it described the page's contents at the image of generation
// `generation` (written or referenced by it) and its source still exists: for pages the
// dirty tracker knows unwritten since then. Stores its hash and CRC32C.
bool lookup_confirmed(uint64_t addr, uint64_t generation, PageRef* ref, uint64_t* hash,
                      uint32_t* crc);
// After the image is durable: records where its pages are (pages stored by it, and pages
// it references, which are confirmed for its generation).
void apply_pending(uint32_t source, const PendingPage* pages, size_t n);
// Maps the table up front (NORESERVE), so that checkpoints do not change the address space.
void reserve(uint64_t pages);
uint32_t source_count();
const char* source_path(uint32_t i);
uint32_t source_generation(uint32_t i);

}  // namespace page_index
}  // namespace ckpt
