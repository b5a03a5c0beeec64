/* Pinning does not narrow the partition. On AIX bindprocessor() leaves the
 * partition rset alone; in rashm the partition is the cpuset cgroup, and
 * sched_setaffinity (taskset, MPI/OpenMP binding) is bindprocessor. So:
 *   - a thread pinned to one CPU (IN) still has every CPU of its cpuset in
 *     rs_alloc(RS_PARTITION) and rs_getpartition(0 / getpid());
 *   - it can ra_shmget an R_SRADID attachment on every SRAD, an R_RSET
 *     attachment to a CPU it is not pinned to (OUT), and a balanced segment
 *     over RS_PARTITION whose pages land on every SRAD's node;
 *   - hwloc's allowed cpuset (a fresh topology, loaded while pinned) is the
 *     same set: hwloc reads the cpuset cgroup, not the affinity mask;
 *   - a whole process pinned like taskset does: the same from inside, and
 *     rs_getpartition(child pid) from the parent is the full cpuset while
 *     the child's Cpus_allowed_list holds one CPU.
 * Expected sets come from the cgroup files and sysfs (cpuset.h), never from
 * the library. */
#define _GNU_SOURCE
#include "check.h"
#include "host.h"
#include "cpuset.h"

#include <hwloc.h>
#include <numaif.h>
#include <pthread.h>
#include <sys/rset.h>

static cpu_set_t want;        /* the cpuset's CPUs */
static int in_cpu, out_cpu;   /* pinned here; another CPU of the cpuset */
static long pgsz;

/* Nodes with CPUs, increasing: SRAD s is the s-th of them. */
static int srad_nodes(int *nodes, int max)
{
    char buf[4096];
    cpu_set_t s;   /* a node list parses like a CPU list */
    if (cg_read("/sys/devices/system/node/has_cpu", buf, sizeof buf) != 0 || cg_parse_list(buf, &s) != 0) {
        nodes[0] = 0;   /* no NUMA in sysfs: one node */
        return 1;
    }
    int n = 0;
    for (int i = 0; i < CPU_SETSIZE && n < max; i++)
        if (CPU_ISSET(i, &s))
            nodes[n++] = i;
    return n;
}

static void expect_full(rsethandle_t r, const char *what)
{
    int before = check_failures;
    CHECK_EQ(rs_getinfo(r, R_NUMPROCS, 0), CPU_COUNT(&want));
    for (int c = 0; c < CPU_SETSIZE && c < rs_getinfo(NULL, R_MAXPROCS, 0); c++)
        CHECK_EQ(rs_op(RS_TESTRESOURCE, r, NULL, R_PROCS, (unsigned)c), CPU_ISSET(c, &want) ? 1 : 0);
    if (check_failures != before)
        fprintf(stderr, "  (%s)\n", what);
}

/* Touches the segment and returns the mask of nodes its pages are on. */
static unsigned long nodes_of_pages(int id, size_t size)
{
    char *p = shmat(id, NULL, 0);
    CHECK(p != (char *)-1);
    if (p == (char *)-1)
        return 0;
    memset(p, 1, size);
    size_t n = size / (size_t)pgsz;
    void **pages = calloc(n, sizeof *pages);
    int *status = calloc(n, sizeof *status);
    unsigned long mask = 0;
    for (size_t i = 0; i < n; i++)
        pages[i] = p + i * pgsz;
    CHECK_EQ(move_pages(0, n, pages, NULL, status, 0), 0);
    for (size_t i = 0; i < n; i++)
        if (status[i] >= 0 && status[i] < 64)
            mask |= 1UL << status[i];
        else
            CHECK(!"page not resident");
    free(pages);
    free(status);
    CHECK_EQ(shmdt(p), 0);
    return mask;
}

