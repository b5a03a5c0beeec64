/* The public calls the AIX face and the VE helper live on (no core
 * internals): page sizes, what the kernel says of a mapping and its policy,
 * placing a mapping with the preferred policy, the thread policy, the
 * partition of another process, mems_allowed, rs_setpartition's call, the
 * query of ranges without counting, the registry's directory.
 *   core_public_test         4 KiB pages
 *   core_public_test huge    2 MiB pages (run inside the hugepages fixture) */
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "rashm.h"
#include "sys/rset.h"

#define MiB (1ull << 20)
#define LEN (8 * MiB)
/* the kernel's MPOL_* values (numaif.h is not a test dependency) */
#define MODE_DEFAULT 0
#define MODE_PREFERRED 1
#define MODE_INTERLEAVE 3
#define MODE_PREFERRED_MANY 5

static int huge;
static uint64_t page;

/* The calling thread's policy, read back from the kernel. */
static int thread_mode(rashm_nodeset_t *nodes)
{
    int mode = -1;
    rashm_nodeset_zero(nodes);
    if (syscall(SYS_get_mempolicy, &mode, nodes->bits, (unsigned long)RASHM_MAX_NODES + 1, NULL, 0UL))
        return -1;
    return mode & 0xff;
}

static uint64_t meminfo_huge_page(void)
{
    FILE *f = fopen("/proc/meminfo", "re");
    char line[256];
    unsigned long kb = 0;
    while (f && fgets(line, sizeof line, f))
        if (sscanf(line, "Hugepagesize: %lu kB", &kb) == 1)
            break;
    if (f)
        fclose(f);
    return kb ? (uint64_t)kb << 10 : 2 * MiB;
}

static void page_sizes(void)
{
    CHECK_EQ(rashm_shm_page_size(0), sysconf(_SC_PAGESIZE));
    CHECK_EQ(rashm_shm_page_size(IPC_CREAT | 0600), sysconf(_SC_PAGESIZE));
    CHECK_EQ(rashm_shm_page_size(SHM_HUGETLB), meminfo_huge_page());
    CHECK_EQ(rashm_shm_page_size(SHM_HUGETLB | 21 << 26), 2 * MiB);      /* SHM_HUGE_2MB */
    CHECK_EQ(rashm_shm_page_size(SHM_HUGETLB | 30 << 26), 1024 * MiB);   /* SHM_HUGE_1GB */
}

static void *map(void)
{
    void *p = mmap(NULL, LEN, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | (huge ? MAP_HUGETLB : 0), -1, 0);
    return p == MAP_FAILED ? NULL : p;
}

