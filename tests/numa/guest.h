/* Helpers for the multi-node guest tests (the C programs in tests/numa).
 *
 * The guest tests run as root inside a QEMU guest (tests/numa/numa-vm.sh)
 * and establish the truth independently of librashm: the node layout comes
 * from sysfs, the node a page sits on from raw move_pages(2) (nodes = NULL:
 * a pure query that neither moves nor faults pages in), and the touching is
 * done by separate processes pinned to one CPU with sched_setaffinity.
 */
#ifndef RASHM_NUMA_GUEST_H
#define RASHM_NUMA_GUEST_H

#include <errno.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/shm.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"

#define G_MAXNODES 64
#define MIB (1024ULL * 1024)
#define HUGE_PAGE (2 * MIB)

/* ---- the machine, from sysfs ------------------------------------------ */
struct gnode {
    int present;
    int ncpus;
    int first_cpu;
    int64_t mem_total_kb, mem_free_kb;
};
static struct gnode g_node[G_MAXNODES];
static int g_nnodes;                 /* highest node number + 1 */
static int g_srad_node[G_MAXNODES];  /* sradid -> node (nodes with CPUs, ascending) */
static int g_nsrads;

static inline int64_t g_meminfo_kb(int node, const char *field)
{
    char path[128], line[256], key[64];
    int64_t v = -1;
    snprintf(path, sizeof path, "/sys/devices/system/node/node%d/meminfo", node);
    snprintf(key, sizeof key, "%s:", field);
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    while (fgets(line, sizeof line, f)) {
        char *p = strstr(line, key);
        if (p) {
            v = strtoll(p + strlen(key), NULL, 10);
            break;
        }
    }
    fclose(f);
    return v;
}

static inline int64_t g_node_free_kb(int node) { return g_meminfo_kb(node, "MemFree"); }

static inline long g_read_long(const char *path)
{
    char buf[64] = "";
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    if (!fgets(buf, sizeof buf, f))
        buf[0] = 0;
    fclose(f);
    return buf[0] ? strtol(buf, NULL, 10) : -1;
}

static inline long g_node_huge_free(int node)
{
    char path[160];
    snprintf(path, sizeof path,
             "/sys/devices/system/node/node%d/hugepages/hugepages-2048kB/free_hugepages", node);
    return g_read_long(path);
}

/* Parses a cpulist ("0-1,4") into count and first CPU. */
static inline void g_parse_cpulist(const char *s, int *count, int *first)
{
    *count = 0;
    *first = -1;
    while (*s && *s != '\n') {
        char *end;
        long a = strtol(s, &end, 10), b = a;
        if (end == s)
            break;
        if (*end == '-')
            b = strtol(end + 1, &end, 10);
        if (*first < 0)
            *first = (int)a;
        *count += (int)(b - a + 1);
        s = *end == ',' ? end + 1 : end;
    }
}

static inline void g_topology(void)
{
    g_nnodes = 0;
    g_nsrads = 0;
    for (int n = 0; n < G_MAXNODES; n++) {
        char path[128], buf[256] = "";
        snprintf(path, sizeof path, "/sys/devices/system/node/node%d/cpulist", n);
        FILE *f = fopen(path, "r");
        if (!f)
            continue;
        if (!fgets(buf, sizeof buf, f))
            buf[0] = 0;
        fclose(f);
        g_node[n].present = 1;
        g_parse_cpulist(buf, &g_node[n].ncpus, &g_node[n].first_cpu);
        g_node[n].mem_total_kb = g_meminfo_kb(n, "MemTotal");
        g_node[n].mem_free_kb = g_meminfo_kb(n, "MemFree");
        g_nnodes = n + 1;
        if (g_node[n].ncpus > 0)
            g_srad_node[g_nsrads++] = n;
    }
}

static inline void g_print_topology(void)
{
    printf("guest:");
    for (int n = 0; n < g_nnodes; n++)
        if (g_node[n].present)
            printf(" node%d(cpus %d, %lld MiB, %lld MiB free, %ld free huge)", n, g_node[n].ncpus,
                   (long long)g_node[n].mem_total_kb / 1024, (long long)g_node[n].mem_free_kb / 1024,
                   g_node_huge_free(n));
    printf("\n");
}

/* ---- pinning, touching ------------------------------------------------- */
static inline int g_pin_cpu(int cpu)
{
    cpu_set_t s;
    CPU_ZERO(&s);
    CPU_SET(cpu, &s);
    return sched_setaffinity(0, sizeof s, &s);
}

/* Writes one byte in each page of [off, off+len) of the mapping at base. */
static inline void g_touch(char *base, uint64_t off, uint64_t len, uint64_t page)
{
    for (uint64_t o = off; o < off + len; o += page)
        ((volatile char *)base)[o] = (char)(o / page + 1);
}

