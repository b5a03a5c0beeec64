/* ra_attachrset, ra_getrset, ra_detachrset for processes and kernel
 * threads, as IBM documents them, with each documented errno. */
#include "common.h"
#include <pthread.h>
#include <sys/processor.h>
#include <sys/rset.h>
#include <sys/thread.h>

static int nprocs_in(rsethandle_t r)
{
    return rs_getinfo(r, R_NUMPROCS, 0);
}

static int has_cpu(rsethandle_t r, int cpu)
{
    return rs_op(RS_TESTRESOURCE, r, NULL, R_PROCS, (uint_t)cpu) == 1;
}

static int eperm_other_user(void)
{
    rsethandle_t r = rs_alloc(RS_PARTITION);
    rsid_t init;
    init.at_pid = 1;
    errno = 0;
    int a = ra_attachrset(R_PROCESS, init, r, 0);
    int ea = errno;
    errno = 0;
    int d = ra_detachrset(R_PROCESS, init, 0);
    int ed = errno;
    return a == -1 && ea == EPERM && d == -1 && ed == EPERM ? 0 : 1;
}

static rsethandle_t one_cpu(int cpu)
{
    rsethandle_t r = rs_alloc(RS_EMPTY);
    rs_op(RS_ADDRESOURCE, r, NULL, R_PROCS, (uint_t)cpu);
    return r;
}

static void *other_thread(void *arg)
{
    rsethandle_t r = arg, got = rs_alloc(RS_EMPTY);
    rsid_t me;
    me.at_tid = thread_self();
    /* the process's attachment applies to this thread too */
    EXPECT(ra_getrset(R_THREAD, me, 0, got) == RS_EFFECTIVE_RSET);
    EXPECT(rs_op(RS_ISEQUAL, r, got, 0, 0) == 1 || nprocs_in(got) == nprocs_in(r));
    rs_free(got);
    return NULL;
}

int main(void)
{
    int ncpus = (int)sysconf(_SC_NPROCESSORS_ONLN);
    rsethandle_t part = rs_alloc(RS_PARTITION), got = rs_alloc(RS_EMPTY), cpu0 = one_cpu(0);
    rsid_t me, self_thread;
    me.at_pid = getpid();
    self_thread.at_tid = thread_self();

    /* not attached: the partition (or the default rset) comes back */
    int t = ra_getrset(R_PROCESS, me, 0, got);
    EXPECT(t == RS_PARTITION_RSET || t == RS_DEFAULT_RSET);
    EXPECT(nprocs_in(got) == nprocs_in(part));

    /* process on CPU 0 */
    EXPECT(ra_attachrset(R_PROCESS, me, cpu0, 0) == 0);
    EXPECT(ra_getrset(R_PROCESS, me, 0, got) == RS_EFFECTIVE_RSET);
    EXPECT(nprocs_in(got) == 1 && has_cpu(got, 0));
    pthread_t th;
    pthread_create(&th, NULL, other_thread, cpu0);
    pthread_join(th, NULL);
    /* RS_MYSELF means this process */
    rsid_t myself;
    myself.at_pid = RS_MYSELF;
    EXPECT(ra_getrset(R_PROCESS, myself, 0, got) == RS_EFFECTIVE_RSET);

    if (ncpus > 1) {
        /* a thread rset must lie inside the process's rset */
        rsethandle_t cpu1 = one_cpu(1);
        EXPECT_ERR(ra_attachrset(R_THREAD, self_thread, cpu1, 0), EPERM);
        EXPECT(ra_detachrset(R_PROCESS, me, 0) == 0);
        /* thread on CPU 1: RS_THREAD_RSET for the thread, the process is
         * not attached */
        EXPECT(ra_attachrset(R_THREAD, self_thread, cpu1, 0) == 0);
        EXPECT(ra_getrset(R_THREAD, self_thread, 0, got) == RS_THREAD_RSET);
        EXPECT(nprocs_in(got) == 1 && has_cpu(got, 1));
        t = ra_getrset(R_PROCESS, me, 0, got);
        EXPECT(t == RS_PARTITION_RSET || t == RS_DEFAULT_RSET);
        /* a process rset must contain every thread's rset */
        EXPECT_ERR(ra_attachrset(R_PROCESS, me, cpu0, 0), EPERM);
        /* R_DETACH_ALLTHRDS also takes the threads' rsets away */
        EXPECT(ra_detachrset(R_PROCESS, me, R_DETACH_ALLTHRDS) == 0);
        t = ra_getrset(R_THREAD, self_thread, 0, got);
        EXPECT(t == RS_PARTITION_RSET || t == RS_DEFAULT_RSET);
        EXPECT(ra_attachrset(R_THREAD, self_thread, cpu1, 0) == 0);
        EXPECT(ra_detachrset(R_THREAD, self_thread, 0) == 0);
        rs_free(cpu1);
    } else {
        EXPECT(ra_detachrset(R_PROCESS, me, 0) == 0);
    }
    t = ra_getrset(R_PROCESS, me, 0, got);
    EXPECT(t == RS_PARTITION_RSET || t == RS_DEFAULT_RSET);

    /* documented errors */
    rsethandle_t empty = rs_alloc(RS_EMPTY);
    rsid_t shm;
    shm.at_shmid = 0;
    EXPECT_ERR(ra_attachrset(R_SHM, shm, part, 0), EINVAL);          /* rstype */
    EXPECT_ERR(ra_attachrset(R_PROCESS, me, part, 0x4000), EINVAL);   /* flags */
    EXPECT_ERR(ra_attachrset(R_PROCESS, me, empty, 0), EINVAL);       /* no processor */
    EXPECT_ERR(ra_detachrset(R_RSET, me, 0), EINVAL);
    EXPECT_ERR(ra_detachrset(R_THREAD, self_thread, R_DETACH_ALLTHRDS), EINVAL);
    EXPECT_ERR(ra_getrset(R_PROCESS, me, 1, got), EINVAL);
    EXPECT_ERR(ra_getrset(R_SUBRANGE, me, 0, got), EINVAL);
    rsid_t dead;
    dead.at_pid = dead_pid();
    EXPECT_ERR(ra_attachrset(R_PROCESS, dead, part, 0), ESRCH);
    EXPECT_ERR(ra_detachrset(R_PROCESS, dead, 0), ESRCH);
    EXPECT_ERR(ra_getrset(R_PROCESS, dead, 0, got), ESRCH);
    rsid_t deadt;
    deadt.at_tid = dead.at_pid;
    EXPECT_ERR(ra_attachrset(R_THREAD, deadt, part, 0), ESRCH);
    EXPECT(as_nobody(eperm_other_user) == 0);
    /* a thread bound with bindprocessor stands in the way (EPERM) */
    EXPECT(bindprocessor(BINDTHREAD, (int)thread_self(), 0) == 0);
    EXPECT_ERR(ra_attachrset(R_THREAD, self_thread, part, 0), EPERM);
    EXPECT_ERR(ra_attachrset(R_PROCESS, me, part, 0), EPERM);
    EXPECT(bindprocessor(BINDTHREAD, (int)thread_self(), PROCESSOR_CLASS_ANY) == 0);
    EXPECT(ra_attachrset(R_PROCESS, me, part, 0) == 0);
    EXPECT(ra_detachrset(R_PROCESS, me, 0) == 0);
    rs_free(empty);
    rs_free(part);
    rs_free(got);
    rs_free(cpu0);
    return finish("attachrset");
}
