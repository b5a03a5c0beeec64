/* Minimal test support shared by every rashm test program.
 *
 * A test is a plain program: it runs its checks, prints one line per failed
 * check (file:line, the expression and both values where there are values),
 * and exits 0 on success, 1 on failure, 77 when the machine cannot run it
 * (CTest treats 77 as "skipped": see SKIP_RETURN_CODE in tests/CMakeLists.txt).
 *
 * It also owns the leak check every test ends with: the System V segments
 * present when the test started are compared with those present at the end.
 */
#ifndef RASHM_TEST_CHECK_H
#define RASHM_TEST_CHECK_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define TEST_SKIP 77

static int check_failures;

#define CHECK(cond)                                                          \
    do {                                                                     \
        if (!(cond)) {                                                       \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, \
                    #cond);                                                  \
            check_failures++;                                                \
        }                                                                    \
    } while (0)

#define CHECK_EQ(a, b)                                                        \
    do {                                                                      \
        long long check_a_ = (long long)(a), check_b_ = (long long)(b);       \
        if (check_a_ != check_b_) {                                           \
            fprintf(stderr, "%s:%d: CHECK_EQ failed: %s == %s (%lld != %lld)\n", \
                    __FILE__, __LINE__, #a, #b, check_a_, check_b_);          \
            check_failures++;                                                 \
        }                                                                     \
    } while (0)

/* Evaluate `call`, which must fail (return `failval`) with errno `err`. */
#define CHECK_ERRNO(call, failval, err)                                       \
    do {                                                                      \
        errno = 0;                                                            \
        long long check_r_ = (long long)(call);                               \
        int check_e_ = errno;                                                 \
        if (check_r_ != (long long)(failval) || check_e_ != (err)) {          \
            fprintf(stderr,                                                   \
                    "%s:%d: %s: expected %lld/%s, got %lld/%s\n",            \
                    __FILE__, __LINE__, #call, (long long)(failval),          \
                    strerrorname_np(err) ? strerrorname_np(err) : "?",        \
                    check_r_,                                                 \
                    strerrorname_np(check_e_) ? strerrorname_np(check_e_) : "0"); \
            check_failures++;                                                 \
        }                                                                     \
    } while (0)

/* ---- System V segment leak check ------------------------------------- */

#define CHECK_MAX_SHM 4096

struct shm_snapshot {
    int count;
    int ids[CHECK_MAX_SHM];
    int cpids[CHECK_MAX_SHM];
};

/* Is pid this process or a live descendant of it? Tests run in parallel
 * (ctest -j): a segment created meanwhile by another test is not our leak.
 * (A dead child's leftovers are caught by rashm-testns, which checks the
 * test's own IPC namespace after it exits.) */
static inline int check_is_ours(int pid)
{
    for (int depth = 0; depth < 64 && pid > 1; depth++) {
        char path[64], buf[512];
        if (pid == (int)getpid())
            return 1;
        snprintf(path, sizeof path, "/proc/%d/stat", pid);
        FILE *f = fopen(path, "r");
        if (!f)
            return 0;
        char *rp = fgets(buf, sizeof buf, f) ? strrchr(buf, ')') : NULL;
        fclose(f);
        char st;
        int ppid;
        if (!rp || sscanf(rp + 2, "%c %d", &st, &ppid) != 2)
            return 0;
        pid = ppid;
    }
    return 0;
}

/* Reads the shmid and cpid columns of /proc/sysvipc/shm. */
static inline void shm_snapshot_take(struct shm_snapshot *s)
{
    char line[512];
    FILE *f = fopen("/proc/sysvipc/shm", "r");
    s->count = 0;
    if (!f)
        return;
    if (!fgets(line, sizeof line, f)) { /* header */
        fclose(f);
        return;
    }
    while (fgets(line, sizeof line, f) && s->count < CHECK_MAX_SHM) {
        int key, id, perms, cpid;
        unsigned long size;
        if (sscanf(line, "%d %d %o %lu %d", &key, &id, &perms, &size, &cpid) == 5) {
            s->cpids[s->count] = cpid;
            s->ids[s->count++] = id;
        }
    }
    fclose(f);
}

/* Counts (and prints) segments present now that were not in `before`. */
static inline int shm_snapshot_leaks(const struct shm_snapshot *before)
{
    struct shm_snapshot now;
    int leaks = 0;
    shm_snapshot_take(&now);
    for (int i = 0; i < now.count; i++) {
        int seen = 0;
        for (int j = 0; j < before->count && !seen; j++)
            seen = before->ids[j] == now.ids[i];
        if (!seen && check_is_ours(now.cpids[i])) {
            fprintf(stderr, "leak: System V segment shmid %d is left behind\n",
                    now.ids[i]);
            leaks++;
        }
    }
    return leaks;
}

static struct shm_snapshot check_shm_at_start;

/* Call first in main(). */
static inline void check_begin(void)
{
    shm_snapshot_take(&check_shm_at_start);
}

/* Call last in main(): return check_end(); */
static inline int check_end(void)
{
    check_failures += shm_snapshot_leaks(&check_shm_at_start);
    if (check_failures)
        fprintf(stderr, "%d check(s) failed\n", check_failures);
    return check_failures ? 1 : 0;
}

#endif
