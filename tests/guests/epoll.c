// epoll over pipes, eventfd and timerfd, level- and edge-triggered, one-shot and nested,
// with exact results and errno values: one line per check, then a summary.

#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "check.h"

static long now_ms(void) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return now.tv_sec * 1000 + now.tv_nsec / 1000000;
}

static int add(int epfd, int fd, uint32_t events, uint64_t data) {
    struct epoll_event event = {.events = events, .data.u64 = data};
    return epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &event);
}

static int modify(int epfd, int fd, uint32_t events, uint64_t data) {
    struct epoll_event event = {.events = events, .data.u64 = data};
    return epoll_ctl(epfd, EPOLL_CTL_MOD, fd, &event);
}

static void errors(void) {
    CHECK_ERR("create: size 0", epoll_create(0), EINVAL);
    CHECK_ERR("create1: bad flags", epoll_create1(1), EINVAL);
    int epfd = epoll_create1(EPOLL_CLOEXEC);
    CHECK("create1: EPOLL_CLOEXEC", epfd >= 0 && fcntl(epfd, F_GETFD) == FD_CLOEXEC);
    int ends[2];
    pipe(ends);
    CHECK_EQ("ctl: add", add(epfd, ends[0], EPOLLIN, 1), 0);
    CHECK_ERR("ctl: add twice", add(epfd, ends[0], EPOLLIN, 1), EEXIST);
    CHECK_ERR("ctl: mod unknown", modify(epfd, ends[1], EPOLLOUT, 2), ENOENT);
    CHECK_ERR("ctl: del unknown", epoll_ctl(epfd, EPOLL_CTL_DEL, ends[1], NULL), ENOENT);
    CHECK_ERR("ctl: bad op", epoll_ctl(epfd, 42, ends[1], &(struct epoll_event){0}), EINVAL);
    CHECK_ERR("ctl: itself", add(epfd, epfd, EPOLLIN, 0), EINVAL);
    CHECK_ERR("ctl: bad fd", add(epfd, 999, EPOLLIN, 0), EBADF);
    CHECK_ERR("ctl: not an epoll fd", add(ends[1], ends[0], EPOLLIN, 0), EINVAL);
    int file = open("/proc/self/exe", O_RDONLY);
    CHECK_ERR("ctl: regular file", add(epfd, file, EPOLLIN, 0), EPERM);
    close(file);
    CHECK_ERR("ctl: EPOLLEXCLUSIVE with mod", modify(epfd, ends[0], EPOLLIN | EPOLLEXCLUSIVE, 1), EINVAL);
    CHECK_ERR("ctl: EPOLLEXCLUSIVE with EPOLLONESHOT", add(epfd, ends[1], EPOLLOUT | EPOLLEXCLUSIVE | EPOLLONESHOT, 1), EINVAL);
    CHECK_EQ("ctl: EPOLLEXCLUSIVE add", add(epfd, ends[1], EPOLLOUT | EPOLLEXCLUSIVE, 2), 0);
    struct epoll_event events[4];
    CHECK_ERR("wait: maxevents 0", epoll_wait(epfd, events, 0, 0), EINVAL);
    CHECK_ERR("wait: not an epoll fd", epoll_wait(ends[0], events, 1, 0), EINVAL);
    CHECK_ERR("wait: bad events pointer", syscall(SYS_epoll_wait, epfd, 8L, 4, 0), EFAULT);
    CHECK_EQ("ctl: del", epoll_ctl(epfd, EPOLL_CTL_DEL, ends[0], NULL), 0);
    close(ends[0]);
    close(ends[1]);
    close(epfd);
}