/* The checks, run pinned to IN. */
static void pinned_checks(const char *who)
{
    cpu_set_t aff;
    CHECK_EQ(sched_getaffinity(0, sizeof aff, &aff), 0);
    CHECK_EQ(CPU_COUNT(&aff), 1);

    rsethandle_t part = rs_alloc(RS_PARTITION), got = rs_alloc(RS_EMPTY), out = rs_alloc(RS_EMPTY),
                 all = rs_alloc(RS_ALL);
    CHECK(part && got && out && all);
    expect_full(part, who);
    CHECK(rs_getpartition(0, got) >= 0);
    CHECK_EQ(rs_op(RS_ISEQUAL, got, part, 0, 0), 1);
    CHECK(rs_getpartition(getpid(), got) >= 0);
    CHECK_EQ(rs_op(RS_ISEQUAL, got, part, 0, 0), 1);

    /* hwloc agrees: its allowed cpuset is the cgroup's, pinned or not */
    hwloc_topology_t topo;
    CHECK_EQ(hwloc_topology_init(&topo), 0);
    hwloc_topology_set_flags(topo, HWLOC_TOPOLOGY_FLAG_INCLUDE_DISALLOWED);
    CHECK_EQ(hwloc_topology_load(topo), 0);
    hwloc_const_cpuset_t hw = hwloc_topology_get_allowed_cpuset(topo);
    for (int c = 0; c < CPU_SETSIZE; c++)
        CHECK_EQ(hwloc_bitmap_isset(hw, (unsigned)c), CPU_ISSET(c, &want) ? 1 : 0);
    hwloc_topology_destroy(topo);

    /* a CPU it is not pinned to */
    CHECK_EQ(rs_op(RS_ADDRESOURCE, out, NULL, R_PROCS, (unsigned)out_cpu), 0);
    for (unsigned pol = P_DEFAULT; pol <= P_BALANCED; pol++) {
        int id = ra_shmget(IPC_PRIVATE, 8 * pgsz, IPC_CREAT | 0600, R_RSET, rset_id(out), pol);
        CHECK(id >= 0);
        RMID(id);
    }

    /* every SRAD, by R_SRADID: the pages land on its node */
    int nodes[64], ns = srad_nodes(nodes, 64);
    CHECK_EQ(rs_numrads(all, (unsigned)rs_getinfo(NULL, R_SRADSDL, 0), 0), ns);
    unsigned long every = 0;
    for (int s = 0; s < ns; s++) {
        every |= 1UL << nodes[s];
        for (unsigned pol = P_FIRST_TOUCH; pol <= P_BALANCED; pol++) {
            int id = ra_shmget(IPC_PRIVATE, 8 * pgsz, IPC_CREAT | 0600, R_SRADID, srad_id(s), pol);
            CHECK(id >= 0);
            if (id >= 0)
                CHECK_EQ(nodes_of_pages(id, 8 * pgsz), 1UL << nodes[s]);
            RMID(id);
        }
    }
    /* balanced over the partition: every SRAD's node gets pages */
    size_t size = (size_t)(16 * ns) * (size_t)pgsz;
    int id = ra_shmget(IPC_PRIVATE, size, IPC_CREAT | 0600, R_RSET, rset_id(part), P_BALANCED);
    CHECK(id >= 0);
    if (id >= 0)
        CHECK_EQ(nodes_of_pages(id, size), every);
    RMID(id);

    rs_free(part);
    rs_free(got);
    rs_free(out);
    rs_free(all);
}

static int pin(void)
{
    cpu_set_t one;
    CPU_ZERO(&one);
    CPU_SET(in_cpu, &one);
    /* pid 0: the calling thread only */
    return sched_setaffinity(0, sizeof one, &one);
}

static void *thread_main(void *arg)
{
    (void)arg;
    CHECK_EQ(pin(), 0);
    pinned_checks("a pinned thread");
    return NULL;
}

/* A process pinned as taskset would: waits for the parent's look first. */
static int pinned_process(void *arg)
{
    int *fds = arg;
    char c;
    close(fds[0]);
    close(fds[3]);
    if (pin() != 0) {
        perror("sched_setaffinity");
        return 2;
    }
    if (write(fds[1], "p", 1) != 1 || read(fds[2], &c, 1) != 1)
        return 3;
    pinned_checks("a pinned process");
    return check_failures ? 1 : 0;
}

int main(void)
{
    check_begin();
    pgsz = sysconf(_SC_PAGESIZE);
    if (cg_cpus_of(0, &want) != 0) {
        /* no cpuset controller: the partition is the whole machine */
        CPU_ZERO(&want);
        for (long c = 0; c < sysconf(_SC_NPROCESSORS_CONF) && c < CPU_SETSIZE; c++)
            CPU_SET((int)c, &want);
    }
    if (CPU_COUNT(&want) < 2) {
        fprintf(stderr, "SKIP: one CPU in this cpuset; pinning cannot show anything\n");
        return TEST_SKIP;
    }
    in_cpu = -1;
    for (int c = 0; c < CPU_SETSIZE; c++)
        if (CPU_ISSET(c, &want)) {
            if (in_cpu < 0)
                in_cpu = c;
            out_cpu = c;
        }

    /* a thread; the process's other threads keep their affinity */
    pthread_t th;
    CHECK_EQ(pthread_create(&th, NULL, thread_main, NULL), 0);
    CHECK_EQ(pthread_join(th, NULL), 0);

    /* a process; the parent looks at it while it is pinned */
    int a[2], b[2];
    CHECK_EQ(pipe(a), 0);
    CHECK_EQ(pipe(b), 0);
    int fds[4] = {a[0], a[1], b[0], b[1]};
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    if (pid == 0)
        _exit(pinned_process(fds));
    CHECK(pid > 0);
    close(a[1]);
    close(b[0]);
    char c;
    if (pid > 0 && read(a[0], &c, 1) == 1) {
        char path[64], line[512];
        snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
        FILE *f = fopen(path, "r");
        int seen = 0;
        while (f && fgets(line, sizeof line, f))
            if (!strncmp(line, "Cpus_allowed_list:", 18)) {
                cpu_set_t s;
                CHECK_EQ(cg_parse_list(line + 18, &s), 0);
                CHECK_EQ(CPU_COUNT(&s), 1);   /* the affinity mask is one CPU ... */
                seen = 1;
            }
        if (f)
            fclose(f);
        CHECK(seen);
        rsethandle_t got = rs_alloc(RS_EMPTY);
        CHECK(rs_getpartition(pid, got) >= 0);
        expect_full(got, "rs_getpartition of a pinned child");   /* ... the partition is not */
        rs_free(got);
    } else {
        CHECK(!"the child did not pin itself");
    }
    CHECK_EQ(write(b[1], "g", 1), 1);
    close(b[1]);
    close(a[0]);
    int st = 0;
    while (pid > 0 && waitpid(pid, &st, 0) < 0 && errno == EINTR)
        ;
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    return check_end();
}
