/* Driver of hwloc_aix.sh, built once against hwloc's Linux backend and once
 * against its AIX backend (on librashm). It prints what it finds in a form
 * both flavours must agree on, and checks each binding against the kernel
 * (sched_getaffinity, move_pages), so a flavour that only "agrees" cannot
 * pass:
 *   numa <cpuset>          NUMA nodes that have CPUs, in order
 *   memonly <nodes>        nodes without CPUs (the AIX backend has none)
 *   pus N / core <cpuset>
 *   cpubind ... ok         set/get_cpubind, process and thread
 *   pages <what> <node:count ...>   where touched pages landed */
#define _GNU_SOURCE
#include <hwloc.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef FLAVOUR
#define FLAVOUR "?"
#endif

static int failures;
#define FAIL(...) do { printf("FAIL " __VA_ARGS__); printf("\n"); failures++; } while (0)

static hwloc_topology_t topo;
static int ncpunodes;
static hwloc_obj_t cpunode[64];   /* NUMA nodes with CPUs, in order */

static char *str(hwloc_const_bitmap_t b)
{
    static char buf[8][256];
    static int k;
    char *s = buf[k++ % 8];
    hwloc_bitmap_list_snprintf(s, 256, b);
    return s;
}

/* The kernel's mask of the calling thread (or of thread tid). */
static void kernel_mask(pid_t tid, hwloc_bitmap_t out)
{
    cpu_set_t cs;
    hwloc_bitmap_zero(out);
    if (sched_getaffinity(tid, sizeof cs, &cs) == 0)
        for (int c = 0; c < CPU_SETSIZE; c++)
            if (CPU_ISSET(c, &cs))
                hwloc_bitmap_set(out, (unsigned)c);
}

static void check_cpubind(const char *what, hwloc_const_bitmap_t set, int flags)
{
    hwloc_bitmap_t got = hwloc_bitmap_alloc(), k = hwloc_bitmap_alloc();
    if (hwloc_set_cpubind(topo, set, flags)) {
        FAIL("set_cpubind %s %s: %m", what, str(set));
        goto out;
    }
    if (hwloc_get_cpubind(topo, got, flags)) {
        FAIL("get_cpubind %s: %m", what);
        goto out;
    }
    hwloc_bitmap_and(got, got, hwloc_topology_get_complete_cpuset(topo));
    kernel_mask(flags & HWLOC_CPUBIND_THREAD ? (pid_t)syscall(SYS_gettid) : 0, k);
    hwloc_bitmap_and(k, k, hwloc_topology_get_complete_cpuset(topo));
    if (!hwloc_bitmap_isequal(got, set))
        FAIL("get_cpubind %s after setting %s gives %s", what, str(set), str(got));
    else if (!hwloc_bitmap_isequal(k, set))
        FAIL("cpubind %s %s: the kernel mask is %s", what, str(set), str(k));
    else
        printf("cpubind %s %s ok\n", what, str(set));
    if (hwloc_bitmap_weight(set) == 1 && (flags & HWLOC_CPUBIND_THREAD)) {
        hwloc_bitmap_t last = hwloc_bitmap_alloc();
        if (hwloc_get_last_cpu_location(topo, last, HWLOC_CPUBIND_THREAD) || !hwloc_bitmap_isequal(last, set))
            FAIL("last_cpu_location %s bound to %s: %s", what, str(set), str(last));
        hwloc_bitmap_free(last);
    }
out:
    hwloc_bitmap_free(got);
    hwloc_bitmap_free(k);
}

/* Pages of [p, p+len) per Linux node, printed as node:count. */
static void print_pages(const char *what, char *p, size_t len)
{
    long pg = sysconf(_SC_PAGESIZE);
    size_t n = len / (size_t)pg;
    void **pages = calloc(n, sizeof *pages);
    int *status = calloc(n, sizeof *status);
    int count[256] = {0};
    for (size_t i = 0; i < n; i++)
        pages[i] = p + i * (size_t)pg;
    if (syscall(SYS_move_pages, 0, n, pages, NULL, status, 0)) {
        FAIL("move_pages %s: %m", what);
    } else {
        for (size_t i = 0; i < n; i++)
            if (status[i] >= 0 && status[i] < 256)
                count[status[i]]++;
        printf("pages %s", what);
        for (int i = 0; i < 256; i++)
            if (count[i])
                printf(" %d:%d", i, count[i]);
        printf("\n");
    }
    free(pages);
    free(status);
}