/* ---- the truth: move_pages --------------------------------------------- */
struct gcount {
    uint64_t pages;          /* pages queried */
    uint64_t resident;       /* pages on some node */
    uint64_t node[G_MAXNODES];
    int bad_status;          /* a status other than a node or -ENOENT */
};

static inline long g_move_pages(unsigned long n, void **pages, int *status)
{
    return syscall(SYS_move_pages, 0, n, pages, NULL, status, 0);
}

/* Where each page of [addr, addr+len) is, at `page` stride. */
static inline int g_count(const void *addr, uint64_t len, uint64_t page, struct gcount *out)
{
    enum { BATCH = 4096 };
    static void *pages[BATCH];
    static int status[BATCH];
    memset(out, 0, sizeof *out);
    for (uint64_t o = 0; o < len;) {
        unsigned long n = 0;
        for (; n < BATCH && o < len; n++, o += page)
            pages[n] = (char *)addr + o;
        if (g_move_pages(n, pages, status) != 0) {
            fprintf(stderr, "move_pages: %s\n", strerror(errno));
            return -1;
        }
        for (unsigned long i = 0; i < n; i++) {
            out->pages++;
            if (status[i] >= 0 && status[i] < G_MAXNODES) {
                out->resident++;
                out->node[status[i]]++;
            } else if (status[i] != -ENOENT) {
                out->bad_status = status[i];
            }
        }
    }
    return 0;
}

static inline void g_count_str(const struct gcount *c, char *buf, size_t len)
{
    size_t o = 0;
    o += snprintf(buf + o, len - o, "%llu/%llu resident:", (unsigned long long)c->resident,
                  (unsigned long long)c->pages);
    for (int n = 0; n < g_nnodes && o < len; n++)
        o += snprintf(buf + o, len - o, " n%d=%llu", n, (unsigned long long)c->node[n]);
}

/* Huge pages in use on the whole guest (HugePages_Total - HugePages_Free). */
static inline long g_huge_in_use(void)
{
    char line[128];
    long total = -1, fr = -1;
    FILE *f = fopen("/proc/meminfo", "r");
    if (!f)
        return -1;
    while (fgets(line, sizeof line, f)) {
        sscanf(line, "HugePages_Total: %ld", &total);
        sscanf(line, "HugePages_Free: %ld", &fr);
    }
    fclose(f);
    return total >= 0 && fr >= 0 ? total - fr : -1;
}

/* Counts [off, off+len) of segment shmid through a read-only attach.
 *
 * move_pages only sees pages mapped in the caller's page tables, and a read
 * fault on a shared segment allocates a page that is not there yet, so
 * resident pages are first mapped without allocating any:
 *  - 4 KiB: mincore on the attach reports the segment's page cache (truthful
 *    for root, which the guest tests are); only resident pages are read.
 *  - huge pages: the guest tests keep one huge-page segment at a time, so the
 *    segment's resident pages are the huge pages in use on the machine; when
 *    that is all of them every page is read, otherwise none (they then count
 *    as not resident and the test's "all resident" check fails). */
static inline int g_count_seg(int shmid, uint64_t off, uint64_t len, uint64_t page, struct gcount *out)
{
    struct shmid_ds ds;
    if (shmctl(shmid, IPC_STAT, &ds) != 0) {
        fprintf(stderr, "IPC_STAT(%d): %s\n", shmid, strerror(errno));
        return -1;
    }
    char *p = shmat(shmid, NULL, SHM_RDONLY);
    if (p == (void *)-1) {
        fprintf(stderr, "shmat(%d) for counting: %s\n", shmid, strerror(errno));
        return -1;
    }
    volatile char sink = 0;
    if (page == 4096) {
        size_t n = (size_t)(len / page);
        unsigned char *vec = malloc(n ? n : 1);
        if (!vec || mincore(p + off, len, vec) != 0) {
            fprintf(stderr, "mincore: %s\n", strerror(errno));
            free(vec);
            shmdt(p);
            return -1;
        }
        size_t nres = 0;
        for (size_t i = 0; i < n; i++)
            if (vec[i] & 1) {
                sink += p[off + i * page];
                nres++;
            }
        if (getenv("G_DEBUG"))
            fprintf(stderr, "g_count_seg(%d): mincore: %zu of %zu resident, p=%p\n", shmid, nres, n, (void *)p);
        free(vec);
    } else {
        long used = g_huge_in_use();
        uint64_t want = (ds.shm_segsz + page - 1) / page;
        if (used >= 0 && (uint64_t)used >= want) {
            for (uint64_t o = 0; o < len; o += page)
                sink += p[off + o];
        } else {
            fprintf(stderr, "segment %d: only %ld of its %llu huge pages exist\n", shmid, used,
                    (unsigned long long)want);
        }
    }
    (void)sink;
    int rc = g_count(p + off, len, page, out);
    shmdt(p);
    return rc;
}

