// POSIX threads under Pith: 100 threads created and joined, a mutex-protected counter,
// per-thread `__thread` variables, a condition variable wait that times out, a barrier.
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <errno.h>
#include <time.h>
#include <unistd.h>
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
    return 0;
}
