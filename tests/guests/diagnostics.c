// System calls whose trace and summary the diagnostics tests check, by mode:
//   open-missing  - opens /nonexistent/file once, which fails with ENOENT, and exits with 1
//                   as a program missing its configuration would
//   getppid N     - calls getppid exactly N times, then acct once, which Pith does not
//                   implement (ENOSYS)
// It prints what it did, so that a test sees the program ran to the end.

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static int open_missing(void) {
    int fd = open("/nonexistent/file", O_RDONLY);
    int error = errno;
    printf("open = %d, errno = %s\n", fd, error == ENOENT ? "ENOENT" : strerror(error));
    return fd == -1 ? 1 : 0;
}

static int call_getppid(long count) {
    for (long i = 0; i < count; i++) {
        // Through syscall(2), so that no libc could answer from a cache.
        syscall(SYS_getppid);
    }
    syscall(SYS_acct, NULL);
    printf("getppid called %ld times\n", count);
    return 0;
}

int main(int argc, char **argv) {
    const char *mode = argc > 1 ? argv[1] : "";

    if (strcmp(mode, "open-missing") == 0) {
        return open_missing();
    }
    if (strcmp(mode, "getppid") == 0 && argc > 2) {
        return call_getppid(strtol(argv[2], NULL, 10));
    }
    fprintf(stderr, "usage: diagnostics open-missing | getppid N\n");
    return 2;
}
