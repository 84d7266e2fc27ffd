// Says it is running, then spins forever: the VM only ends when the host stops it
// (Ctrl-C), which is what the test checks.

#include <stdio.h>

int main(void) {
    volatile unsigned long counter = 0;

    printf("spinning\n");
    fflush(stdout);
    for (;;) {
        counter++;
    }
}
