// signalfd: blocked signals sent with kill, tgkill and a POSIX timer are read from a
// signalfd as signalfd_siginfo records, and poll sees the descriptor become readable.
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

int main(void) {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    sigaddset(&set, SIGUSR2);
    sigaddset(&set, SIGALRM);
    sigprocmask(SIG_BLOCK, &set, NULL);
    int fd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
    struct signalfd_siginfo info;
    ssize_t empty = read(fd, &info, sizeof info);
    printf("empty read: %zd %s\n", empty, errno == EAGAIN ? "EAGAIN" : "?");

    kill(getpid(), SIGUSR1);
    struct pollfd watch = {.fd = fd, .events = POLLIN};
    printf("poll readable: %d\n", poll(&watch, 1, 0) == 1 && (watch.revents & POLLIN));
    ssize_t n = read(fd, &info, sizeof info);
    printf("kill: %zd bytes, signo %s, pid %u\n", n, info.ssi_signo == SIGUSR1 ? "SIGUSR1" : "?", info.ssi_pid);

    syscall(SYS_tgkill, getpid(), gettid(), SIGUSR2);
    read(fd, &info, sizeof info);
    printf("tgkill: signo %s, code SI_TKILL %d\n", info.ssi_signo == SIGUSR2 ? "SIGUSR2" : "?", info.ssi_code == SI_TKILL);

    timer_t timer;
    struct sigevent event = {.sigev_notify = SIGEV_SIGNAL, .sigev_signo = SIGALRM};
    event.sigev_value.sival_int = 77;
    timer_create(CLOCK_MONOTONIC, &event, &timer);
    struct itimerspec when = {.it_value = {.tv_nsec = 20 * 1000 * 1000}};
    timer_settime(timer, 0, &when, NULL);
    poll(&watch, 1, 5000);
    read(fd, &info, sizeof info);
    printf("timer: signo %s, code SI_TIMER %d, value %d\n", info.ssi_signo == SIGALRM ? "SIGALRM" : "?",
           info.ssi_code == SI_TIMER, info.ssi_int);
    return 0;
}
