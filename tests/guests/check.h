// Tiny assertion helpers for guest tests: one line per check, a summary at the end, and
// an exit status of 0 only if every check passed.

#ifndef PITH_CHECK_H
#define PITH_CHECK_H

#include <errno.h>
#include <stdio.h>
#include <string.h>

static int checks_run, checks_failed;

static void report(int ok, const char *name, const char *detail) {
    checks_run++;
    if (ok) {
        printf("ok %s\n", name);
    } else {
        checks_failed++;
        printf("FAIL %s: %s\n", name, detail);
    }
    fflush(stdout);
}

// Passes if `value == expected`.
#define CHECK_EQ(name, value, expected)                                                      \
    do {                                                                                     \
        long long got_ = (long long)(value), want_ = (long long)(expected);                  \
        char detail_[160];                                                                   \
        snprintf(detail_, sizeof detail_, "got %lld (errno %s), want %lld", got_,            \
                 strerrorname_np(errno) ? strerrorname_np(errno) : "0", want_);              \
        report(got_ == want_, name, detail_);                                                \
    } while (0)

// Passes if `value` is true.
#define CHECK(name, value) CHECK_EQ(name, !!(value), 1)

// Passes if `call` returns -1 with errno `expected`.
#define CHECK_ERR(name, call, expected)                                                      \
    do {                                                                                     \
        errno = 0;                                                                           \
        long long got_ = (long long)(call);                                                  \
        int errno_ = errno;                                                                  \
        char detail_[160];                                                                   \
        snprintf(detail_, sizeof detail_, "got %lld errno %s, want -1 errno %s", got_,       \
                 strerrorname_np(errno_) ? strerrorname_np(errno_) : "0",                    \
                 strerrorname_np(expected));                                                 \
        report(got_ == -1 && errno_ == (expected), name, detail_);                           \
    } while (0)

// Passes if the two strings are equal.
#define CHECK_STR(name, value, expected)                                                     \
    do {                                                                                     \
        const char *got_ = (value), *want_ = (expected);                                     \
        char detail_[300];                                                                   \
        snprintf(detail_, sizeof detail_, "got \"%.120s\", want \"%.120s\"",                 \
                 got_ ? got_ : "(null)", want_);                                             \
        report(got_ && strcmp(got_, want_) == 0, name, detail_);                             \
    } while (0)

static int summary(const char *suite) {
    printf("%s: %d checks, %d failed\n", suite, checks_run, checks_failed);
    return checks_failed == 0 ? 0 : 1;
}

#endif