static void mappings(int n0, const rashm_nodeset_t *mem)
{
    char *p = map();
    CHECK(p != NULL);
    if (!p)
        return;
    struct rashm_mapping_info mi;
    CHECK_EQ(rashm_mapping_info(p + page, &mi), 0);
    /* the VMA holds the mapping (the kernel may have merged it with an
     * anonymous neighbour of the same flags) */
    CHECK(mi.start <= (uintptr_t)p && mi.start + mi.length >= (uintptr_t)p + LEN);
    CHECK_EQ(mi.page_size, page);
    CHECK_EQ(mi.hugetlb, huge);
    CHECK_ERRNO(rashm_mapping_info(p, NULL), -1, EINVAL);

    struct rashm_range r;
    memset(&r, 0, sizeof r);
    r.policy = RASHM_POLICY_PREFERRED;
    rashm_nodeset_set(&r.nodes, n0);
    int mode;
    rashm_nodeset_t got;
    CHECK_EQ(rashm_place_mapping(p, LEN, &r, 1, 0), 0);
    if (rashm_numa_available()) {
        CHECK_EQ(rashm_mapping_policy(p, &mode, &got), 0);
        CHECK_EQ(mode, MODE_PREFERRED);
        CHECK(rashm_nodeset_equal(&got, &r.nodes));
        CHECK_ERRNO(rashm_mapping_policy(p, NULL, &got), -1, EINVAL);
    }
    if (rashm_nodeset_count(mem) >= 2) {
        /* several nodes: preferred many (the first alone before 5.15) */
        r.nodes = *mem;
        CHECK_EQ(rashm_place_mapping(p, LEN, &r, 1, 0), 0);
        CHECK_EQ(rashm_mapping_policy(p, &mode, &got), 0);
        CHECK(mode == MODE_PREFERRED_MANY || mode == MODE_PREFERRED);
    }
    /* only the part a range covers changes */
    memset(&r, 0, sizeof r);
    r.offset = page;
    r.length = page;
    r.policy = RASHM_POLICY_BALANCED;
    rashm_nodeset_set(&r.nodes, n0);
    CHECK_EQ(rashm_place_mapping(p, LEN, &r, 1, 0), 0);
    if (rashm_numa_available()) {
        CHECK_EQ(rashm_mapping_policy(p + page, &mode, &got), 0);
        CHECK_EQ(mode, MODE_INTERLEAVE);
        CHECK_EQ(rashm_mapping_policy(p, &mode, &got), 0);
        CHECK_EQ(mode, MODE_PREFERRED);
    }
    r.policy = RASHM_POLICY_PREFERRED + 1;
    CHECK_ERRNO(rashm_place_mapping(p, LEN, &r, 1, 0), -1, EINVAL);
    if (huge) {
        /* whole huge pages only: never rounded past what was asked */
        r.policy = RASHM_POLICY_BALANCED;
        r.offset = 0;
        r.length = 0;
        CHECK_ERRNO(rashm_place_mapping(p, LEN - 4096, &r, 1, 0), -1, EINVAL);
        CHECK_ERRNO(rashm_place_mapping(p + 4096, page, &r, 1, 0), -1, EINVAL);
    }
    CHECK_EQ(rashm_unplace_mapping(p, LEN), 0);
    if (rashm_numa_available()) {
        CHECK_EQ(rashm_mapping_policy(p + page, &mode, &got), 0);
        CHECK_EQ(mode, MODE_DEFAULT);
    }
    munmap(p, LEN);
    /* nothing mapped there now */
    CHECK_ERRNO(rashm_mapping_info(p, &mi), -1, ENOMEM);
    CHECK_ERRNO(rashm_place_mapping(p, LEN, &r, 1, 0), -1, ENOMEM);
    if (rashm_numa_available())
        CHECK_ERRNO(rashm_mapping_policy(p, &mode, &got), -1, EFAULT);
}

static void thread_policy(int n0)
{
    rashm_nodeset_t one, got;
    rashm_nodeset_zero(&one);
    rashm_nodeset_set(&one, n0);
    CHECK_ERRNO(rashm_thread_policy(RASHM_POLICY_PREFERRED + 1, &one), -1, EINVAL);
    if (!rashm_numa_available())
        return;
    CHECK_EQ(rashm_thread_policy(RASHM_POLICY_PREFERRED, &one), 0);
    CHECK_EQ(thread_mode(&got), MODE_PREFERRED);
    CHECK(rashm_nodeset_equal(&got, &one));
    CHECK_EQ(rashm_thread_policy(RASHM_POLICY_BALANCED, &one), 0);
    CHECK_EQ(thread_mode(&got), MODE_INTERLEAVE);
    CHECK_EQ(rashm_thread_policy(RASHM_POLICY_FIRST_TOUCH, &one), 0);
    int m = thread_mode(&got);
    CHECK(m == MODE_PREFERRED_MANY || m == MODE_PREFERRED);
    rashm_nodeset_t bad;
    rashm_nodeset_zero(&bad);
    rashm_nodeset_set(&bad, RASHM_MAX_NODES - 1);        /* no machine has it here */
    CHECK_ERRNO(rashm_thread_policy(RASHM_POLICY_PREFERRED, &bad), -1, EINVAL);
    CHECK_EQ(thread_mode(&got), m);                      /* unchanged by the failure */
    CHECK_EQ(rashm_thread_policy(RASHM_POLICY_PREFERRED, NULL), 0);
    CHECK_EQ(thread_mode(&got), MODE_DEFAULT);
}

