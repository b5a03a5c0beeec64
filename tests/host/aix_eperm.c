/* EPERM: an attachment to resources outside the calling process's partition.
 * The partition is what the process may use (sys/rset.h): the CPUs of its
 * cpuset cgroup and its affinity mask, the nodes of its mems_allowed. A child
 * is narrowed to CPU 0 two ways, and asks for CPU 1:
 *   1. sched_setaffinity (always possible);
 *   2. a cgroup v1/v2 cpuset holding only CPU 0 (when one can be made here).
 * Also checked: EPERM's place in the order of checks (after EINVAL, ENODEV;
 * before shmget's errors), and that a set inside the partition works. */
#define _GNU_SOURCE
#include "check.h"
#include "host.h"

#include <fcntl.h>
#include <sys/rset.h>
#include <sys/stat.h>

#define SEG (8 * 4096L)

static int top_cpu;   /* a CPU other than 0 */

static rsid_t rset_id(rsethandle_t r)
{
    rsid_t id;
    memset(&id, 0, sizeof id);
    id.at_rset = r;
    return id;
}

static rsid_t srad_id(sradid_t s)
{
    rsid_t id;
    memset(&id, 0, sizeof id);
    id.at_sradid = s;
    return id;
}

/* Runs in a process whose partition holds CPU 0 only. */
static int restricted(void *arg)
{
    key_t key = *(key_t *)arg;
    rsethandle_t cpu1 = rs_alloc(RS_EMPTY), cpu0 = rs_alloc(RS_EMPTY), all = rs_alloc(RS_ALL),
                 part = rs_alloc(RS_PARTITION);
    CHECK(cpu1 && cpu0 && all && part);
    CHECK_EQ(rs_op(RS_ADDRESOURCE, cpu1, NULL, R_PROCS, (unsigned)top_cpu), 0);
    CHECK_EQ(rs_op(RS_ADDRESOURCE, cpu0, NULL, R_PROCS, 0), 0);
    /* the library sees the narrowed partition */
    CHECK_EQ(rs_getinfo(part, R_NUMPROCS, 0), 1);
    CHECK_EQ(rs_op(RS_TESTRESOURCE, part, NULL, R_PROCS, 0), 1);
    rsethandle_t got = rs_alloc(RS_EMPTY);
    CHECK_EQ(rs_getpartition(0, got), RS_PARTITION_RSET);   /* narrower than the system */
    CHECK_EQ(rs_op(RS_ISEQUAL, got, part, 0, 0), 1);
    rs_free(got);

    /* outside: a CPU the process may not use, alone or with allowed ones */
    for (unsigned pol = P_DEFAULT; pol <= P_BALANCED; pol++) {
        CHECK_FAILS_CLEAN(ra_shmget(IPC_PRIVATE, SEG, IPC_CREAT | 0600, R_RSET, rset_id(cpu1), pol), EPERM);
        CHECK_FAILS_CLEAN(ra_shmget(IPC_PRIVATE, SEG, IPC_CREAT | 0600, R_RSET, rset_id(all), pol), EPERM);
    }
    subrange_t v[2];
    memset(v, 0, sizeof v);
    v[0].su_length = SEG / 2;
    v[0].su_rstype = R_RSET;
    v[0].su_rsid.at_rset = cpu0;
    v[0].su_policy = P_BALANCED;
    v[1].su_offset = SEG / 2;
    v[1].su_rstype = R_RSET;
    v[1].su_rsid.at_rset = cpu1;
    v[1].su_policy = P_FIRST_TOUCH;
    CHECK_FAILS_CLEAN(ra_shmgetv(IPC_PRIVATE, SEG, IPC_CREAT | 0600, 2, v), EPERM);
    CHECK_FAILS_CLEAN(ra_shmgetv(IPC_PRIVATE, SEG, IPC_CREAT | SHM_PIN | 0600, 2, v), EPERM);

    /* order: EINVAL and ENODEV come first; EPERM before shmget's errors */
    CHECK_FAILS_CLEAN(ra_shmget(IPC_PRIVATE, SEG, IPC_CREAT | 0600, R_RSET, rset_id(cpu1), 9), EINVAL);
    v[0].su_rstype = R_SRADID;
    v[0].su_rsid.at_sradid = 1000;
    CHECK_FAILS_CLEAN(ra_shmgetv(IPC_PRIVATE, SEG, IPC_CREAT | 0600, 2, v), ENODEV);
    v[0].su_rstype = R_RSET;
    v[0].su_rsid.at_rset = cpu0;
    CHECK_FAILS_CLEAN(ra_shmget(key, SEG, 0600, R_RSET, rset_id(cpu1), P_DEFAULT), EPERM);   /* not ENOENT */
    int id = shmget(key, SEG, IPC_CREAT | IPC_EXCL | 0600);
    CHECK(id >= 0);
    CHECK_FAILS_CLEAN(ra_shmget(key, SEG, IPC_CREAT | IPC_EXCL | 0600, R_RSET, rset_id(cpu1), P_DEFAULT), EPERM);
    RMID(id);

    /* inside: the partition itself, and CPU 0 */
    id = ra_shmget(IPC_PRIVATE, SEG, IPC_CREAT | 0600, R_RSET, rset_id(part), P_BALANCED);
    CHECK(id >= 0);
    RMID(id);
    id = ra_shmget(IPC_PRIVATE, SEG, IPC_CREAT | 0600, R_RSET, rset_id(cpu0), P_FIRST_TOUCH);
    CHECK(id >= 0);
    RMID(id);
    /* SRAD 0 holds node 0, which the process may use (mems_allowed) */
    id = ra_shmget(IPC_PRIVATE, SEG, IPC_CREAT | 0600, R_SRADID, srad_id(0), P_BALANCED);
    CHECK(id >= 0);
    RMID(id);

    rs_free(cpu1);
    rs_free(cpu0);
    rs_free(all);
    rs_free(part);
    return check_failures ? 1 : 0;
}

