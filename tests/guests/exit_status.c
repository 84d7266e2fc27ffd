// Exits with the status given as its only argument, through exit_group(2) directly, so
// that nothing in the C library stands between the status and the kernel.

#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(int argc, char **argv) {
    int status = argc > 1 ? atoi(argv[1]) : 0;

    syscall(SYS_exit_group, status);
    return 99;  // Not reached: exit_group does not return.
}
