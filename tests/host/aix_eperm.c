/* EPERM: an attachment to resources outside the calling process's partition.
 * The partition is what the process's cpuset cgroup allows (sys/rset.h):
 * its CPUs and memory nodes. The affinity mask does not narrow it (AIX:
 * bindprocessor keeps the partition; host.aix.pinned checks that side), so
 * the test narrows a child for real: a child cpuset cgroup holding one CPU
 * (IN) and the parent's mems, made at the top of the cpuset hierarchy (v1 or
 * v2), a forked child moved into it by the parent. The child asks for
 * another CPU (OUT). Also checked: rs_getpartition of the child, from the
 * child and from the parent; EPERM's place in the order of checks (after
 * EINVAL, ENODEV; before shmget's errors); that a set inside the partition
 * works; with several nodes (the numa.host_eperm guest runs, cgroup v1 and
 * v2), that an SRAD without a CPU of the cpuset is EPERM; that the cgroup is gone afterwards. Skips (77) only where no
 * cpuset cgroup can be made (not root, no cpuset controller). */
#define _GNU_SOURCE
#include "check.h"
#include "host.h"
#include "cpuset.h"

#include <sys/rset.h>

#define SEG (8 * 4096L)

static int in_cpu, out_cpu;   /* the child cpuset's CPU; another one */
static key_t key;

/* Runs in a process whose partition holds IN only. */
static int restricted(void *arg)
{
    (void)arg;   /* the key is the global one */
    rsethandle_t cpu1 = rs_alloc(RS_EMPTY), cpu0 = rs_alloc(RS_EMPTY), all = rs_alloc(RS_ALL),
                 part = rs_alloc(RS_PARTITION);
    CHECK(cpu1 && cpu0 && all && part);
    CHECK_EQ(rs_op(RS_ADDRESOURCE, cpu1, NULL, R_PROCS, (unsigned)out_cpu), 0);
    CHECK_EQ(rs_op(RS_ADDRESOURCE, cpu0, NULL, R_PROCS, (unsigned)in_cpu), 0);
    /* the library sees the narrowed partition */
    CHECK_EQ(rs_getinfo(part, R_NUMPROCS, 0), 1);
    CHECK_EQ(rs_op(RS_TESTRESOURCE, part, NULL, R_PROCS, (unsigned)in_cpu), 1);
    CHECK_EQ(rs_op(RS_TESTRESOURCE, part, NULL, R_PROCS, (unsigned)out_cpu), 0);
    rsethandle_t got = rs_alloc(RS_EMPTY);
    CHECK_EQ(rs_getpartition(0, got), RS_PARTITION_RSET);   /* narrower than the system */
    CHECK_EQ(rs_op(RS_ISEQUAL, got, part, 0, 0), 1);
    CHECK_EQ(rs_getpartition(getpid(), got), RS_PARTITION_RSET);
    CHECK_EQ(rs_op(RS_ISEQUAL, got, part, 0, 0), 1);
    CHECK_EQ(rs_getpartition(RS_MYSELF, got), RS_PARTITION_RSET);
    CHECK_EQ(rs_op(RS_ISEQUAL, got, part, 0, 0), 1);
    /* the nodes are the cpuset's mems, copied from the top: all of them */
    CHECK_EQ(rs_getinfo(got, R_NUMMEMPS, 0), rs_getinfo(all, R_NUMMEMPS, 0));
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

    /* inside: the partition itself, and IN */
    id = ra_shmget(IPC_PRIVATE, SEG, IPC_CREAT | 0600, R_RSET, rset_id(part), P_BALANCED);
    CHECK(id >= 0);
    RMID(id);
    id = ra_shmget(IPC_PRIVATE, SEG, IPC_CREAT | 0600, R_RSET, rset_id(cpu0), P_FIRST_TOUCH);
    CHECK(id >= 0);
    RMID(id);
    /* the SRAD of IN: its node is in the cpuset's mems, one of its CPUs in
     * the cpuset */
    sradid_t home = -1;
    int sradsdl = rs_getinfo(NULL, R_SRADSDL, 0), nsrad = rs_numrads(all, (unsigned)sradsdl, 0);
    rsethandle_t rad = rs_alloc(RS_EMPTY);
    for (int s = 0; s < nsrad; s++)
        if (rs_getrad(all, rad, (unsigned)sradsdl, (unsigned)s, 0) == 0 &&
            rs_op(RS_TESTRESOURCE, rad, NULL, R_PROCS, (unsigned)in_cpu) == 1)
            home = s;
    CHECK(home >= 0);
    id = ra_shmget(IPC_PRIVATE, SEG, IPC_CREAT | 0600, R_SRADID, srad_id(home), P_BALANCED);
    CHECK(id >= 0);
    RMID(id);
    /* an SRAD none of whose CPUs is in the cpuset (several nodes only): its
     * node is in the mems, but that is not enough */
    for (int s = 0; s < nsrad; s++)
        if (s != home && rs_getrad(all, rad, (unsigned)sradsdl, (unsigned)s, 0) == 0 &&
            rs_op(RS_TESTRESOURCE, rad, NULL, R_PROCS, (unsigned)in_cpu) == 0)
            CHECK_FAILS_CLEAN(ra_shmget(IPC_PRIVATE, SEG, IPC_CREAT | 0600, R_SRADID, srad_id(s), P_FIRST_TOUCH),
                              EPERM);
    rs_free(rad);

    rs_free(cpu1);
    rs_free(cpu0);
    rs_free(all);
    rs_free(part);
    return check_failures ? 1 : 0;
}

