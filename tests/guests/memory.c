// Memory calls under Pith: mmap/mprotect/munmap/mremap/madvise/mincore edge cases with
// exact errno values, brk, and malloc of ever larger blocks until it fails (Linux's
// overcommit heuristic refuses a single block larger than memory), then freeing them.
#define _GNU_SOURCE
#include <sys/mman.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <unistd.h>
static int failures = 0;
#define CHECK(cond, what) do { if (cond) printf("ok %s\n", what); else { printf("FAIL %s (errno %d)\n", what, errno); failures++; } } while (0)
#define ERRNO(expr, err, what) do { errno = 0; long r_ = (long)(expr); CHECK(r_ == -1 && errno == err, what); } while (0)
int main(void) {
    long pg = sysconf(_SC_PAGESIZE);
    CHECK(pg == 4096, "page size");
    ERRNO(mmap(0, 0, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0), EINVAL, "mmap length 0 -> EINVAL");
    ERRNO(mmap(0, pg, PROT_READ, MAP_ANONYMOUS, -1, 0), EINVAL, "mmap without PRIVATE/SHARED -> EINVAL");
    ERRNO(mmap((void*)0x10001, pg, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0), EINVAL, "MAP_FIXED unaligned -> EINVAL");
    ERRNO(mmap(0, pg, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS, -1, 1), EINVAL, "unaligned offset -> EINVAL");
    char *p = mmap(0, 4*pg, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0);
    CHECK(p != MAP_FAILED && p[0] == 0 && p[4*pg-1] == 0, "anonymous mapping reads zeros");
    memset(p, 'a', 4*pg);
    ERRNO(mmap(p, pg, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED_NOREPLACE, -1, 0), EEXIST, "MAP_FIXED_NOREPLACE on a mapping -> EEXIST");
    char *q = mmap(p + pg, pg, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0);
    CHECK(q == p + pg && q[0] == 0 && p[0] == 'a', "MAP_FIXED replaces one page");
    CHECK(mprotect(p, pg, PROT_READ) == 0, "mprotect read-only");
    ERRNO(mprotect(p + 1, pg, PROT_READ), EINVAL, "mprotect unaligned -> EINVAL");
    ERRNO(mprotect((void*)0x7000000000, pg, PROT_READ), ENOMEM, "mprotect unmapped -> ENOMEM");
    CHECK(munmap(p + 2*pg, pg) == 0, "munmap middle page");
    ERRNO(mprotect(p, 4*pg, PROT_READ), ENOMEM, "mprotect over a hole -> ENOMEM");
    ERRNO(munmap(p + 1, pg), EINVAL, "munmap unaligned -> EINVAL");
    CHECK(munmap((void*)0x7000000000, pg) == 0, "munmap of nothing succeeds");
    CHECK(madvise(p + pg, pg, MADV_DONTNEED) == 0 && p[pg] == 0, "MADV_DONTNEED gives zero pages");
    unsigned char vec[4]; CHECK(mincore(p, 2*pg, vec) == 0 && (vec[0] & 1), "mincore reports a resident page");
    char *r = mmap(0, 2*pg, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0);
    memset(r, 'r', 2*pg);
    char *g = mremap(r, 2*pg, 64*pg, MREMAP_MAYMOVE);
    CHECK(g != MAP_FAILED && g[0] == 'r' && g[2*pg-1] == 'r' && g[2*pg] == 0, "mremap grows and keeps contents");
    char *s = mremap(g, 64*pg, pg, 0);
    CHECK(s == g && s[0] == 'r', "mremap shrinks in place");
    ERRNO(mremap(g, pg, 8*pg, MREMAP_FIXED, g + 100*pg), EINVAL, "MREMAP_FIXED without MAYMOVE -> EINVAL");
    char *f = mremap(g, pg, 2*pg, MREMAP_MAYMOVE|MREMAP_FIXED, g + 200*pg);
    CHECK(f == g + 200*pg && f[0] == 'r', "MREMAP_FIXED moves");
    ERRNO(mremap((void*)0x7100000000, pg, 2*pg, MREMAP_MAYMOVE), EFAULT, "mremap of nothing -> EFAULT");
    char *none = mmap(0, pg, PROT_NONE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0);
    CHECK(mprotect(none, pg, PROT_READ|PROT_WRITE) == 0 && (none[0] = 5, none[0] == 5), "PROT_NONE then read-write");
    void *stack = mmap(0, 16*pg, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_STACK|MAP_NORESERVE|MAP_POPULATE, -1, 0);
    CHECK(stack != MAP_FAILED, "MAP_STACK|MAP_NORESERVE|MAP_POPULATE");
    void *brk0 = sbrk(0); CHECK(sbrk(1 << 20) == brk0 && sbrk(0) == (char*)brk0 + (1 << 20), "brk grows");
    /* Allocate ever larger blocks until malloc fails, then free them all. */
    void *blocks[64]; int n = 0; size_t size = 1 << 20;
    for (; n < 64; n++, size *= 2) { blocks[n] = malloc(size); if (!blocks[n]) break; memset(blocks[n], 1, 4096); }
    CHECK(n > 0 && n < 64, "malloc eventually fails with ENOMEM");
    for (int i = 0; i < n; i++) free(blocks[i]);
    printf("%d failures\n", failures);
    return failures != 0;
}
