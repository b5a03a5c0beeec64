/* bench-aix-ra-shmgetv: what ra_shmgetv costs over the system calls a
 * careful programmer would write by hand, measured in the same run.
 *
 *   rashm:    ra_shmgetv(IPC_PRIVATE, 1 GiB, IPC_CREAT|SHM_PIN, 8 subranges)
 *             (create + place + lock + populate, registry entry)
 *   baseline: shmget, shmat, mbind per subrange, SHM_LOCK,
 *             MADV_POPULATE_WRITE over the segment, shmdt
 *
 * Both with 4 KiB and 2 MiB pages, the 8 subranges alternating P_BALANCED
 * and P_FIRST_TOUCH over the partition (the same MPOL modes in both). Each
 * figure is the median of REPS runs, the two variants alternating. Also the
 * placement query (rashm_query: policy + pages per node per range) per GiB.
 * The huge pages it needs are reserved here and given back at the end.
 *
 * usage: bench-aix-ra-shmgetv [reps]  (default 5) */
#define _GNU_SOURCE
#include <errno.h>
#include <numaif.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/rset.h>
#include <sys/shm.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"
#include "rashm.h"

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif
#ifndef MPOL_LOCAL
#define MPOL_LOCAL 4
#endif

#define GiB (1ull << 30)
#define SIZE GiB
#define NR 8
#define HUGE_PAGES_NEEDED (SIZE / (2u << 20) + 8)

static rsethandle_t part;
static unsigned long allmask[16];   /* nodes of the partition's CPUs */
static int all_nodes_is_every_node;

static double run_rashm(int huge, int *id_out)
{
    subrange_t v[NR];
    memset(v, 0, sizeof v);
    for (int i = 0; i < NR; i++) {
        v[i].su_offset = (off64_t)(i * (SIZE / NR));
        v[i].su_length = SIZE / NR;
        v[i].su_rstype = R_RSET;
        v[i].su_rsid.at_rset = part;
        v[i].su_policy = i % 2 ? P_FIRST_TOUCH : P_BALANCED;
    }
    double t0 = bench_now();
    int id = ra_shmgetv(IPC_PRIVATE, SIZE, IPC_CREAT | SHM_PIN | 0600 | (huge ? SHM_HUGETLB : 0), NR, v);
    double t = bench_now() - t0;
    if (id < 0) {
        perror("ra_shmgetv");
        exit(1);
    }
    *id_out = id;
    return t;
}

static double run_raw(int huge)
{
    double t0 = bench_now();
    int id = shmget(IPC_PRIVATE, SIZE, IPC_CREAT | 0600 | (huge ? SHM_HUGETLB : 0));
    if (id < 0) {
        perror("shmget");
        exit(1);
    }
    char *a = shmat(id, NULL, 0);
    if (a == (void *)-1) {
        perror("shmat");
        exit(1);
    }
    for (int i = 0; i < NR; i++) {
        char *p = a + i * (SIZE / NR);
        long rc;
        if (i % 2 == 0)
            rc = mbind(p, SIZE / NR, MPOL_INTERLEAVE, allmask, 1025, 0);
        else if (all_nodes_is_every_node)
            rc = mbind(p, SIZE / NR, MPOL_LOCAL, NULL, 0, 0);
        else
            rc = mbind(p, SIZE / NR, 5 /* MPOL_PREFERRED_MANY */, allmask, 1025, 0);
        if (rc) {
            perror("mbind");
            exit(1);
        }
    }
    if (shmctl(id, SHM_LOCK, NULL) || madvise(a, SIZE, MADV_POPULATE_WRITE)) {
        perror("lock/populate");
        exit(1);
    }
    shmdt(a);
    double t = bench_now() - t0;
    shmctl(id, IPC_RMID, NULL);
    return t;
}

/* The fixed cost without population: 16 MiB, 8 subranges, no SHM_PIN,
 * many runs (what rashm adds: checks, registry file, identity). */
static void fixed_cost(int reps)
{
    enum { SMALL = 16 << 20 };
    double *o = calloc((size_t)reps, sizeof *o), *b = calloc((size_t)reps, sizeof *b);
    subrange_t v[NR];
    memset(v, 0, sizeof v);
    for (int i = 0; i < NR; i++) {
        v[i].su_offset = (off64_t)i * (SMALL / NR);
        v[i].su_length = SMALL / NR;
        v[i].su_rstype = R_RSET;
        v[i].su_rsid.at_rset = part;
        v[i].su_policy = i % 2 ? P_FIRST_TOUCH : P_BALANCED;
    }
    for (int r = 0; r < reps; r++) {
        double t0 = bench_now();
        int id = ra_shmgetv(IPC_PRIVATE, SMALL, IPC_CREAT | 0600, NR, v);
        o[r] = bench_now() - t0;
        if (id < 0) {
            perror("ra_shmgetv");
            exit(1);
        }
        rashm_remove(id);
        t0 = bench_now();
        id = shmget(IPC_PRIVATE, SMALL, IPC_CREAT | 0600);
        char *a = shmat(id, NULL, 0);
        for (int i = 0; i < NR; i++)
            mbind(a + i * (SMALL / NR), SMALL / NR, i % 2 ? (all_nodes_is_every_node ? MPOL_LOCAL : 5) : MPOL_INTERLEAVE,
                  i % 2 && all_nodes_is_every_node ? NULL : allmask, i % 2 && all_nodes_is_every_node ? 0 : 1025, 0);
        shmdt(a);
        b[r] = bench_now() - t0;
        shmctl(id, IPC_RMID, NULL);
    }
    double mo = bench_median(o, reps), mb = bench_median(b, reps);
    printf("fixed cost (16 MiB, 8 subranges, not populated): ra_shmgetv %.1f us   baseline %.1f us   (+%.1f us, median of %d)\n",
           mo * 1e6, mb * 1e6, (mo - mb) * 1e6, reps);
    free(o);
    free(b);
}

