/* getthrds64 as hwloc's AIX backend and IBM's page use it: walk the
 * threads of this process one entry at a time, find a thread bound with
 * bindprocessor, and the documented errors. */
#include "common.h"
#include <pthread.h>
#include <procinfo.h>
#include <sys/processor.h>
#include <sys/thread.h>

static volatile tid_t worker_tid;
static volatile int stop;

static void *worker(void *arg)
{
    (void)arg;
    worker_tid = thread_self();
    while (!stop)
        usleep(1000);
    return NULL;
}

int main(void)
{
    pthread_t th;
    pthread_create(&th, NULL, worker, NULL);
    while (!worker_tid)
        usleep(1000);
    EXPECT(bindprocessor(BINDTHREAD, (int)worker_tid, 0) == 0);

    struct thrdentry64 e;
    tid64_t next = 0;
    int n = 0, saw_me = 0, saw_worker = 0;
    while (getthrds64(getpid(), &e, sizeof e, &next, 1) == 1) {
        n++;
        EXPECT(e.ti_pid == getpid());
        if (e.ti_tid == thread_self()) {
            saw_me = 1;
            EXPECT(e.ti_cpuid == PROCESSOR_CLASS_ANY);   /* not bound */
        }
        if (e.ti_tid == worker_tid) {
            saw_worker = 1;
            EXPECT(e.ti_cpuid == 0);                     /* bound to CPU 0 */
        }
    }
    EXPECT(n == 2 && saw_me && saw_worker);
    /* several at once, from the start again */
    struct thrdentry64 many[8];
    next = 0;
    EXPECT(getthrds64(getpid(), many, sizeof many[0], &next, 8) == 2);

    EXPECT_ERR(getthrds64(getpid(), &e, 3, &next, 1), EINVAL);   /* size */
    EXPECT_ERR(getthrds64(getpid(), &e, sizeof e, &next, -1), EINVAL);
    EXPECT_ERR(getthrds64(getpid(), NULL, sizeof e, &next, 1), EFAULT);
    EXPECT_ERR(getthrds64(getpid(), &e, sizeof e, NULL, 1), EFAULT);
    next = 0;
    EXPECT_ERR(getthrds64(dead_pid(), &e, sizeof e, &next, 1), ESRCH);
    stop = 1;
    pthread_join(th, NULL);
    return finish("getthrds");
}
