// Calls a syscall number that no Linux kernel assigns and prints the errno it got.
// Linux returns -1 with errno ENOSYS (38); so must Pith, without killing the program.

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(void) {
    errno = 0;
    long result = syscall(1000);
    int error = errno;

    printf("syscall(1000) = %ld, errno = %d (%s)\n", result, error,
           error == ENOSYS ? "ENOSYS" : strerror(error));
    printf("still running after an unknown syscall\n");
    return 0;
}