static void bench(int huge, int reps)
{
    double *ours = calloc((size_t)reps, sizeof *ours), *raw = calloc((size_t)reps, sizeof *raw);
    double *query = calloc((size_t)reps, sizeof *query);
    /* warm-up (first use of huge pages / freshly returned memory is slow on
     * VMs: it measures the host, not us) */
    int id;
    run_rashm(huge, &id);
    rashm_remove(id);
    run_raw(huge);
    for (int r = 0; r < reps; r++) {
        /* each run starts from the same state: the previous run's segment
         * has just been removed (so both reuse memory freed a moment ago) */
        if (r % 2)
            raw[r] = run_raw(huge);
        ours[r] = run_rashm(huge, &id);
        double t0 = bench_now();
        struct rashm_placement *p = rashm_query(id);
        query[r] = bench_now() - t0;
        if (!p) {
            perror("rashm_query");
            exit(1);
        }
        uint64_t res = 0;
        for (int i = 0; i < p->nranges; i++)
            res += p->ranges[i].resident;
        if (res * p->page_size != SIZE) {
            fprintf(stderr, "query: %llu bytes resident, expected %llu\n", (unsigned long long)(res * p->page_size),
                    (unsigned long long)SIZE);
            exit(1);
        }
        rashm_placement_free(p);
        rashm_remove(id);
        if (r % 2 == 0)
            raw[r] = run_raw(huge);
    }
    if (getenv("BENCH_VERBOSE"))
        for (int r = 0; r < reps; r++)
            printf("  run %2d: ra_shmgetv %8.2f ms  baseline %8.2f ms\n", r, ours[r] * 1e3, raw[r] * 1e3);
    double mo = bench_median(ours, reps), mr = bench_median(raw, reps), mq = bench_median(query, reps);
    /* bench_median() sorted the arrays: [0] is the fastest run */
    printf("%-9s 1 GiB, 8 subranges: ra_shmgetv %8.2f ms   baseline %8.2f ms   ratio %.3fx   (median of %d)\n",
           huge ? "2 MiB" : "4 KiB", mo * 1e3, mr * 1e3, mo / mr, reps);
    printf("%-9s                     fastest: %8.2f ms             %8.2f ms   ratio %.3fx\n", "", ours[0] * 1e3,
           raw[0] * 1e3, ours[0] / raw[0]);
    printf("%-9s placement query (rashm_query, 8 ranges): %8.2f ms per GiB\n", huge ? "2 MiB" : "4 KiB",
           mq * 1e3 / ((double)SIZE / GiB));
    free(ours);
    free(raw);
    free(query);
}

int main(int argc, char **argv)
{
    int reps = argc > 1 ? atoi(argv[1]) : 5;
    if (reps < 1)
        reps = 1;
    part = rs_alloc(RS_PARTITION);
    if (!part) {
        perror("rs_alloc");
        return 1;
    }
    /* the nodes the partition's CPUs imply, as ra_shmgetv derives them */
    const rashm_topo_t *t = rashm_topo();
    rashm_cpuset_t cpus;
    rashm_nodeset_t nodes, every;
    rashm_topo_partition(t, &cpus, NULL);
    rashm_topo_cpus_to_nodes(t, &cpus, &nodes);
    rashm_topo_all_nodes(t, &every);
    memcpy(allmask, nodes.bits, sizeof allmask);
    all_nodes_is_every_node = rashm_nodeset_equal(&nodes, &every);

    printf("bench-aix-ra-shmgetv: %d NUMA node(s), %ld CPUs\n", rashm_topo_nnodes(t), sysconf(_SC_NPROCESSORS_ONLN));
    fixed_cost(200);
    bench(0, reps);

    if (bench_hugepages_ensure_free((long)HUGE_PAGES_NEEDED)) {
        fprintf(stderr, "cannot reserve %u huge pages (need root and free memory): 2 MiB case skipped\n",
                (unsigned)HUGE_PAGES_NEEDED);
    } else {
        bench(1, reps);
    }
    bench_hugepages_give_back();
    printf("nr_hugepages back to %ld\n", bench_nr_hugepages());
    rs_free(part);
    return 0;
}
