// Prints its arguments and one environment variable, then exits with status 42.
//
// The first guest every Pith build must run: it checks that argv and envp reach the
// program intact and that the exit status comes back to the host.

#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv) {
    const char *greeting = getenv("GREETING");

    printf("hello from a pith guest\n");
    printf("argc=%d\n", argc);
    for (int i = 1; i < argc; i++) {
        printf("argv[%d]=%s\n", i, argv[i]);
    }
    printf("GREETING=%s\n", greeting ? greeting : "(unset)");
    return 42;
}
