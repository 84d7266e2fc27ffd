// The vDSO: AT_SYSINFO_EHDR points at an ELF image, and clock_gettime, gettimeofday, time
// and sched_getcpu answer through it, agreeing with the real syscalls: the clock read
// either way never goes backwards.
#define _GNU_SOURCE
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static long long nanos(struct timespec t) { return t.tv_sec * 1000000000LL + t.tv_nsec; }

int main(void) {
    const char *image = (const char *)getauxval(AT_SYSINFO_EHDR);
    printf("vDSO is an ELF image: %d\n", image && memcmp(image, "\x7f" "ELF", 4) == 0);

    int ordered = 1;
    for (int i = 0; i < 1000; i++) {
        struct timespec a, b, c;
        clock_gettime(CLOCK_MONOTONIC, &a);
        syscall(SYS_clock_gettime, CLOCK_MONOTONIC, &b);
        clock_gettime(CLOCK_MONOTONIC, &c);
        ordered &= nanos(a) <= nanos(b) && nanos(b) <= nanos(c);
    }
    printf("vDSO and syscall clocks agree in order: %d\n", ordered);

    struct timespec real;
    struct timeval tv;
    clock_gettime(CLOCK_REALTIME, &real);
    gettimeofday(&tv, NULL);
    time_t now = time(NULL);
    printf("wall clocks agree: %d\n",
           tv.tv_sec - real.tv_sec <= 1 && now - real.tv_sec <= 1 && tv.tv_usec < 1000000);
    printf("cpu: %d\n", sched_getcpu());
    return 0;
}