static void level_triggered(void) {
    int epfd = epoll_create1(0);
    int ends[2];
    pipe2(ends, O_NONBLOCK);
    add(epfd, ends[0], EPOLLIN, 7);
    struct epoll_event events[4];
    CHECK_EQ("lt: nothing ready", epoll_wait(epfd, events, 4, 0), 0);
    write(ends[1], "abc", 3);
    CHECK_EQ("lt: pipe readable", epoll_wait(epfd, events, 4, 0), 1);
    CHECK("lt: event and data", events[0].events == EPOLLIN && events[0].data.u64 == 7);
    CHECK_EQ("lt: still readable", epoll_wait(epfd, events, 4, 0), 1);
    char buffer[8];
    read(ends[0], buffer, 1);
    CHECK_EQ("lt: readable after partial read", epoll_wait(epfd, events, 4, 0), 1);
    read(ends[0], buffer, 8);
    CHECK_EQ("lt: drained", epoll_wait(epfd, events, 4, 0), 0);
    close(ends[1]);
    CHECK_EQ("lt: hang-up", epoll_wait(epfd, events, 4, 0), 1);
    CHECK_EQ("lt: EPOLLHUP reported unasked", events[0].events, EPOLLHUP);
    close(ends[0]);
    CHECK_EQ("lt: closed fd leaves the set", epoll_wait(epfd, events, 4, 0), 0);

    // With maxevents 1, ready files take turns.
    int first = eventfd(1, 0), second = eventfd(1, 0);
    add(epfd, first, EPOLLIN, 1);
    add(epfd, second, EPOLLIN, 2);
    epoll_wait(epfd, events, 1, 0);
    uint64_t one = events[0].data.u64;
    epoll_wait(epfd, events, 1, 0);
    CHECK("lt: round robin", events[0].data.u64 != one);
    CHECK_EQ("lt: both ready", epoll_wait(epfd, events, 4, 0), 2);
    close(first);
    close(second);
    close(epfd);
}

static void edge_triggered(void) {
    int epfd = epoll_create1(0);
    int ends[2];
    pipe2(ends, O_NONBLOCK);
    add(epfd, ends[0], EPOLLIN | EPOLLET, 1);
    struct epoll_event events[4];
    CHECK_EQ("et: nothing yet", epoll_wait(epfd, events, 4, 0), 0);
    write(ends[1], "a", 1);
    CHECK_EQ("et: first write", epoll_wait(epfd, events, 4, 0), 1);
    CHECK_EQ("et: no new edge", epoll_wait(epfd, events, 4, 0), 0);
    char buffer[8];
    read(ends[0], buffer, 1);
    CHECK_EQ("et: reading is no input edge", epoll_wait(epfd, events, 4, 0), 0);
    write(ends[1], "b", 1);
    CHECK_EQ("et: second write", epoll_wait(epfd, events, 4, 0), 1);
    write(ends[1], "c", 1);
    CHECK_EQ("et: more data is a new edge", epoll_wait(epfd, events, 4, 0), 1);
    add(epfd, ends[1], EPOLLOUT | EPOLLET, 2);
    CHECK_EQ("et: writable once", epoll_wait(epfd, events, 4, 0), 1);
    CHECK("et: EPOLLOUT data", events[0].events == EPOLLOUT && events[0].data.u64 == 2);
    CHECK_EQ("et: writable no new edge", epoll_wait(epfd, events, 4, 0), 0);
    read(ends[0], buffer, 8);
    CHECK_EQ("et: reading a pipe that was not full", epoll_wait(epfd, events, 4, 0), 0);
    static char fill[4096];
    while (write(ends[1], fill, sizeof fill) > 0) {
    }
    epoll_wait(epfd, events, 4, 0);
    CHECK_EQ("et: full pipe", epoll_wait(epfd, events, 4, 0), 0);
    read(ends[0], fill, sizeof fill);
    CHECK_EQ("et: room appears in a full pipe", epoll_wait(epfd, events, 4, 0), 1);
    close(ends[0]);
    close(ends[1]);

    int event = eventfd(0, EFD_NONBLOCK);
    add(epfd, event, EPOLLIN | EPOLLET, 3);
    uint64_t value = 1;
    write(event, &value, 8);
    CHECK_EQ("et: eventfd write", epoll_wait(epfd, events, 4, 0), 1);
    CHECK_EQ("et: eventfd no new edge", epoll_wait(epfd, events, 4, 0), 0);
    write(event, &value, 8);
    CHECK_EQ("et: eventfd second write", epoll_wait(epfd, events, 4, 0), 1);
    close(event);
    close(epfd);
}