static int by_affinity(void *arg)
{
    cpu_set_t one;
    CPU_ZERO(&one);
    CPU_SET(0, &one);
    if (sched_setaffinity(0, sizeof one, &one) != 0) {
        perror("sched_setaffinity");
        return 2;
    }
    return restricted(arg);
}

/* ---- cgroup cpuset --------------------------------------------------- */

static int write_file(const char *path, const char *s)
{
    int fd = open(path, O_WRONLY);
    if (fd < 0)
        return -1;
    ssize_t n = write(fd, s, strlen(s));
    int e = errno;
    close(fd);
    errno = e;
    return n == (ssize_t)strlen(s) ? 0 : -1;
}

static char cg_dir[256];
static int cg_v2;

/* Makes a cpuset cgroup with CPU 0 and node 0; 0 when it exists. */
static int make_cpuset(void)
{
    struct stat st;
    if (stat("/sys/fs/cgroup/cpuset/cpuset.cpus", &st) == 0) {
        snprintf(cg_dir, sizeof cg_dir, "/sys/fs/cgroup/cpuset/rashm-test-%d", getpid());
        cg_v2 = 0;
    } else if (stat("/sys/fs/cgroup/cgroup.controllers", &st) == 0) {
        snprintf(cg_dir, sizeof cg_dir, "/sys/fs/cgroup/rashm-test-%d", getpid());
        cg_v2 = 1;
        write_file("/sys/fs/cgroup/cgroup.subtree_control", "+cpuset");
    } else {
        return -1;
    }
    if (mkdir(cg_dir, 0755) != 0)
        return -1;
    char p[300];
    snprintf(p, sizeof p, "%s/cpuset.cpus", cg_dir);
    if (write_file(p, "0") != 0)
        goto fail;
    snprintf(p, sizeof p, "%s/cpuset.mems", cg_dir);
    if (write_file(p, "0") != 0)
        goto fail;
    return 0;
fail:
    rmdir(cg_dir);
    return -1;
}

static int by_cgroup(void *arg)
{
    char p[300], pid[32];
    snprintf(p, sizeof p, "%s/%s", cg_dir, cg_v2 ? "cgroup.procs" : "tasks");
    snprintf(pid, sizeof pid, "%d\n", getpid());
    if (write_file(p, pid) != 0) {
        perror("joining the cpuset");
        return 2;
    }
    /* joining the cpuset narrows the affinity mask too (the kernel clamps
     * it to the cpuset's CPUs) */
    cpu_set_t mask;
    CPU_ZERO(&mask);
    CHECK_EQ(sched_getaffinity(0, sizeof mask, &mask), 0);
    CHECK_EQ(CPU_COUNT(&mask), 1);
    return restricted(arg);
}

int main(void)
{
    check_begin();
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    cpu_set_t mine;
    CHECK_EQ(sched_getaffinity(0, sizeof mine, &mine), 0);
    if (ncpu < 2 || CPU_COUNT(&mine) < 2 || !CPU_ISSET(0, &mine)) {
        fprintf(stderr, "needs CPU 0 and another CPU to narrow the partition\n");
        return TEST_SKIP;
    }
    for (int c = 1; c < CPU_SETSIZE; c++)
        if (CPU_ISSET(c, &mine))
            top_cpu = c;

    key_t key = test_key(9);
    CHECK_EQ(in_child(by_affinity, &key), 0);

    if (geteuid() == 0 && make_cpuset() == 0) {
        CHECK_EQ(in_child(by_cgroup, &key), 0);
        if (rmdir(cg_dir) != 0) {
            perror("removing the test cpuset");
            check_failures++;
        }
    } else {
        fprintf(stderr, "note: no writable cpuset cgroup here; only the affinity-mask case ran\n");
    }

    /* unrestricted, the same sets are fine */
    rsethandle_t cpu1 = rs_alloc(RS_EMPTY);
    CHECK_EQ(rs_op(RS_ADDRESOURCE, cpu1, NULL, R_PROCS, (unsigned)top_cpu), 0);
    int id = ra_shmget(IPC_PRIVATE, SEG, IPC_CREAT | 0600, R_RSET, rset_id(cpu1), P_BALANCED);
    CHECK(id >= 0);
    RMID(id);
    rs_free(cpu1);
    return check_end();
}