#define LEN (64u << 12)

static void touch(char *p, size_t len)
{
    for (size_t i = 0; i < len; i += 4096)
        p[i] = 1;
}

struct toucher {
    char *p;
    hwloc_obj_t node;
};

/* First touch from a thread bound to the node's CPUs (Linux calls). */
static void *touch_from(void *arg)
{
    struct toucher *t = arg;
    cpu_set_t cs;
    CPU_ZERO(&cs);
    unsigned c;
    hwloc_bitmap_foreach_begin(c, t->node->cpuset)
        CPU_SET(c, &cs);
    hwloc_bitmap_foreach_end();
    sched_setaffinity(0, sizeof cs, &cs);
    touch(t->p, LEN);
    return NULL;
}

static void membind_checks(void)
{
    char what[64];
    hwloc_bitmap_t all = hwloc_bitmap_alloc();
    for (int i = 0; i < ncpunodes; i++)
        hwloc_bitmap_or(all, all, cpunode[i]->nodeset);
    for (int i = 0; i < ncpunodes; i++) {
        hwloc_const_bitmap_t ns = cpunode[i]->nodeset;
        /* alloc_membind BIND */
        char *p = hwloc_alloc_membind(topo, LEN, ns, HWLOC_MEMBIND_BIND, HWLOC_MEMBIND_BYNODESET);
        if (!p) {
            FAIL("alloc_membind bind node#%d: %m", i);
        } else {
            touch(p, LEN);
            snprintf(what, sizeof what, "alloc-bind-node#%d", i);
            print_pages(what, p, LEN);
            hwloc_free(topo, p, LEN);
        }
        /* set_membind BIND (the process where the backend can, else this
         * thread: hwloc falls back by itself), then an ordinary mapping */
        if (hwloc_set_membind(topo, ns, HWLOC_MEMBIND_BIND, HWLOC_MEMBIND_BYNODESET)) {
            FAIL("set_membind bind node#%d: %m", i);
        } else {
            p = mmap(NULL, LEN, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
            touch(p, LEN);
            snprintf(what, sizeof what, "set-membind-node#%d", i);
            print_pages(what, p, LEN);
            munmap(p, LEN);
            hwloc_bitmap_t got = hwloc_bitmap_alloc();
            hwloc_membind_policy_t pol;
            if (hwloc_get_membind(topo, got, &pol, HWLOC_MEMBIND_BYNODESET))
                FAIL("get_membind node#%d: %m", i);
            else if (!hwloc_bitmap_isequal(got, ns))
                FAIL("get_membind node#%d: %s, set %s", i, str(got), str(ns));
            hwloc_bitmap_free(got);
        }
        hwloc_set_membind(topo, hwloc_topology_get_complete_nodeset(topo), HWLOC_MEMBIND_DEFAULT,
                          HWLOC_MEMBIND_BYNODESET);
        hwloc_set_cpubind(topo, hwloc_topology_get_complete_cpuset(topo), 0);
        /* first touch: pages where the touching thread runs */
        p = hwloc_alloc_membind(topo, LEN, hwloc_topology_get_complete_nodeset(topo), HWLOC_MEMBIND_FIRSTTOUCH,
                                HWLOC_MEMBIND_BYNODESET);
        if (!p) {
            FAIL("alloc_membind firsttouch: %m");
        } else {
            struct toucher t = {p, cpunode[i]};
            pthread_t th;
            pthread_create(&th, NULL, touch_from, &t);
            pthread_join(th, NULL);
            snprintf(what, sizeof what, "firsttouch-from-node#%d", i);
            print_pages(what, p, LEN);
            hwloc_free(topo, p, LEN);
        }
    }
    /* interleave over every node with CPUs */
    char *p = hwloc_alloc_membind(topo, LEN, all, HWLOC_MEMBIND_INTERLEAVE, HWLOC_MEMBIND_BYNODESET);
    if (!p) {
        FAIL("alloc_membind interleave: %m");
    } else {
        touch(p, LEN);
        /* which node gets the first page depends on the task's interleave
         * position, so both flavours are held to: every node of the set,
         * evenly (counts differ by at most one) */
        long pg = sysconf(_SC_PAGESIZE);
        size_t npg = LEN / (size_t)pg;
        void **pages = calloc(npg, sizeof *pages);
        int *status = calloc(npg, sizeof *status), count[256] = {0};
        for (size_t i = 0; i < npg; i++)
            pages[i] = p + i * (size_t)pg;
        if (syscall(SYS_move_pages, 0, npg, pages, NULL, status, 0) == 0) {
            int lo = 1 << 30, hi = 0, nodes = 0;
            for (size_t i = 0; i < npg; i++)
                if (status[i] >= 0 && status[i] < 256)
                    count[status[i]]++;
            printf("pages alloc-interleave nodes");
            for (int i = 0; i < 256; i++)
                if (count[i]) {
                    printf(" %d", i);
                    nodes++;
                    lo = count[i] < lo ? count[i] : lo;
                    hi = count[i] > hi ? count[i] : hi;
                }
            printf(" %s\n", nodes == hwloc_bitmap_weight(all) && hi - lo <= 1 ? "even" : "UNEVEN");
        } else {
            FAIL("move_pages interleave: %m");
        }
        free(pages);
        free(status);
        hwloc_free(topo, p, LEN);
    }
    hwloc_bitmap_free(all);
}

static void *thread_checks(void *arg)
{
    (void)arg;
    hwloc_obj_t pu = hwloc_get_obj_by_type(topo, HWLOC_OBJ_PU, hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_PU) - 1);
    check_cpubind("thread", pu->cpuset, HWLOC_CPUBIND_THREAD);
    check_cpubind("thread", hwloc_topology_get_complete_cpuset(topo), HWLOC_CPUBIND_THREAD);
    return NULL;
}

