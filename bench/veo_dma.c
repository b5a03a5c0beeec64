/* bench-veo-dma: VE DMA between a VH-VE SHM segment (2 MiB pages) and VE
 * memory, 4 KiB .. 256 MiB, against a single-thread memcpy of the same size
 * measured in the same run (segment -> VH buffer, both pre-faulted).
 *
 *   veo   : veo_dma_post_wait from the VH (one VEO call per transfer; above
 *           64 MiB: veo_dma_post of 64 MiB chunks, then veo_dma_poll)
 *   ve    : ve_dma_post/ve_dma_wait inside the VE process (no VH round trip)
 * Ratio = memcpy time / DMA time (>= 1: DMA as fast as memcpy). Target: >= 0.9
 * at 64 MiB. Also printed: the VE process's peak RSS beyond its VE memory, to
 * show that moving 256 MiB needs no staging memory.
 * Reserves the huge pages it needs and gives them back. */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/shm.h>
#include <time.h>
#include <unistd.h>

#include "bench_veo.h"
#include "ve_offload.h"
#include "veo_vedma.h"
#include "veo_vhveshm.h"

#define MAXSZ (256ull << 20)
#define CHUNK (64ull << 20)

static long status_kb(pid_t pid, const char *field)
{
    char path[64], line[256];
    long v = -1;
    snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
    FILE *f = fopen(path, "r");
    while (f && fgets(line, sizeof line, f))
        if (!strncmp(line, field, strlen(field))) {
            v = strtol(line + strlen(field), NULL, 10);
            break;
        }
    if (f)
        fclose(f);
    return v;
}

/* From the VH: one transfer of `size` (chunked above 64 MiB). */
static int veo_move(struct veo_proc_handle *h, uint64_t dst, uint64_t src, uint64_t size)
{
    if (size <= CHUNK)
        return veo_dma_post_wait(h, dst, src, (int)size);
    ve_dma_handle_t hd[8];
    int n = 0, rc = 0;
    for (uint64_t off = 0; off < size; off += CHUNK)
        if (veo_dma_post(h, dst + off, src + off, (int)CHUNK, &hd[n++]))
            return -1;
    for (int i = 0; i < n; i++) {
        int r;
        while ((r = veo_dma_poll(h, &hd[i])) == -EAGAIN)
            ;
        rc |= r;
    }
    return rc;
}

