// libckpt/core/compress_pool.h: zstd (--compress) or lz4 (--compress-lz4) compression of
// image chunks by several threads. The image writer fills 1 MiB chunks in order; worker
// threads (raw clone, no libc, created for one image write and gone after it) and the
// writer itself compress and checksum them, and store a chunk as is when samples of it do
// not compress. A thread out of work waits without sleeping for a while (pause, then
// sched_yield) before it sleeps on a futex. Finished chunks are handed back to the writer
// strictly in fill order, so the image layout and its checksums are the same as with one
// thread. Checkpoint path: yes (memory from mmap, futexes, no allocation, no locks the
// application can see).
#pragma once

#include <cstddef>
#include <cstdint>

namespace ckpt {

// Receives one finished chunk as it goes into the image: `len` bytes at `framed`, its
// image::CompressedChunk header followed by the stored bytes (compressed, or the raw bytes
// when compression did not make them smaller), and `crc`, their crc32c, which the
// compressing thread computed so that the writer does not have to.
using ChunkSink = void (*)(void* ctx, const char* framed, size_t len, uint32_t crc);

class CompressPool {
 public:
  static constexpr int kMaxWorkers = 7;

  // Maps the buffers and starts `workers` threads (0 = compress on the caller only); chunks
  // become lz4 blocks with `lz4`, zstd frames (level 1) without.
  // Returns 0 or -errno; on failure nothing is left running.
  long start(int workers, bool lz4 = false);
  bool lz4() const { return lz4_; }
  // Waits for the workers to exit and unmaps everything. Call drain() first.
  void stop();

  // The raw buffer (kCompressChunkBytes) of the chunk to fill next; may first hand
  // finished chunks to `sink` to free a buffer.
  char* fill_buffer(ChunkSink sink, void* ctx);
  // The chunk from fill_buffer() holds `len` bytes: queue it for compression.
  void submit(size_t len);
  // Hands every queued chunk to `sink`, in order, waiting for (or doing) their compression.
  void drain(ChunkSink sink, void* ctx);

  // Workers to use on this machine: CPUs this thread may run on, minus the writer itself.
  static int default_workers();

  struct Slot;

 private:
  void write_oldest(ChunkSink sink, void* ctx);
  bool help_one();

  char* base_ = nullptr;
  size_t size_ = 0;
  Slot* slots_ = nullptr;
  int nslots_ = 0;
  int nworkers_ = 0;
  int fill_ = 0;       // slot filled next
  int write_ = 0;      // slot written next
  int inflight_ = 0;   // submitted, not yet written
  int writer_sleeps_ = 0;
  int writer_chunks_ = 0;  // chunks the writer compressed itself
  int chunks_ = 0;
  int raw_chunks_ = 0;
  void* writer_cctx_ = nullptr;
  bool lz4_ = false;
};

}  // namespace ckpt