int main(void)
{
    if (hwloc_topology_init(&topo) || hwloc_topology_load(topo)) {
        printf("FAIL topology load: %m\n");
        return 1;
    }
    const char *backend = hwloc_obj_get_info_by_name(hwloc_get_root_obj(topo), "Backend");
    printf("backend %s (%s flavour)\n", backend ? backend : "?", FLAVOUR);

    int n = hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_NUMANODE);
    for (int i = 0; i < n; i++) {
        hwloc_obj_t o = hwloc_get_obj_by_type(topo, HWLOC_OBJ_NUMANODE, i);
        if (hwloc_bitmap_iszero(o->cpuset))
            printf("memonly %u\n", o->os_index);
        else if (ncpunodes < 64)
            cpunode[ncpunodes++] = o;
    }
    for (int i = 0; i < ncpunodes; i++)
        printf("numa %s\n", str(cpunode[i]->cpuset));
    printf("pus %d\n", hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_PU));
    for (int i = 0; i < hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_CORE); i++)
        printf("core %s\n", str(hwloc_get_obj_by_type(topo, HWLOC_OBJ_CORE, i)->cpuset));

    /* process binding: one PU, one core, each NUMA node, everything */
    hwloc_obj_t pu0 = hwloc_get_obj_by_type(topo, HWLOC_OBJ_PU, 0);
    hwloc_obj_t core0 = hwloc_get_obj_by_type(topo, HWLOC_OBJ_CORE, 0);
    check_cpubind("process", pu0->cpuset, 0);
    if (core0)
        check_cpubind("process", core0->cpuset, 0);
    for (int i = 0; i < ncpunodes; i++)
        check_cpubind("process", cpunode[i]->cpuset, 0);
    check_cpubind("process", hwloc_topology_get_complete_cpuset(topo), 0);
    /* this thread, and another thread */
    check_cpubind("thread", pu0->cpuset, HWLOC_CPUBIND_THREAD);
    check_cpubind("thread", hwloc_topology_get_complete_cpuset(topo), HWLOC_CPUBIND_THREAD);
    pthread_t th;
    pthread_create(&th, NULL, thread_checks, NULL);
    pthread_join(th, NULL);

    membind_checks();

    hwloc_topology_destroy(topo);
    if (failures)
        printf("%d failure(s)\n", failures);
    return failures ? 1 : 0;
}