/* ---- assertions ---------------------------------------------------------- */
static int g_case_failed;

#define G_EXPECT(cond, ...)                                                  \
    do {                                                                     \
        if (!(cond)) {                                                       \
            fprintf(stderr, "%s:%d: FAILED %s: ", __FILE__, __LINE__, #cond); \
            fprintf(stderr, __VA_ARGS__);                                    \
            fprintf(stderr, "\n");                                           \
            check_failures++;                                                \
            g_case_failed = 1;                                               \
        }                                                                    \
    } while (0)

/* Every page resident, spread over exactly the nodes in `mask` (bit n =
 * node n), each within one page of an even share. */
static inline void g_expect_balanced(const char *what, const struct gcount *c, uint64_t mask)
{
    char s[512];
    int k = __builtin_popcountll(mask);
    g_count_str(c, s, sizeof s);
    G_EXPECT(c->resident == c->pages && c->bad_status == 0, "%s: not all resident (%s)", what, s);
    for (int n = 0; n < g_nnodes; n++) {
        long long got = (long long)c->node[n];
        if (mask & (1ULL << n)) {
            /* |got - pages/k| <= 1  <=>  |got*k - pages| <= k */
            long long d = got * k - (long long)c->pages;
            G_EXPECT(d >= -k && d <= k, "%s: node %d has %lld pages, even share %.1f (%s)", what, n,
                     got, (double)c->pages / k, s);
        } else {
            G_EXPECT(got == 0, "%s: node %d is not in the set but has %lld pages (%s)", what, n, got, s);
        }
    }
}

/* Every page resident and all on node `node`. */
static inline void g_expect_on(const char *what, const struct gcount *c, int node)
{
    char s[512];
    g_count_str(c, s, sizeof s);
    G_EXPECT(c->resident == c->pages && c->bad_status == 0, "%s: not all resident (%s)", what, s);
    G_EXPECT(c->node[node] == c->pages, "%s: expected every page on node %d (%s)", what, node, s);
}

static inline void g_report(const char *what, const struct gcount *c)
{
    char s[512];
    g_count_str(c, s, sizeof s);
    printf("%-6s %-58s %s\n", g_case_failed ? "FAIL" : "ok", what, s);
    fflush(stdout);
    g_case_failed = 0;
}

/* ---- helper processes ------------------------------------------------------ */
/* Runs this program again (fork + exec of /proc/self/exe, so the child is a
 * fresh process that loads librashm itself) with the given arguments and
 * optional extra environment entry; returns its exit status or -1. */
static inline int g_run_self(const char *env, char *const argv[])
{
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        if (env)
            putenv((char *)env);
        execv("/proc/self/exe", argv);
        _exit(126);
    }
    int st;
    if (waitpid(pid, &st, 0) < 0)
        return -1;
    if (WIFSIGNALED(st)) {
        fprintf(stderr, "helper %s killed by signal %d\n", argv[1], WTERMSIG(st));
        return 128 + WTERMSIG(st);
    }
    return WEXITSTATUS(st);
}

/* Runs a shell command line in the guest, returns its exit status. */
static inline int g_system(const char *cmd)
{
    fflush(stdout);
    fflush(stderr);
    int st = system(cmd);
    return st < 0 ? -1 : WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* The "touch" helper shared by the guest tests: `PROG touch SHMID CPU PAGE`
 * attaches the segment (through librashm's shmat, which the test links and
 * which re-applies recorded huge-page policies), pins itself to CPU and writes one
 * byte per page of the whole segment. Exit 0, or 2 on a setup failure. */
static inline int g_touch_helper(char **argv)
{
    int shmid = atoi(argv[2]);
    uint64_t pg = strtoull(argv[4], NULL, 0);
    if (g_pin_cpu(atoi(argv[3])) != 0)
        return 2;
    struct shmid_ds ds;
    if (shmctl(shmid, IPC_STAT, &ds) != 0)
        return 2;
    char *p = shmat(shmid, NULL, 0);
    if (p == (void *)-1)
        return 2;
    g_touch(p, 0, ds.shm_segsz, pg);
    shmdt(p);
    return 0;
}

/* Runs g_touch_helper in a fresh process (argv[0] = prog) on the first CPU
 * of `node`; returns its exit status. */
static inline int g_touch_all_from(const char *prog, int shmid, int node, uint64_t page)
{
    char a_id[16], a_cpu[16], a_pg[32];
    snprintf(a_id, sizeof a_id, "%d", shmid);
    snprintf(a_cpu, sizeof a_cpu, "%d", g_node[node].first_cpu);
    snprintf(a_pg, sizeof a_pg, "%llu", (unsigned long long)page);
    char *argv[] = {(char *)prog, "touch", a_id, a_cpu, a_pg, NULL};
    return g_run_self(NULL, argv);
}

#endif
