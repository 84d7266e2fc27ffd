// Pith's example application: greets, shows what it was started with and where it runs.
//
// Build it as a static program and run it in its own VM:
//   gcc -static -O2 -o examples/hello/hello examples/hello/hello.c
//   target/release/pith run examples/hello/hello -- world

#include <stdio.h>
#include <stdlib.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv) {
    const char *name = argc > 1 ? argv[1] : "world";
    struct utsname system;
    struct timespec now;
    char when[64] = "unknown";

    printf("Hello, %s!\n", name);
    for (int i = 0; i < argc; i++) {
        printf("  argv[%d] = \"%s\"\n", i, argv[i]);
    }

    if (uname(&system) == 0) {
        printf("Running on %s %s (%s), as process %d\n", system.sysname, system.release,
               system.machine, (int)getpid());
    }
    if (clock_gettime(CLOCK_REALTIME, &now) == 0) {
        strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S UTC", gmtime(&now.tv_sec));
    }
    printf("The time is %s\n", when);
    return EXIT_SUCCESS;
}
