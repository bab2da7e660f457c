/* tests/cr/memory/mappings.c: every kind of mapping comes back with its contents and
 * protection: anonymous private, MAP_SHARED anonymous, file-backed private (with
 * copy-on-write pages) and shared (still backed by the file), a read-only region,
 * PROT_NONE guard pages, and a region grown and moved by mremap. */
#include "ct.h"

enum { kPage = 4096, kPages = 64, kLen = kPage * kPages };

static void fill(char* p, size_t n, int tag) {
  for (size_t i = 0; i < n; ++i) {
    p[i] = (char)(tag + i * 7 + i / kPage);
  }
}

static int same(const char* p, size_t n, int tag) {
  for (size_t i = 0; i < n; ++i) {
    if (p[i] != (char)(tag + i * 7 + i / kPage)) {
      return 0;
    }
  }
  return 1;
}

static char* map_file(const char* name, int flags, int tag, int* fd_out) {
  int fd = open(ct_path(name), O_RDWR | O_CREAT | O_TRUNC, 0600);
  CT_CHECK(fd >= 0);
  char buf[kPage];
  for (int i = 0; i < kPages; ++i) {
    fill(buf, kPage, tag + i);
    CT_CHECK(write(fd, buf, kPage) == kPage);
  }
  char* p = mmap(NULL, kLen, PROT_READ | PROT_WRITE, flags, fd, 0);
  CT_CHECK(p != MAP_FAILED);
  *fd_out = fd;
  return p;
}

static char* anon(int flags) {
  char* p = mmap(NULL, kLen, PROT_READ | PROT_WRITE, flags | MAP_ANONYMOUS, -1, 0);
  CT_CHECK(p != MAP_FAILED);
  return p;
}

int main(int argc, char** argv) {
  ct_init(argc, argv);
  char* priv = anon(MAP_PRIVATE);
  fill(priv, kLen, 1);
  char* shared = anon(MAP_SHARED);
  fill(shared, kLen, 2);
  int pfd, sfd;
  char* fpriv = map_file("private.dat", MAP_PRIVATE, 3, &pfd);
  fill(fpriv + 5 * kPage, kPage, 33); /* one copy-on-write page */
  char* fshared = map_file("shared.dat", MAP_SHARED, 4, &sfd);
  fill(fshared + 9 * kPage, kPage, 44); /* written through to the file */
  char* ro = anon(MAP_PRIVATE);
  fill(ro, kLen, 5);
  CT_CHECK(mprotect(ro, kLen, PROT_READ) == 0);
  char* guarded = anon(MAP_PRIVATE);
  fill(guarded, kLen, 6);
  CT_CHECK(mprotect(guarded + kPage, kPage, PROT_NONE) == 0);
  CT_CHECK(mprotect(guarded + kLen - kPage, kPage, PROT_NONE) == 0);
  char* grown = anon(MAP_PRIVATE);
  fill(grown, kLen, 7);
  grown = mremap(grown, kLen, 2 * kLen, MREMAP_MAYMOVE);
  CT_CHECK(grown != MAP_FAILED);
  fill(grown + kLen, kLen, 8);

  ct_checkpoint_point();

  CT_CHECK(same(priv, kLen, 1));
  CT_CHECK(same(shared, kLen, 2));
  for (int i = 0; i < kPages; ++i) {
    CT_CHECK(same(fpriv + i * kPage, kPage, i == 5 ? 33 : 3 + i));
    CT_CHECK(same(fshared + i * kPage, kPage, i == 9 ? 44 : 4 + i));
  }
  char buf[kPage]; /* the private copy stays private, the shared page is the file's */
  CT_CHECK(pread(pfd, buf, kPage, 5 * kPage) == kPage && same(buf, kPage, 3 + 5));
  fill(fshared + 11 * kPage, kPage, 55);
  CT_CHECK(msync(fshared, kLen, MS_SYNC) == 0);
  CT_CHECK(pread(sfd, buf, kPage, 11 * kPage) == kPage && same(buf, kPage, 55));
  CT_CHECK(pwrite(sfd, buf, kPage, 12 * kPage) == kPage && same(fshared + 12 * kPage, kPage, 55));
  CT_CHECK(same(ro, kLen, 5));
  CT_CHECK(same(guarded, kPage, 6));
  CT_CHECK(same(guarded + 2 * kPage, kLen - 3 * kPage, 6 + 2 * kPage * 7 + 2));
  CT_CHECK(mprotect(guarded + kPage, kPage, PROT_READ) == 0);
  CT_CHECK(same(guarded + kPage, kPage, 6 + kPage * 7 + 1));
  CT_CHECK(same(grown, kLen, 7));
  CT_CHECK(same(grown + kLen, kLen, 8));
  fill(shared, kLen, 9); /* still writable */
  CT_CHECK(same(shared, kLen, 9));
  ct_pass();
}
