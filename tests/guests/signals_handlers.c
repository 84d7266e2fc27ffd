// Signal handlers under Pith: a SIGSEGV handler that recovers with siglongjmp and sees
// si_addr, a handler on a sigaltstack, a blocked signal seen by sigpending, alarm(1)
// interrupting a blocking read with EINTR, then SA_RESTART restarting it. The test keeps
// standard input open and writes one byte after the second "alarm" line.
#define _GNU_SOURCE
#include <signal.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <unistd.h>
static sigjmp_buf env;
// Volatile so that the compiler cannot see the addresses and fold the faults away.
static volatile int *volatile unmapped_a = (int *)0x1234, *volatile unmapped_b = (int *)0x10;
static volatile void *fault_addr;
static void on_segv(int sig, siginfo_t *si, void *uc) { (void)sig; (void)uc; fault_addr = si->si_addr; siglongjmp(env, 1); }
static volatile int on_alt = 0;
static char altstack[65536];
static void on_usr1(int sig) { (void)sig; int x; on_alt = ((char*)&x >= altstack && (char*)&x < altstack + sizeof altstack); }
static volatile int alarms = 0;
static void on_alarm(int sig) { (void)sig; alarms++; write(1, "alarm\n", 6); }
int main(void) {
    // Unbuffered, so that what handlers write lands in order with what main prints.
    setvbuf(stdout, NULL, _IONBF, 0);
    struct sigaction sa = {0};
    sa.sa_sigaction = on_segv; sa.sa_flags = SA_SIGINFO; sigaction(SIGSEGV, &sa, 0);
    if (sigsetjmp(env, 1) == 0) { *unmapped_a = 1; printf("no fault?\n"); }
    else printf("recovered from SIGSEGV at %p\n", fault_addr);
    if (sigsetjmp(env, 1) == 0) { *unmapped_b = 1; }
    else printf("recovered again at %p\n", fault_addr);

    stack_t ss = { .ss_sp = altstack, .ss_size = sizeof altstack, .ss_flags = 0 };
    if (sigaltstack(&ss, 0)) perror("sigaltstack");
    struct sigaction su = {0}; su.sa_handler = on_usr1; su.sa_flags = SA_ONSTACK; sigaction(SIGUSR1, &su, 0);
    raise(SIGUSR1);
    printf("handler on altstack: %d\n", on_alt);

    sigset_t set, old; sigemptyset(&set); sigaddset(&set, SIGUSR2);
    sigprocmask(SIG_BLOCK, &set, &old);
    signal(SIGUSR2, SIG_DFL);
    kill(getpid(), SIGUSR2);
    sigset_t pend; sigpending(&pend);
    printf("SIGUSR2 pending: %d\n", sigismember(&pend, SIGUSR2));
    signal(SIGUSR2, SIG_IGN);
    sigprocmask(SIG_SETMASK, &old, 0);
    printf("unblocked ignored SIGUSR2\n");

    struct sigaction al = {0}; al.sa_handler = on_alarm; sigaction(SIGALRM, &al, 0);
    char c = 0; alarm(1);
    ssize_t n = read(0, &c, 1);
    printf("read=%zd errno=%s alarms=%d\n", n, n < 0 && errno == EINTR ? "EINTR" : strerror(errno), alarms);
    fflush(stdout);
    al.sa_flags = SA_RESTART; sigaction(SIGALRM, &al, 0);
    alarm(1);
    n = read(0, &c, 1);
    printf("restarted read=%zd char=%c alarms=%d\n", n, c, alarms);
    return 0;
}