/* The child: waits until the parent has moved it into the cpuset. */
static int child(void *arg)
{
    int *fds = arg;
    char c;
    close(fds[1]);
    if (read(fds[0], &c, 1) != 1 || c != 'g') {
        fprintf(stderr, "child: the parent could not move it into the cpuset\n");
        return 3;
    }
    /* joining the cpuset narrows the affinity mask too (the kernel clamps
     * it to the cpuset's CPUs) */
    cpu_set_t mask;
    CPU_ZERO(&mask);
    CHECK_EQ(sched_getaffinity(0, sizeof mask, &mask), 0);
    CHECK_EQ(CPU_COUNT(&mask), 1);
    CHECK(CPU_ISSET(in_cpu, &mask));
    return restricted(&key);
}

int main(void)
{
    check_begin();
    /* the CPUs this process's cpuset allows: IN and OUT among them */
    cpu_set_t mine;
    if (cg_cpus_of(0, &mine) != 0) {
        fprintf(stderr, "SKIP: no cpuset cgroup controller here (v1 or v2); EPERM needs one to narrow "
                        "the partition\n");
        return TEST_SKIP;
    }
    if (CPU_COUNT(&mine) < 2) {
        fprintf(stderr, "SKIP: the cpuset holds one CPU; EPERM needs two to narrow the partition\n");
        return TEST_SKIP;
    }
    in_cpu = -1;
    for (int c = 0; c < CPU_SETSIZE; c++)
        if (CPU_ISSET(c, &mine)) {
            if (in_cpu < 0)
                in_cpu = c;
            out_cpu = c;
        }

    /* the topology is loaded (and cached) before the fork: the child must
     * still see the cpuset it is moved into afterwards */
    rsethandle_t before = rs_alloc(RS_PARTITION);
    CHECK(before);
    CHECK_EQ(rs_getinfo(before, R_NUMPROCS, 0), CPU_COUNT(&mine));
    rs_free(before);

    struct cg_child cg;
    if (cg_make_one_cpu(&cg, in_cpu) != 0) {
        fprintf(stderr, "SKIP: cannot make a cpuset cgroup (see above); EPERM needs one\n");
        return TEST_SKIP;
    }
    int fds[2];
    CHECK_EQ(pipe(fds), 0);
    key = test_key(9);
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    if (pid == 0)
        _exit(child(fds));
    close(fds[0]);
    CHECK(pid > 0);
    if (pid > 0) {
        if (cg_enter(&cg, pid) == 0) {
            /* the parent's view of the child: /proc/PID/cpuset and the
             * cgroup files; the parent itself is not narrowed */
            rsethandle_t got = rs_alloc(RS_EMPTY), me = rs_alloc(RS_PARTITION);
            CHECK_EQ(rs_getpartition(pid, got), RS_PARTITION_RSET);
            CHECK_EQ(rs_getinfo(got, R_NUMPROCS, 0), 1);
            CHECK_EQ(rs_op(RS_TESTRESOURCE, got, NULL, R_PROCS, (unsigned)in_cpu), 1);
            CHECK_EQ(rs_getinfo(got, R_NUMMEMPS, 0), rs_getinfo(me, R_NUMMEMPS, 0));
            CHECK_EQ(rs_getinfo(me, R_NUMPROCS, 0), CPU_COUNT(&mine));
            rs_free(got);
            rs_free(me);
            CHECK_EQ(write(fds[1], "g", 1), 1);
        } else {
            fprintf(stderr, "moving the child into %s: %s\n", cg.dir, strerror(errno));
            check_failures++;
        }
        close(fds[1]);   /* the child reads EOF when it was not moved */
        int st;
        while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
            ;
        CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    }
    char dir[sizeof cg.dir];
    snprintf(dir, sizeof dir, "%s", cg.dir);
    if (cg_remove(&cg) != 0)
        check_failures++;
    struct stat sb;
    CHECK(stat(dir, &sb) != 0 && errno == ENOENT);

    /* unrestricted, the same sets are fine */
    rsethandle_t cpu1 = rs_alloc(RS_EMPTY);
    CHECK_EQ(rs_op(RS_ADDRESOURCE, cpu1, NULL, R_PROCS, (unsigned)out_cpu), 0);
    int id = ra_shmget(IPC_PRIVATE, SEG, IPC_CREAT | 0600, R_RSET, rset_id(cpu1), P_BALANCED);
    CHECK(id >= 0);
    RMID(id);
    rs_free(cpu1);
    return check_end();
}
