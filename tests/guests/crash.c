// Dies of a NULL dereference three calls deep, so that pith's crash report has a backtrace
// to symbolize: lookup (the fault), load_config, main. The kernel follows the frame-pointer
// chain, so these functions are built as at -O0 whatever the command line says: each keeps
// its frame pointer set for its whole body, and none is inlined or turned into a tail call,
// which would drop its frame.

#include <stdio.h>

#define KEEP_FRAME __attribute__((noinline, optimize("O0")))

struct setting {
    const char *name;
    int value;
};

// Volatile so that the compiler cannot see that the table is missing.
static struct setting *volatile settings = 0;

KEEP_FRAME int lookup(const char *name) {
    printf("looking up %s\n", name);
    fflush(stdout);
    return settings->value;
}

KEEP_FRAME int load_config(const char *name) {
    int value = lookup(name);
    return value + 1;
}

KEEP_FRAME int main(void) {
    return load_config("answer");
}