static void partitions(const rashm_topo_t *t)
{
    rashm_cpuset_t c0, c1, call;
    rashm_nodeset_t n0, n1, mems, nall;
    CHECK_EQ(rashm_topo_partition(t, &c0, &n0), 0);
    CHECK_EQ(rashm_topo_partition_pid(t, 0, &c1, &n1), 0);
    CHECK(rashm_cpuset_equal(&c0, &c1) && rashm_nodeset_equal(&n0, &n1));
    CHECK_EQ(rashm_topo_partition_pid(t, getpid(), &c1, &n1), 0);
    CHECK(rashm_cpuset_equal(&c0, &c1) && rashm_nodeset_equal(&n0, &n1));
    CHECK_ERRNO(rashm_topo_partition_pid(t, 0, NULL, &n1), -1, EINVAL);
    CHECK_EQ(rashm_mems_allowed(0, &mems), 0);
    CHECK(rashm_nodeset_issubset(&n0, &mems));
    CHECK_EQ(rashm_mems_allowed(getpid(), &n1), 0);
    CHECK(rashm_nodeset_equal(&mems, &n1));
    CHECK_ERRNO(rashm_mems_allowed(0, NULL), -1, EINVAL);
    rashm_topo_allowed(t, &c1, &n1);
    rashm_topo_all_cpus(t, &call);
    rashm_topo_all_nodes(t, &nall);
    CHECK(!rashm_cpuset_isempty(&c1) && rashm_cpuset_issubset(&c1, &call));
    CHECK(!rashm_nodeset_isempty(&n1));

    /* another process: a child in the same cgroup has the same partition;
     * once reaped it is ESRCH */
    pid_t child = fork();
    if (child == 0) {
        pause();
        _exit(0);
    }
    CHECK(child > 0);
    if (child <= 0)
        return;
    CHECK_EQ(rashm_topo_partition_pid(t, child, &c1, &n1), 0);
    CHECK(rashm_cpuset_equal(&c0, &c1) && rashm_nodeset_equal(&n0, &n1));
    CHECK_EQ(rashm_mems_allowed(child, &n1), 0);
    CHECK(rashm_nodeset_equal(&mems, &n1));
    kill(child, SIGKILL);
    waitpid(child, NULL, 0);
    CHECK_ERRNO(rashm_topo_partition_pid(t, child, &c1, &n1), -1, ESRCH);
    CHECK_ERRNO(rashm_mems_allowed(child, &n1), -1, ESRCH);

    /* rs_setpartition's call: both sets or neither; root only */
    CHECK_ERRNO(rashm_set_partition(0, &c0, NULL), -1, EINVAL);
    CHECK_ERRNO(rashm_set_partition(0, NULL, &n0), -1, EINVAL);
    if (geteuid() == 0) {
        child = fork();
        if (child == 0) {
            if (setresgid(65534, 65534, 65534) || setresuid(65534, 65534, 65534))
                _exit(2);
            errno = 0;
            _exit(rashm_set_partition(0, &c0, &n0) == -1 && errno == EPERM ? 0 : 1);
        }
        int st = -1;
        waitpid(child, &st, 0);
        CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    }
}

