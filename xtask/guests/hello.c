// The hello program of the boot, run-time, memory and size rows: one line on standard
// output, exit status 0. docs/benchmarks.md says what each row measures with it.

#include <stdio.h>

int main(void) {
    puts("hello from the guest");
    return 0;
}
