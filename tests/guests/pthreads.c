// POSIX threads under Pith: 100 threads created and joined, a mutex-protected counter,
// per-thread `__thread` variables, a condition variable wait that times out, a barrier,
// floating-point state kept apart across preemption, a signal sent to one thread, and
// fork failing with ENOSYS.
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <errno.h>
#include <time.h>
#include <unistd.h>
#include <signal.h>
static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t c = PTHREAD_COND_INITIALIZER;
static long counter = 0;
static __thread int tls = 0;
static pthread_barrier_t bar;
static void *work(void *arg) {
    long id = (long)arg;
    tls = (int)id;
    for (int i = 0; i < 1000; i++) { pthread_mutex_lock(&m); counter++; pthread_mutex_unlock(&m); }
    sched_yield();
    if (tls != (int)id) return (void *)-1;
    return (void *)(id * 2);
}
static void *bwork(void *arg) { pthread_barrier_wait(&bar); return arg; }
/* Long enough to be preempted many times; each thread's own sum must come out exact. */
static void *fpwork(void *arg) {
    double scale = (double)(long)arg, sum = 0;
    for (int i = 0; i < 3000000; i++) sum += scale * 0.5;
    return (void *)(long)(sum == scale * 1500000.0);
}
static volatile pthread_t signalled_on;
static void on_usr1(int sig) { (void)sig; signalled_on = pthread_self(); }
static void *wait_for_signal(void *arg) { (void)arg; while (!signalled_on) sched_yield(); return 0; }
int main(void) {
    pthread_t t[100];
    for (long i = 0; i < 100; i++) if (pthread_create(&t[i], 0, work, (void *)i)) { printf("create failed %ld\n", i); return 1; }
    long sum = 0;
    for (int i = 0; i < 100; i++) { void *r; pthread_join(t[i], &r); sum += (long)r; }
    printf("counter=%ld sum=%ld\n", counter, sum);
    struct timespec ts; clock_gettime(CLOCK_REALTIME, &ts); ts.tv_nsec += 50000000; if (ts.tv_nsec >= 1000000000) { ts.tv_sec++; ts.tv_nsec -= 1000000000; }
    pthread_mutex_lock(&m);
    int rc = pthread_cond_timedwait(&c, &m, &ts);
    pthread_mutex_unlock(&m);
    printf("timedwait=%s\n", rc == ETIMEDOUT ? "ETIMEDOUT" : "other");
    pthread_barrier_init(&bar, 0, 4);
    pthread_t b[4];
    for (long i = 0; i < 4; i++) pthread_create(&b[i], 0, bwork, (void*)i);
    for (int i = 0; i < 4; i++) pthread_join(b[i], 0);
    printf("barrier ok\n");
    pthread_t fp[4]; long exact = 0;
    for (long i = 0; i < 4; i++) pthread_create(&fp[i], 0, fpwork, (void *)(i + 1));
    for (int i = 0; i < 4; i++) { void *r; pthread_join(fp[i], &r); exact += (long)r; }
    printf("floating point exact in %ld of 4 threads\n", exact);
    signal(SIGUSR1, on_usr1);
    pthread_t target; pthread_create(&target, 0, wait_for_signal, 0);
    pthread_kill(target, SIGUSR1);
    pthread_join(target, 0);
    printf("signal ran on its thread: %d\n", pthread_equal(signalled_on, target));
    errno = 0;
    int forked = (int)fork();
    printf("fork=%d errno=%s\n", forked, errno == ENOSYS ? "ENOSYS" : "other");
    return 0;
}
