/* Helpers shared by the host tests (one NUMA node, this machine). */
#ifndef RASHM_TEST_HOST_H
#define RASHM_TEST_HOST_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/shm.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

/* Segments whose creator (cpid column of /proc/sysvipc/shm) is `pid`.
 * Counting by creator keeps the per-call leak checks exact while other
 * tests create segments in parallel. */
static inline int segs_created_by(pid_t pid)
{
    char line[512];
    int n = 0;
    FILE *f = fopen("/proc/sysvipc/shm", "r");
    if (!f)
        return -1;
    if (!fgets(line, sizeof line, f)) {
        fclose(f);
        return -1;
    }
    while (fgets(line, sizeof line, f)) {
        long long key, id, perms, size, cpid;
        if (sscanf(line, "%lld %lld %llo %lld %lld", &key, &id, &perms, &size, &cpid) == 5 &&
            cpid == pid)
            n++;
    }
    fclose(f);
    return n;
}

/* Evaluate a call that must fail with `err` and must not leave a segment
 * behind (the AIX face removes what it created before it reports failure). */
#define CHECK_FAILS_CLEAN(call, err)                                          \
    do {                                                                      \
        int before_ = segs_created_by(getpid());                             \
        CHECK_ERRNO(call, -1, err);                                           \
        int after_ = segs_created_by(getpid());                              \
        if (after_ != before_) {                                              \
            fprintf(stderr, "%s:%d: %s left %d segment(s) behind\n",          \
                    __FILE__, __LINE__, #call, after_ - before_);            \
            check_failures++;                                                 \
        }                                                                     \
    } while (0)

/* Removes a segment the test created; failing to is a test failure. */
#define RMID(id)                                                              \
    do {                                                                      \
        if ((id) >= 0 && shmctl((id), IPC_RMID, NULL) != 0) {                 \
            fprintf(stderr, "%s:%d: shmctl(%d, IPC_RMID): %s\n", __FILE__,    \
                    __LINE__, (int)(id), strerror(errno));                    \
            check_failures++;                                                 \
        }                                                                     \
    } while (0)

/* Runs fn(arg) in a forked child and returns its exit status (or 128+sig).
 * The child's own CHECK failures become its exit status. */
static inline int in_child(int (*fn)(void *), void *arg)
{
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0)
        _exit(fn(arg));
    int st;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
        ;
    if (WIFEXITED(st))
        return WEXITSTATUS(st);
    return 128 + WTERMSIG(st);
}

/* A key that no other running test uses: the pid (< 2^22) and a salt
 * (< 64) under a fixed prefix. */
static inline key_t test_key(int salt)
{
    return (key_t)(0x40000000 | ((unsigned)getpid() & 0x3fffff) << 6 | (unsigned)(salt & 63));
}

static inline long page_size(void)
{
    return sysconf(_SC_PAGESIZE);
}

#define HUGE_2M (2UL << 20)

/* rsid_t values for the three kinds of resource the tests name. */
#include <sys/rset.h>

static inline rsid_t rset_id(rsethandle_t r)
{
    rsid_t id;
    memset(&id, 0, sizeof id);
    id.at_rset = r;
    return id;
}

static inline rsid_t srad_id(sradid_t s)
{
    rsid_t id;
    memset(&id, 0, sizeof id);
    id.at_sradid = s;
    return id;
}

static inline rsid_t shm_id(int shmid)
{
    rsid_t id;
    memset(&id, 0, sizeof id);
    id.at_shmid = shmid;
    return id;
}

#endif
