/* rs_* on the real topology of this machine: rs_alloc/rs_init kinds,
 * rs_getinfo, rs_numrads/rs_getrad at every SDL, the rs_op algebra,
 * rs_getpartition and rs_get_homesrad. Expected values come from Linux
 * itself (sysconf, the cpuset cgroup files, sysfs), never from the library. */
#define _GNU_SOURCE
#include "check.h"
#include "cpuset.h"

#include <sys/rset.h>

static int online_cpus(void)
{
    return (int)sysconf(_SC_NPROCESSORS_ONLN);
}

/* Nodes with memory, from sysfs (the kernel's own list). */
static int nodes_with_memory(void)
{
    char buf[256];
    int n = 0;
    FILE *f = fopen("/sys/devices/system/node/has_memory", "r");
    if (!f || !fgets(buf, sizeof buf, f)) {
        if (f)
            fclose(f);
        return 1;
    }
    fclose(f);
    for (char *p = buf; *p && *p != '\n';) {
        long a = strtol(p, &p, 10), b = a;
        if (*p == '-')
            b = strtol(p + 1, &p, 10);
        n += (int)(b - a + 1);
        if (*p == ',')
            p++;
    }
    return n;
}

/* Number of entries of a sysfs node list ("0-2,4"). */
static int sysfs_list_count(const char *path)
{
    char buf[256];
    int n = 0;
    FILE *f = fopen(path, "r");
    if (!f || !fgets(buf, sizeof buf, f)) {
        if (f)
            fclose(f);
        return -1;
    }
    fclose(f);
    for (char *p = buf; *p && *p != '\n';) {
        long a = strtol(p, &p, 10), b = a;
        if (*p == '-')
            b = strtol(p + 1, &p, 10);
        n += (int)(b - a + 1);
        if (*p == ',')
            p++;
    }
    return n;
}

/* The SRAD the kernel puts `cpu` in: its node's rank among the nodes that
 * have CPUs (sradids are dense, in increasing node number). */
static int srad_of_cpu(int cpu)
{
    char path[128];
    int node = -1;
    for (int n = 0; n < 1024 && node < 0; n++) {
        snprintf(path, sizeof path, "/sys/devices/system/cpu/cpu%d/node%d", cpu, n);
        if (access(path, F_OK) == 0)
            node = n;
    }
    if (node < 0)
        return -1;
    int rank = 0;
    for (int n = 0; n < node; n++) {
        snprintf(path, sizeof path, "/sys/devices/system/node/node%d/cpulist", n);
        FILE *f = fopen(path, "r");
        if (!f)
            continue;
        int c = fgetc(f);
        fclose(f);
        rank += c != '\n' && c != EOF;
    }
    return rank;
}

static int count_cpus(rsethandle_t r)
{
    int n = 0, max = rs_getinfo(NULL, R_MAXPROCS, 0);
    for (int c = 0; c < max; c++)
        n += rs_op(RS_TESTRESOURCE, r, NULL, R_PROCS, (unsigned)c) == 1;
    return n;
}

