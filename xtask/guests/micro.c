// Micro-benchmarks measured inside the guest with the TSC, the same binary under Pith and
// under Linux. `micro TEST...` runs the named tests and prints one line for each:
//   NAME_cycles=N         the median over BATCHES batches of the cycles per operation
//   NAME=n/a REASON       the guest lacks what the test needs (a syscall failed)
// Tests:
//   getppid       a null system call, getppid(2)
//   read4k PATH   pread(2) of the first 4 KiB of the file PATH
//   thread        pthread_create(3) plus pthread_join(3) of a thread that returns at once
//   futex         one round trip of a futex(2) ping-pong between two threads
//   pagefault     the first write to a fresh anonymous page, mmap(2)ed 4 MiB at a time
// The exit status is 0 when every test ran, 3 when any printed n/a.

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <x86intrin.h>

#define BATCHES 21
#define PAGE_SIZE 4096
#define PAGEFAULT_REGION (4u << 20)

static int unsupported;

// lfence keeps earlier instructions from drifting past the counter read (Intel SDM, RDTSC).
static uint64_t cycles(void) {
    _mm_lfence();
    uint64_t now = __rdtsc();
    _mm_lfence();
    return now;
}

static int compare_u64(const void *a, const void *b) {
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

static uint64_t median(uint64_t *values, int count) {
    qsort(values, count, sizeof values[0], compare_u64);
    return values[count / 2];
}

static void report(const char *name, uint64_t *per_op) {
    printf("%s_cycles=%llu\n", name, (unsigned long long)median(per_op, BATCHES));
    fflush(stdout);
}

static void not_available(const char *name, const char *what, int error) {
    printf("%s=n/a %s: %s\n", name, what, strerror(error));
    fflush(stdout);
    unsupported = 1;
}

static void bench_getppid(void) {
    enum { CALLS = 2000 };
    uint64_t per_call[BATCHES];
    for (int batch = 0; batch < BATCHES; batch++) {
        uint64_t start = cycles();
        for (int i = 0; i < CALLS; i++) {
            syscall(SYS_getppid);
        }
        per_call[batch] = (cycles() - start) / CALLS;
    }
    report("getppid", per_call);
}

static void bench_read4k(const char *path) {
    enum { CALLS = 500 };
    static char buffer[4096];
    int fd = open(path, O_RDONLY);
    if (fd < 0) {
        not_available("read4k", "open", errno);
        return;
    }
    ssize_t got = pread(fd, buffer, sizeof buffer, 0);
    if (got != (ssize_t)sizeof buffer) {
        not_available("read4k", "pread of 4 KiB", got < 0 ? errno : EIO);
        close(fd);
        return;
    }

    uint64_t per_call[BATCHES];
    for (int batch = 0; batch < BATCHES; batch++) {
        uint64_t start = cycles();
        for (int i = 0; i < CALLS; i++) {
            pread(fd, buffer, sizeof buffer, 0);
        }
        per_call[batch] = (cycles() - start) / CALLS;
    }
    close(fd);
    report("read4k", per_call);
}

static void *return_at_once(void *argument) { return argument; }

static void bench_thread(void) {
    enum { THREADS = 50 };
    uint64_t per_thread[BATCHES];
    for (int batch = 0; batch < BATCHES; batch++) {
        uint64_t start = cycles();
        for (int i = 0; i < THREADS; i++) {
            pthread_t thread;
            int error = pthread_create(&thread, NULL, return_at_once, NULL);
            if (error != 0) {
                not_available("thread", "pthread_create", error);
                return;
            }
            pthread_join(thread, NULL);
        }
        per_thread[batch] = (cycles() - start) / THREADS;
    }
    report("thread", per_thread);
}

// The ping-pong word: the main thread sets it to 1 and waits while it is 1, the partner
// sets it back to 0 and waits while it is 0. Each hand-over is a wake and a wait.
static _Atomic uint32_t turn;
static _Atomic int stop_partner;

static long futex(_Atomic uint32_t *word, int op, uint32_t value) {
    return syscall(SYS_futex, word, op | FUTEX_PRIVATE_FLAG, value, NULL, NULL, 0);
}

static void hand_over(uint32_t to, uint32_t wait_while) {
    turn = to;
    futex(&turn, FUTEX_WAKE, 1);
    while (turn == wait_while) {
        futex(&turn, FUTEX_WAIT, wait_while);
    }
}

static void *partner(void *argument) {
    while (!stop_partner) {
        while (turn == 0) {
            futex(&turn, FUTEX_WAIT, 0);
        }
        if (stop_partner) {
            break;
        }
        hand_over(0, 0);
    }
    return argument;
}

static void bench_futex(void) {
    enum { ROUND_TRIPS = 200 };
    long probe = futex(&turn, FUTEX_WAKE, 1);
    if (probe < 0) {
        not_available("futex", "futex(FUTEX_WAKE)", errno);
        return;
    }
    pthread_t thread;
    int error = pthread_create(&thread, NULL, partner, NULL);
    if (error != 0) {
        not_available("futex", "pthread_create", error);
        return;
    }

    uint64_t per_round_trip[BATCHES];
    for (int batch = 0; batch < BATCHES; batch++) {
        uint64_t start = cycles();
        for (int i = 0; i < ROUND_TRIPS; i++) {
            hand_over(1, 1);
        }
        per_round_trip[batch] = (cycles() - start) / ROUND_TRIPS;
    }
    stop_partner = 1;
    turn = 1;
    futex(&turn, FUTEX_WAKE, 1);
    pthread_join(thread, NULL);
    report("futex", per_round_trip);
}

static void bench_pagefault(void) {
    enum { PAGES = PAGEFAULT_REGION / PAGE_SIZE };
    uint64_t per_page[BATCHES];
    for (int batch = 0; batch < BATCHES; batch++) {
        volatile char *region =
            mmap(NULL, PAGEFAULT_REGION, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (region == MAP_FAILED) {
            not_available("pagefault", "mmap", errno);
            return;
        }
        uint64_t start = cycles();
        for (int page = 0; page < PAGES; page++) {
            region[(size_t)page * PAGE_SIZE] = 1;
        }
        per_page[batch] = (cycles() - start) / PAGES;
        if (munmap((void *)region, PAGEFAULT_REGION) != 0) {
            not_available("pagefault", "munmap", errno);
            return;
        }
    }
    report("pagefault", per_page);
}

int main(int argc, char **argv) {
    for (int i = 1; i < argc; i++) {
        const char *test = argv[i];
        if (strcmp(test, "getppid") == 0) {
            bench_getppid();
        } else if (strcmp(test, "read4k") == 0 && i + 1 < argc) {
            bench_read4k(argv[++i]);
        } else if (strcmp(test, "thread") == 0) {
            bench_thread();
        } else if (strcmp(test, "futex") == 0) {
            bench_futex();
        } else if (strcmp(test, "pagefault") == 0) {
            bench_pagefault();
        } else {
            fprintf(stderr, "micro: unknown test or missing argument: %s\n", test);
            return 2;
        }
    }
    return unsupported ? 3 : 0;
}