int main(void)
{
    if (bench_hugepages_ensure_free((long)(MAXSZ >> 21))) {
        fprintf(stderr, "bench-veo-dma: cannot reserve %llu huge pages (root needed)\n", MAXSZ >> 21);
        return 1;
    }
    int id = shmget(IPC_PRIVATE, MAXSZ, IPC_CREAT | SHM_HUGETLB | 0600);
    if (id < 0) {
        perror("shmget");
        return 1;
    }
    char *seg = shmat(id, NULL, 0);
    shmctl(id, IPC_RMID, NULL); /* goes away with the last detach */
    memset(seg, 0x3c, MAXSZ);
    /* the baseline's destination is memory like the VE memory it stands for
     * (anonymous, transparent huge pages asked for) */
    char *vhbuf = mmap(NULL, MAXSZ, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (vhbuf == MAP_FAILED)
        return 1;
    madvise(vhbuf, MAXSZ, MADV_HUGEPAGE);
    memset(vhbuf, 0x11, MAXSZ);

    struct veo_proc_handle *h = veo_proc_create(0);
    if (!h) {
        perror("veo_proc_create");
        return 1;
    }
    void *vehva, *hm;
    void *at = veo_shmat(h, id, NULL, 0, &vehva);
    if (at == (void *)-1 || veo_alloc_hmem(h, &hm, MAXSZ)) {
        perror("veo_shmat/veo_alloc_hmem");
        return 1;
    }
    uint64_t sv = (uint64_t)vehva, mv = veo_register_mem_to_dmaatb(hm, MAXSZ);
    if (mv == (uint64_t)-1) {
        perror("veo_register_mem_to_dmaatb");
        return 1;
    }
    /* the VE-side timing library, next to this program's lib/ */
    char lib[PATH_MAX + 64];
    uint64_t lh = bench_ve_lib(lib, sizeof lib, "libbench-ve-dma.so") ? veo_load_library(h, lib) : 0;
    uint64_t fn = lh ? veo_get_sym(h, lh, "bench_ve_dma") : 0;

    pid_t helper = veo_get_pid_from_hmem(hm);
    veo_move(h, mv, sv, MAXSZ); /* fault the VE memory in */
    /* the first few thousand VEO calls of a process are slower (the call
     * path warms up): do them before measuring */
    for (int r = 0; r < 5000; r++)
        veo_dma_post_wait(h, mv, sv, 4096);
    veo_move(h, sv, mv, MAXSZ);

    printf("bench-veo-dma: VE DMA, VH-VE SHM segment (2 MiB pages) <-> VE memory; baseline single-thread memcpy\n");
    printf("(GB/s from medians; in = segment -> VE memory, out = VE memory -> segment; veo = from the VH,\n"
           " ve = from VE code, best of the repetitions; x/mc = memcpy time / DMA time)\n");
    printf("%10s %12s %12s %12s %12s %12s %8s %8s %8s\n", "size", "memcpy GB/s", "veo in GB/s",
           "veo out GB/s", "ve in GB/s", "ve out GB/s", "in/mc", "out/mc", "ve in/mc");
    double best_mc = 0, best_in = 0, best_out = 0;
    for (uint64_t sz = 4096; sz <= MAXSZ; sz *= 4) {
        int reps = sz <= (1 << 20) ? 2000 : sz <= (16 << 20) ? 50 : 10;
        /* baseline and DMA alternate, so that load from elsewhere on the
         * machine hits both alike */
        double *t0 = malloc(sizeof(double) * reps), *t1 = malloc(sizeof(double) * reps);
        double *t2 = malloc(sizeof(double) * reps);
        double tm, tin, tout;
        for (int r = 0; r < reps; r++) {
            double a = bench_now();
            memcpy(vhbuf, seg, sz);
            double b = bench_now();
            if (veo_move(h, mv, sv, sz))
                fprintf(stderr, "DMA failed\n");
            double c = bench_now();
            if (veo_move(h, sv, mv, sz))
                fprintf(stderr, "DMA failed\n");
            t0[r] = b - a;
            t1[r] = c - b;
            t2[r] = bench_now() - c;
        }
        qsort(t0, reps, sizeof(double), bench_cmp_double);
        qsort(t1, reps, sizeof(double), bench_cmp_double);
        qsort(t2, reps, sizeof(double), bench_cmp_double);
        tm = t0[reps / 2];
        tin = t1[reps / 2];
        tout = t2[reps / 2];
        if (sz == (64ull << 20)) {
            best_mc = t0[0];
            best_in = t1[0];
            best_out = t2[0];
        }
        free(t0);
        free(t1);
        free(t2);
        double vin = -1, vout = -1;
        if (fn) {
            struct veo_args *a = veo_args_alloc();
            uint64_t ns = 0;
            veo_args_set_u64(a, 0, mv);
            veo_args_set_u64(a, 1, sv);
            veo_args_set_i64(a, 2, (int64_t)sz);
            veo_args_set_i64(a, 3, reps);
            if (veo_call_sync(h, fn, a, &ns) == VEO_COMMAND_OK && (int64_t)ns > 0)
                vin = ns * 1e-9;
            veo_args_set_u64(a, 0, sv);
            veo_args_set_u64(a, 1, mv);
            if (veo_call_sync(h, fn, a, &ns) == VEO_COMMAND_OK && (int64_t)ns > 0)
                vout = ns * 1e-9;
            veo_args_free(a);
        }
        char szs[32];
        if (sz >= (1 << 20))
            snprintf(szs, sizeof szs, "%llu MiB", (unsigned long long)(sz >> 20));
        else
            snprintf(szs, sizeof szs, "%llu KiB", (unsigned long long)(sz >> 10));
        printf("%10s %12.2f %12.2f %12.2f %12.2f %12.2f %8.2f %8.2f %8.2f\n", szs, sz / tm / 1e9,
               sz / tin / 1e9, sz / tout / 1e9, vin > 0 ? sz / vin / 1e9 : 0, vout > 0 ? sz / vout / 1e9 : 0,
               tm / tin, tm / tout, vin > 0 ? tm / vin : 0);
    }
    if (best_mc > 0)
        printf("64 MiB, best of 10: memcpy %.2f GB/s, veo DMA in %.2f GB/s (%.2fx), out %.2f GB/s (%.2fx)\n",
               (64 << 20) / best_mc / 1e9, (64 << 20) / best_in / 1e9, best_mc / best_in,
               (64 << 20) / best_out / 1e9, best_mc / best_out);
    long hwm = status_kb(helper, "VmHWM:");
    /* hugetlb pages (the segment) are not counted in RSS */
    printf("VE process peak RSS %ld MiB, of which VE memory %llu MiB -> %ld MiB for everything "
           "else after moving %llu MiB per transfer (no staging buffers)\n",
           hwm / 1024, MAXSZ >> 20, hwm / 1024 - (long)(MAXSZ >> 20), MAXSZ >> 20);
    veo_unregister_mem_from_dmaatb(h, mv);
    veo_shmdt(h, at);
    veo_free_hmem(hm);
    veo_proc_destroy(h);
    shmdt(seg);
    munmap(vhbuf, MAXSZ);
    return 0;
}
