// Dies of the signal named by its argument, the way real programs crash:
//   segv  - reads address 0         (SIGSEGV, status 139)
//   ill   - executes ud2            (SIGILL,  status 132)
//   fpe   - divides by zero         (SIGFPE,  status 136)
//   abort - calls abort(3)          (SIGABRT, status 134)
// It prints a line first so that the test sees the program got that far.

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

// Volatile so that the compiler cannot see the values and fold the faults away.
static volatile uintptr_t null_address = 0;
static volatile int seven = 7;
static volatile int zero = 0;

int main(int argc, char **argv) {
    const char *mode = argc > 1 ? argv[1] : "segv";

    printf("about to %s\n", mode);
    fflush(stdout);

    if (strcmp(mode, "segv") == 0) {
        return *(volatile int *)null_address;
    } else if (strcmp(mode, "ill") == 0) {
        __builtin_trap();
    } else if (strcmp(mode, "fpe") == 0) {
        return seven / zero;
    } else if (strcmp(mode, "abort") == 0) {
        abort();
    }
    fprintf(stderr, "unknown mode %s\n", mode);
    return 2;
}