static void one_shot(void) {
    int epfd = epoll_create1(0);
    int event = eventfd(1, EFD_NONBLOCK);
    add(epfd, event, EPOLLIN | EPOLLONESHOT, 9);
    struct epoll_event events[4];
    CHECK_EQ("oneshot: first report", epoll_wait(epfd, events, 4, 0), 1);
    CHECK_EQ("oneshot: disabled after it", epoll_wait(epfd, events, 4, 0), 0);
    CHECK_EQ("oneshot: rearm with mod", modify(epfd, event, EPOLLIN | EPOLLONESHOT, 10), 0);
    CHECK_EQ("oneshot: reported again", epoll_wait(epfd, events, 4, 0), 1);
    CHECK_EQ("oneshot: new data", events[0].data.u64, 10);
    close(event);
    close(epfd);
}

static void timers_and_timeouts(void) {
    int epfd = epoll_create1(0);
    struct epoll_event events[4];
    long start = now_ms();
    CHECK_EQ("timeout: nothing", epoll_wait(epfd, events, 4, 50), 0);
    CHECK("timeout: waited 50 ms", now_ms() - start >= 45);

    int timer = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK);
    add(epfd, timer, EPOLLIN, 5);
    struct itimerspec setting = {{0, 20000000}, {0, 30000000}};
    timerfd_settime(timer, 0, &setting, NULL);
    CHECK_EQ("timerfd: not yet", epoll_wait(epfd, events, 4, 0), 0);
    start = now_ms();
    CHECK_EQ("timerfd: fires", epoll_wait(epfd, events, 4, 2000), 1);
    long waited = now_ms() - start;
    CHECK("timerfd: after about 30 ms", waited >= 25 && waited < 1500);
    CHECK("timerfd: event", events[0].events == EPOLLIN && events[0].data.u64 == 5);
    uint64_t expirations = 0;
    read(timer, &expirations, 8);
    CHECK("timerfd: expirations", expirations >= 1);
    CHECK_EQ("timerfd: periodic fires again", epoll_wait(epfd, events, 4, 2000), 1);
    struct timespec limit = {0, 100000000};
    sigset_t mask;
    sigemptyset(&mask);
    read(timer, &expirations, 8);
    CHECK_EQ("epoll_pwait2: timer", syscall(SYS_epoll_pwait2, epfd, events, 4, &limit, &mask, 8), 1);
    read(timer, &expirations, 8);
    CHECK_EQ("epoll_pwait: timer", epoll_pwait(epfd, events, 4, 1000, &mask), 1);
    CHECK_ERR("epoll_pwait2: bad timespec", syscall(SYS_epoll_pwait2, epfd, events, 4, &(struct timespec){0, -1}, NULL, 8), EINVAL);
    close(timer);
    close(epfd);
}

static void nested(void) {
    int outer = epoll_create1(0), inner = epoll_create1(0);
    int event = eventfd(0, 0);
    add(inner, event, EPOLLIN, 1);
    CHECK_EQ("nested: add inner", add(outer, inner, EPOLLIN, 2), 0);
    CHECK_ERR("nested: loop refused", add(inner, outer, EPOLLIN, 3), ELOOP);
    struct epoll_event events[4];
    CHECK_EQ("nested: nothing", epoll_wait(outer, events, 4, 0), 0);
    uint64_t value = 1;
    write(event, &value, 8);
    CHECK_EQ("nested: inner ready", epoll_wait(outer, events, 4, 0), 1);
    CHECK("nested: event", events[0].events == EPOLLIN && events[0].data.u64 == 2);
    close(event);
    close(inner);
    close(outer);
}

int main(void) {
    errors();
    level_triggered();
    edge_triggered();
    one_shot();
    timers_and_timeouts();
    nested();
    return summary("epoll");
}
