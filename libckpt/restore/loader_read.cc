// libckpt/restore/loader_read.cc: eager restart reads a region's saved pages with several
// threads (phase 2 of the loader, see loader.h). The region's data is cut into pieces of
// up to kPieceBytes that are contiguous in the image; each piece is read with preadv
// straight into its pages (short runs gathered into one call) and checksummed right after,
// while it is hot in the cache. The pieces' CRCs are joined in order (crc32c_combine), so
// the region's checksum is checked as before, with every byte read once. The caller fails
// the restart on a mismatch before the process runs.
//
// Threads: raw clone (no libc), stacks in the loader's safe area, created once after the
// old address space is gone and gone (CLONE_CHILD_CLEARTID) before the restart entry.
#include <linux/futex.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/uio.h>

#include "core/context.h"
#include "image/crc32c.h"
#include "restore/loader.h"
#include "sys/syscall.h"

namespace ckpt::loader {

namespace {

constexpr uint64_t kPieceBytes = 4ull << 20;
constexpr int kMaxPieces = 4096;          // per batch (a batch covers 16 GiB)
constexpr int kIovs = 64;                 // runs gathered into one preadv
constexpr uint64_t kPopulateMin = 64 << 10;
constexpr unsigned long kCloneFlags = CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND |
                                      CLONE_THREAD | CLONE_SYSVSEM | CLONE_PARENT_SETTID |
                                      CLONE_CHILD_CLEARTID;

struct Piece {
  uint64_t file_off;  // the piece's first byte in the image
  uint64_t len;
  uint64_t skip;      // bytes into its first run
  uint32_t run;       // its first run
  uint32_t crc;       // crc32c of its bytes, set by whoever reads it
  long err;           // 0, or what went wrong (short read: -5, else -errno)
};

// Shared between the main thread and the readers. `claim` packs the batch number (high 32
// bits), its piece count (bits 16..31) and the next unclaimed piece (low 16 bits), so a
// reader can never take a piece of a batch it did not see posted.
struct Control {
  int seq;                 // batch number; futex the readers sleep on
  int stop;
  uint64_t claim;
  int remaining;           // pieces of the batch not finished; futex the main thread sleeps on
  int fd;
  bool populate;
  bool huge;               // the region has huge-page advice (populates are timed)
  const image::RegionEntry* region;
  const image::PageRun* runs;
  const image::RefRun* refs;  // set: the pieces are parts of these reference runs (run: index)
  const int* ref_fds;         // by source
  Piece pieces[kMaxPieces];
  int tid[kMaxReaders];
};

Control* g_ctl = nullptr;
int g_readers = 0;

int load(const int* p) { return __atomic_load_n(p, __ATOMIC_ACQUIRE); }
void store(int* p, int v) { __atomic_store_n(p, v, __ATOMIC_RELEASE); }


// Reads and checksums the gathered spans `span[0..n)` (left in place for the checksum).
long read_spans(const Control& c, const struct iovec* span, int n, uint64_t off, uint32_t* crc) {
  struct iovec work[kIovs];
  for (int i = 0; i < n; ++i) {
    work[i] = span[i];
    if (c.populate && span[i].iov_len >= kPopulateMin) {
      populate_span(*c.region, c.huge, span[i].iov_base, span[i].iov_len);
    }
  }
  long r = preadv_all(c.fd, work, n, off);
  for (int i = 0; r == 0 && i < n; ++i) *crc = image::crc32c(span[i].iov_base, span[i].iov_len, *crc);
  return r;
}

void read_piece(const Control& c, Piece& p) {
  const image::RegionEntry& e = *c.region;
  struct iovec span[kIovs];
  int n = 0;
  uint64_t left = p.len, off = p.file_off, gathered = 0, skip = p.skip;
  uint32_t crc = 0;
  long err = 0;
  for (uint32_t r = p.run; left > 0 && err == 0; ++r, skip = 0) {
    uint64_t run_bytes = c.runs[r].npages * image::kPageSize - skip;
    uint64_t take = run_bytes < left ? run_bytes : left;
    span[n].iov_base = reinterpret_cast<void*>(e.start + c.runs[r].first_page * image::kPageSize + skip);
    span[n++].iov_len = take;
    gathered += take;
    left -= take;
    if (n == kIovs || left == 0) {
      err = read_spans(c, span, n, off, &crc);
      off += gathered;
      gathered = 0;
      n = 0;
    }
  }
  p.crc = crc;
  p.err = err;
}

// A piece of reference run refs[p.run]: p.skip bytes into it, from p.file_off of its source.
void read_ref_piece(const Control& c, Piece& p) {
  const image::RefRun& r = c.refs[p.run];
  char* base = reinterpret_cast<char*>(c.region->start + r.first_page * image::kPageSize + p.skip);
  if (c.populate && p.len >= kPopulateMin) populate_span(*c.region, false, base, p.len);
  struct iovec v{base, p.len};
  p.err = preadv_all(c.ref_fds[r.source], &v, 1, p.file_off);
  p.crc = p.err == 0 ? image::crc32c(base, p.len, 0) : 0;
}

void read_any(const Control& c, Piece& p) {
  if (c.refs != nullptr) read_ref_piece(c, p);
  else read_piece(c, p);
}

// Takes and reads pieces of batch `batch` until none is left.
void work_batch(Control& c, uint32_t batch) {
  for (;;) {
    uint64_t v = __atomic_load_n(&c.claim, __ATOMIC_ACQUIRE);
    uint32_t count = (v >> 16) & 0xffff, next = v & 0xffff;
    if ((v >> 32) != batch || next >= count) return;
    if (!__atomic_compare_exchange_n(&c.claim, &v, v + 1, false, __ATOMIC_ACQ_REL,
                                     __ATOMIC_ACQUIRE)) {
      continue;
    }
    read_any(c, c.pieces[next]);
    if (__atomic_sub_fetch(&c.remaining, 1, __ATOMIC_ACQ_REL) == 0) {
      sys::futex(&c.remaining, FUTEX_WAKE, 1);
    }
  }
}

void reader_main(void* arg) {
  Control& c = *static_cast<Control*>(arg);
  int done = 0;
  for (;;) {
    int seq = load(&c.seq);
    if (load(&c.stop)) return;
    if (seq != done) {
      work_batch(c, static_cast<uint32_t>(seq));
      done = seq;
      continue;
    }
    sys::futex(&c.seq, FUTEX_WAIT, seq);
  }
}

int cpus_available() {
  uint64_t mask[16] = {};
  long n = sys::call(sys::kSchedGetaffinity, 0, sizeof mask, mask);
  int cpus = 0;
  for (long i = 0; n > 0 && i < n / 8; ++i) cpus += __builtin_popcountll(mask[i]);
  return cpus;
}

// Reads the batch's `count` pieces, with the readers when there is more than one.
void run_pieces(int count) {
  Control& c = *g_ctl;
  if (count == 1 || g_readers == 0) {
    for (int i = 0; i < count; ++i) read_any(c, c.pieces[i]);
  } else {
    int seq = load(&c.seq) + 1;
    store(&c.remaining, count);
    __atomic_store_n(&c.claim, (static_cast<uint64_t>(static_cast<uint32_t>(seq)) << 32) |
                                   (static_cast<uint64_t>(count) << 16), __ATOMIC_RELEASE);
    store(&c.seq, seq);
    sys::futex(&c.seq, FUTEX_WAKE, g_readers);
    work_batch(c, static_cast<uint32_t>(seq));
    for (int left = load(&c.remaining); left != 0; left = load(&c.remaining)) {
      sys::futex(&c.remaining, FUTEX_WAIT, left);
    }
  }
}

// Reads the batch's `count` pieces and joins their CRCs onto *crc. Fails the restart on a
// read error.
void run_batch(Loader& l, int count, uint32_t* crc) {
  Control& c = *g_ctl;
  run_pieces(count);
  for (int i = 0; i < count; ++i) {
    const Piece& p = c.pieces[i];
    if (p.err != 0) fail(l, "truncated image: region data", l.strings + c.region->path_offset, p.err);
    *crc = image::crc32c_combine(*crc, p.crc, p.len);
  }
}

}  // namespace

long preadv_all(int fd, struct iovec* iov, int n, uint64_t off) {
  int k = 0;
  while (k < n) {
    long r = sys::call(sys::kPreadv, fd, iov + k, n - k, off);
    if (r == -4) continue;
    if (r <= 0) return r < 0 ? r : -5;
    off += static_cast<uint64_t>(r);
    while (k < n && static_cast<uint64_t>(r) >= iov[k].iov_len) r -= static_cast<long>(iov[k++].iov_len);
    if (k < n) {
      iov[k].iov_base = static_cast<char*>(iov[k].iov_base) + r;
      iov[k].iov_len -= static_cast<size_t>(r);
    }
  }
  return 0;
}

uint64_t readers_area_size() { return (sizeof(Control) + 4095 + kMaxReaders * kReaderStack) & ~4095ull; }

void start_readers(Loader& l) {
  detect_thp_advice(l);
  g_ctl = reinterpret_cast<Control*>(l.readers);
  int want = cpus_available() - 1;
  want = want < 0 ? 0 : (want > kMaxReaders ? kMaxReaders : want);
  char* stacks = l.readers + ((sizeof(Control) + 4095) & ~4095ull);
  for (int i = 0; i < want; ++i) {
    void* top = stacks + (i + 1) * kReaderStack;
    long tid = ckpt_clone(kCloneFlags, top, &g_ctl->tid[i], &g_ctl->tid[i], 0, reader_main, g_ctl);
    if (tid < 0) break;  // fewer readers: the main thread reads the rest
    g_readers = i + 1;
  }
}

void stop_readers() {
  if (g_ctl == nullptr) return;
  store(&g_ctl->stop, 1);
  __atomic_add_fetch(&g_ctl->seq, 1, __ATOMIC_ACQ_REL);
  sys::futex(&g_ctl->seq, FUTEX_WAKE, g_readers);
  for (int i = 0; i < g_readers; ++i) {
    for (int t = load(&g_ctl->tid[i]); t != 0; t = load(&g_ctl->tid[i])) {
      sys::futex(&g_ctl->tid[i], FUTEX_WAIT, t);  // woken by CLONE_CHILD_CLEARTID
    }
  }
  g_readers = 0;
}

uint32_t read_region_pages(Loader& l, const image::RegionEntry& e, const image::PageRun* runs) {
  Control& c = *g_ctl;
  c.fd = l.fd;
  c.region = &e;
  c.runs = runs;
  c.refs = nullptr;
  c.populate = !(e.flags & (image::kRegionFile | image::kRegionShared));
  bool huge = advise_huge_runs(e, runs);
  c.huge = huge;
  uint32_t crc = 0;
  int count = 0;
  uint64_t r = 0, pos = 0, file_off = e.data_offset;  // pos: bytes of run r already taken
  while (r < e.run_count) {
    Piece p{file_off, 0, pos, static_cast<uint32_t>(r), 0, 0};
    while (p.len < kPieceBytes && r < e.run_count) {
      uint64_t run_bytes = runs[r].npages * image::kPageSize;
      uint64_t take = run_bytes - pos < kPieceBytes - p.len ? run_bytes - pos : kPieceBytes - p.len;
      p.len += take;
      pos += take;
      if (pos == run_bytes) {
        ++r;
        pos = 0;
      }
    }
    file_off += p.len;
    c.pieces[count++] = p;
    if (count == kMaxPieces) {
      run_batch(l, count, &crc);
      count = 0;
    }
  }
  if (count > 0) run_batch(l, count, &crc);
  if (huge) end_huge_advice(e);
  return crc;
}

namespace {

// Joins the CRCs of a finished batch of reference pieces run by run; returns the index of
// the first reference run whose bytes could not be read or do not match its crc, or -1.
long check_ref_pieces(const Loader& l, int count, uint32_t* crc, long* err) {
  const Control& c = *g_ctl;
  for (int i = 0; i < count; ++i) {
    const Piece& p = c.pieces[i];
    const image::RefRun& r = l.refs[p.run];
    if (p.err != 0) {
      *err = p.err;
      return p.run;
    }
    *crc = p.skip == 0 ? p.crc : image::crc32c_combine(*crc, p.crc, p.len);
    if (p.skip + p.len == r.npages * image::kPageSize && *crc != r.crc) return p.run;
  }
  return -1;
}

}  // namespace

long read_region_refs(Loader& l, uint32_t region, const int* fds, long* err) {
  Control& c = *g_ctl;
  const image::RegionEntry& e = l.regions[region];
  c.region = &e;
  c.refs = l.refs;
  c.ref_fds = fds;
  c.populate = !(e.flags & (image::kRegionFile | image::kRegionShared));
  uint32_t crc = 0;
  int count = 0;
  *err = 0;
  for (uint32_t i = 0; i < l.header.ref_count; ++i) {
    const image::RefRun& r = l.refs[i];
    if (r.region != region) continue;
    for (uint64_t at = 0, len = r.npages * image::kPageSize; at < len; at += kPieceBytes) {
      uint64_t take = len - at < kPieceBytes ? len - at : kPieceBytes;
      c.pieces[count++] = Piece{r.offset + at, take, at, i, 0, 0};
      if (count < kMaxPieces) continue;
      run_pieces(count);
      long bad = check_ref_pieces(l, count, &crc, err);
      count = 0;
      if (bad >= 0) return bad;
    }
  }
  if (count == 0) return -1;
  run_pieces(count);
  return check_ref_pieces(l, count, &crc, err);
}

}  // namespace ckpt::loader