/* RASHM_QUERY_RANGES: the ranges of rashm_query, and nothing counted */
static void query_ranges(int n0)
{
    struct rashm_range r[2];
    memset(r, 0, sizeof r);
    r[0].length = 2 * page;
    r[0].policy = RASHM_POLICY_PREFERRED;
    rashm_nodeset_set(&r[0].nodes, n0);
    r[1].offset = 4 * page;
    r[1].policy = RASHM_POLICY_BALANCED;
    int id = rashm_create(IPC_PRIVATE, 8 * page, 0600 | IPC_CREAT | (huge ? SHM_HUGETLB : 0), r, 2,
                          RASHM_POPULATE, NULL, NULL);
    CHECK(id >= 0);
    if (id < 0)
        return;
    struct rashm_placement *q = rashm_query(id), *g = rashm_query_flags(id, RASHM_QUERY_RANGES);
    CHECK(q && g);
    if (q && g) {
        CHECK_EQ(g->registered, 1);
        CHECK_EQ(g->size, q->size);
        CHECK_EQ(g->page_size, page);
        CHECK_EQ(g->hugetlb, huge);
        CHECK_EQ(g->counts_valid, 0);
        CHECK_EQ(g->node_slots, q->node_slots);
        CHECK_EQ(g->nranges, q->nranges);
        CHECK_EQ(g->nranges, 3);                   /* preferred, gap, balanced */
        for (int i = 0; i < g->nranges && i < q->nranges; i++) {
            const struct rashm_range_placement *a = &g->ranges[i], *b = &q->ranges[i];
            CHECK_EQ(a->offset, b->offset);
            CHECK_EQ(a->length, b->length);
            CHECK_EQ(a->policy, b->policy);
            CHECK_EQ(a->origin, b->origin);
            CHECK(rashm_nodeset_equal(&a->nodes, &b->nodes));
            CHECK_EQ(a->mode_from_kernel, 0);
            CHECK_EQ(a->pages, 0);
            CHECK_EQ(a->resident, 0);
            CHECK(b->resident > 0);                /* populated: the full query counts them */
            if (!b->mode_from_kernel)
                CHECK_EQ(a->mode, b->mode);
        }
        CHECK_EQ(g->ranges[0].policy, RASHM_POLICY_PREFERRED);
        CHECK_EQ(g->ranges[0].mode, MODE_PREFERRED);
        if (rashm_numa_available() && !huge)
            CHECK_EQ(q->ranges[0].mode, MODE_PREFERRED);   /* the shared policy, from the kernel */
    }
    rashm_placement_free(q);
    rashm_placement_free(g);
    /* the AIX face reports the preferred range as first touch */
    rsid_t sid;
    memset(&sid, 0, sizeof sid);
    sid.at_shmid = id;
    attachinfo_t *ai = ra_get_attachinfo(R_SHM, sid, 0, 0, 0);
    CHECK(ai && ai != (attachinfo_t *)-1);
    if (ai && ai != (attachinfo_t *)-1) {
        CHECK_EQ(ai->at_policy, P_FIRST_TOUCH);
        CHECK(ai->next_resource && ai->next_resource->at_policy == P_BALANCED);
        ra_free_attachinfo(ai);
    }
    CHECK_ERRNO(rashm_query_flags(id, 2), NULL, EINVAL);
    CHECK_EQ(rashm_remove(id), 0);
    CHECK_ERRNO(rashm_query_flags(id, RASHM_QUERY_RANGES), NULL, EINVAL);

    /* a segment rashm did not place: one range of unknown policy */
    id = shmget(IPC_PRIVATE, 8 * page, 0600 | IPC_CREAT | (huge ? SHM_HUGETLB : 0));
    CHECK(id >= 0);
    if (id < 0)
        return;
    g = rashm_query_flags(id, RASHM_QUERY_RANGES);
    CHECK(g != NULL);
    if (g) {
        CHECK_EQ(g->registered, 0);
        CHECK_EQ(g->nranges, 1);
        CHECK_EQ(g->ranges[0].policy, -1);
        CHECK_EQ(g->ranges[0].length, 8 * page);
        CHECK_EQ(g->page_size, page);
    }
    rashm_placement_free(g);
    CHECK(ra_get_attachinfo(R_SHM, (rsid_t){.at_shmid = id}, 0, 0, 0) == NULL);
    shmctl(id, IPC_RMID, NULL);
}

static void registry_dir(void)
{
    int fd = rashm_registry_fd(geteuid() == 0);
    if (fd < 0) {
        CHECK(errno == ENOENT || errno == EPERM);
        return;
    }
    struct stat st;
    CHECK_EQ(fstat(fd, &st), 0);
    CHECK(S_ISDIR(st.st_mode));
    CHECK(fcntl(fd, F_GETFD) & FD_CLOEXEC);
    close(fd);
}

int main(int argc, char **argv)
{
    check_begin();
    huge = argc > 1 && !strcmp(argv[1], "huge");
    page = huge ? rashm_shm_page_size(SHM_HUGETLB) : (uint64_t)sysconf(_SC_PAGESIZE);
    const rashm_topo_t *t = rashm_topo();
    if (!t) {
        perror("rashm_topo");
        return 1;
    }
    rashm_nodeset_t mem;
    rashm_topo_all_nodes(t, &mem);
    int n0 = rashm_nodeset_next(&mem, -1);
    CHECK(n0 >= 0);
    page_sizes();
    mappings(n0, &mem);
    thread_policy(n0);
    partitions(t);
    query_ranges(n0);
    registry_dir();
    return check_end();
}