int main(void)
{
    check_begin();
    int ncpu = online_cpus();
    rsethandle_t all = rs_alloc(RS_ALL), sys = rs_alloc(RS_SYSTEM), part = rs_alloc(RS_PARTITION),
                 empty = rs_alloc(RS_EMPTY), a = rs_alloc(RS_EMPTY), b = rs_alloc(RS_EMPTY);
    CHECK(all && sys && part && empty && a && b);
    if (!(all && sys && part && empty && a && b))
        return check_end();

    /* rs_alloc/rs_init with a bad kind */
    CHECK_ERRNO(rs_alloc(99), 0, EINVAL);
    CHECK_ERRNO(rs_init(a, 99), -1, EINVAL);

    /* counts */
    CHECK_EQ(rs_getinfo(all, R_NUMPROCS, 0), ncpu);
    CHECK_EQ(rs_getinfo(sys, R_NUMPROCS, 0), ncpu);
    CHECK_EQ(rs_getinfo(all, R_NUMMEMPS, 0), nodes_with_memory());
    CHECK_EQ(rs_getinfo(empty, R_NUMPROCS, 0), 0);
    CHECK_EQ(rs_getinfo(empty, R_NUMMEMPS, 0), 0);
    CHECK(rs_getinfo(NULL, R_MAXPROCS, 0) >= ncpu);
    CHECK(rs_getinfo(NULL, R_MAXMEMPS, 0) >= nodes_with_memory());
    CHECK(rs_getinfo(all, R_MEMSIZE, 0) > 0);

    /* the partition is what the cpuset cgroup allows (the whole machine
     * without a cpuset controller), whatever the affinity mask says */
    cpu_set_t aff, cg;
    CHECK_EQ(sched_getaffinity(0, sizeof aff, &aff), 0);
    if (cg_cpus_of(0, &cg) != 0) {
        CPU_ZERO(&cg);
        for (int c = 0; c < ncpu && c < CPU_SETSIZE; c++)
            CPU_SET(c, &cg);
    }
    CHECK_EQ(rs_getinfo(part, R_NUMPROCS, 0), CPU_COUNT(&cg));
    for (int c = 0; c < rs_getinfo(NULL, R_MAXPROCS, 0) && c < CPU_SETSIZE; c++)
        CHECK_EQ(rs_op(RS_TESTRESOURCE, part, NULL, R_PROCS, (unsigned)c), CPU_ISSET(c, &cg) ? 1 : 0);

    /* SDLs: 0 is the whole machine (one RAD), R_MAXSDL has one RAD per CPU */
    int maxsdl = rs_getinfo(NULL, R_MAXSDL, 0);
    CHECK(maxsdl >= 1);
    CHECK_EQ(rs_numrads(all, 0, 0), 1);
    CHECK_EQ(rs_numrads(all, (unsigned)maxsdl, 0), ncpu);
    CHECK_ERRNO(rs_numrads(all, (unsigned)maxsdl + 1, 0), -1, EINVAL);
    int sradsdl = rs_getinfo(NULL, R_SRADSDL, 0);
    CHECK(sradsdl >= 0 && sradsdl <= maxsdl);
    int mcmsdl = rs_getinfo(NULL, R_MCMSDL, 0);
    CHECK(mcmsdl >= 0 && mcmsdl <= maxsdl);

    /* At every SDL the RADs partition the CPUs: each CPU is in exactly one
     * RAD, RADs are non-empty, and the number of RADs grows with depth. */
    int prev = 0;
    for (int sdl = 0; sdl <= maxsdl; sdl++) {
        int n = rs_numrads(all, (unsigned)sdl, 0);
        CHECK(n >= 1);
        CHECK(n >= prev);
        prev = n;
        CHECK_EQ(rs_init(b, RS_EMPTY), 0);
        int total = 0;
        for (int i = 0; i < n; i++) {
            CHECK_EQ(rs_getrad(all, a, (unsigned)sdl, (unsigned)i, 0), 0);
            int k = count_cpus(a);
            CHECK(k >= 1);
            total += k;
            CHECK_EQ(rs_op(RS_UNION, a, b, 0, 0), 0);
        }
        CHECK_EQ(total, ncpu);                 /* disjoint ... */
        CHECK_EQ(count_cpus(b), ncpu);         /* ... and covering */
        CHECK_ERRNO(rs_getrad(all, a, (unsigned)sdl, (unsigned)n, 0), -1, EINVAL);
        if (sdl == maxsdl) {
            /* atomic RADs: exactly one CPU each */
            for (int i = 0; i < n; i++) {
                CHECK_EQ(rs_getrad(all, a, (unsigned)sdl, (unsigned)i, 0), 0);
                CHECK_EQ(rs_getinfo(a, R_NUMPROCS, 0), 1);
            }
        }
    }
    /* rs_getrad indexes only the RADs that meet its input: none for an
     * empty set, and from {cpu0} RAD 0 at the atomic level is {cpu0} */
    CHECK_EQ(rs_numrads(empty, 0, 0), 0);
    CHECK_ERRNO(rs_getrad(empty, a, 0, 0, 0), -1, EINVAL);
    CHECK_EQ(rs_init(b, RS_EMPTY), 0);
    CHECK_EQ(rs_op(RS_ADDRESOURCE, b, NULL, R_PROCS, (unsigned)(ncpu - 1)), 0);
    CHECK_EQ(rs_numrads(b, (unsigned)maxsdl, 0), 1);
    CHECK_EQ(rs_getrad(b, a, (unsigned)maxsdl, 0, 0), 0);
    CHECK_EQ(rs_op(RS_TESTRESOURCE, a, NULL, R_PROCS, (unsigned)(ncpu - 1)), 1);
    CHECK_EQ(rs_getinfo(a, R_NUMPROCS, 0), 1);
    CHECK_EQ(rs_getrad(b, a, 0, 0, 0), 0);       /* the machine RAD ∩ {cpu n-1} */
    CHECK_EQ(rs_getinfo(a, R_NUMPROCS, 0), 1);

    /* the algebra */
    CHECK_EQ(rs_op(RS_ISEMPTY, empty, NULL, 0, 0), 1);
    CHECK_EQ(rs_op(RS_ISEMPTY, all, NULL, 0, 0), 0);
    CHECK_EQ(rs_init(a, RS_EMPTY), 0);
    CHECK_EQ(rs_op(RS_ADDRESOURCE, a, NULL, R_PROCS, 0), 0);
    CHECK_EQ(rs_op(RS_TESTRESOURCE, a, NULL, R_PROCS, 0), 1);
    CHECK_EQ(rs_getinfo(a, R_NUMPROCS, 0), 1);
    /* RS_ISCONTAINED(r1, r2): every resource of r2 is in r1 */
    CHECK_EQ(rs_op(RS_ISCONTAINED, all, a, 0, 0), 1);
    CHECK_EQ(rs_op(RS_ISCONTAINED, a, all, 0, 0), 0);
    CHECK_EQ(rs_op(RS_ISCONTAINED, a, empty, 0, 0), 1);
    CHECK_EQ(rs_op(RS_ISEQUAL, a, all, 0, 0), ncpu == 1 ? 1 : 0);
    CHECK_EQ(rs_op(RS_COPY, all, b, R_ALL_RESOURCES, 0), 0);
    CHECK_EQ(rs_op(RS_ISEQUAL, all, b, 0, 0), 1);
    CHECK_EQ(rs_op(RS_EXCLUSION, a, b, 0, 0), 0);       /* b = all - {cpu0} */
    CHECK_EQ(count_cpus(b), ncpu - 1);
    CHECK_EQ(rs_op(RS_TESTRESOURCE, b, NULL, R_PROCS, 0), 0);
    CHECK_EQ(rs_op(RS_UNION, a, b, 0, 0), 0);           /* b = b + {cpu0} */
    CHECK_EQ(count_cpus(b), ncpu);
    CHECK_EQ(rs_op(RS_INTERSECTION, a, b, 0, 0), 0);    /* b = {cpu0} */
    CHECK_EQ(count_cpus(b), 1);
    CHECK_EQ(rs_op(RS_ISEQUAL, a, b, 0, 0), 1);
    CHECK_EQ(rs_op(RS_DELRESOURCE, a, NULL, R_PROCS, 0), 0);
    CHECK_EQ(rs_op(RS_TESTRESOURCE, a, NULL, R_PROCS, 0), 0);
    CHECK_EQ(rs_op(RS_ISEMPTY, a, NULL, R_PROCS, 0), 1);
    /* memory pools: node 0 exists on every Linux machine */
    CHECK_EQ(rs_op(RS_TESTRESOURCE, all, NULL, R_MEMPS, 0), 1);
    CHECK_EQ(rs_op(RS_ADDRESOURCE, a, NULL, R_MEMPS, 0), 0);
    CHECK_EQ(rs_getinfo(a, R_NUMMEMPS, 0), 1);
    CHECK_EQ(rs_getinfo(a, R_NUMPROCS, 0), 0);
    /* RS_COPY with a type copies only that type */
    CHECK_EQ(rs_op(RS_COPY, all, b, R_PROCS, 0), 0);
    CHECK_EQ(rs_getinfo(b, R_NUMPROCS, 0), ncpu);
    CHECK_EQ(rs_getinfo(b, R_NUMMEMPS, 0), 0);
    CHECK_EQ(rs_op(RS_COPY, all, b, R_MEMPS, 0), 0);
    CHECK_EQ(rs_getinfo(b, R_NUMPROCS, 0), 0);
    CHECK_EQ(rs_getinfo(b, R_NUMMEMPS, 0), nodes_with_memory());

    /* RS_FIRST / RS_NEXT walk the CPUs of `all` one at a time */
    int walked = 0;
    CHECK_EQ(rs_op(RS_FIRST, all, b, R_PROCS, 0), 0);
    while (rs_op(RS_ISEMPTY, b, NULL, 0, 0) == 0 && walked <= ncpu) {
        CHECK_EQ(rs_getinfo(b, R_NUMPROCS, 0), 1);
        walked++;
        CHECK_EQ(rs_op(RS_NEXT, all, b, R_PROCS, 0), 0);
    }
    CHECK_EQ(walked, ncpu);
    /* RS_NEXT_WRAP comes back to the first */
    CHECK_EQ(rs_op(RS_FIRST, all, a, R_PROCS, 0), 0);
    CHECK_EQ(rs_op(RS_COPY, a, b, R_ALL_RESOURCES, 0), 0);
    for (int i = 0; i < ncpu; i++)
        CHECK_EQ(rs_op(RS_NEXT_WRAP, all, b, R_PROCS, 0), 0);
    CHECK_EQ(rs_op(RS_ISEQUAL, a, b, 0, 0), 1);

    /* a bad command */
    CHECK_ERRNO(rs_op(999, all, b, 0, 0), -1, EINVAL);

    /* rs_getpartition: our partition is the allowed set */
    int pt = rs_getpartition(0, b);
    CHECK(pt == RS_PARTITION_RSET || pt == RS_DEFAULT_RSET);
    CHECK_EQ(rs_op(RS_ISEQUAL, part, b, 0, 0), 1);
    CHECK_EQ(count_cpus(b), CPU_COUNT(&cg));
    CHECK_EQ(rs_getpartition(getpid(), b) >= 0, 1);
    CHECK_ERRNO(rs_getpartition(0x3fffffff, b), -1, ESRCH);

    /* rs_get_homesrad: the SRAD of the CPU we run on (pinned there first so
     * the answer cannot change under us) */
    int cpu = sched_getcpu();
    cpu_set_t here;
    CPU_ZERO(&here);
    CPU_SET(cpu, &here);
    CHECK_EQ(sched_setaffinity(0, sizeof here, &here), 0);
    sradid_t home = rs_get_homesrad();
    CHECK_EQ(home, srad_of_cpu(cpu));
    CHECK_EQ(sched_setaffinity(0, sizeof aff, &aff), 0);
    /* one RAD per node with CPUs at the SRAD level */
    CHECK_EQ(rs_numrads(all, (unsigned)sradsdl, 0), sysfs_list_count("/sys/devices/system/node/has_cpu"));

    rs_free(all);
    rs_free(sys);
    rs_free(part);
    rs_free(empty);
    rs_free(a);
    rs_free(b);
    return check_end();
}
