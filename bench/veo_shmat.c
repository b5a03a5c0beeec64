/* bench-veo-shmat: veo_shmat + veo_shmdt of a populated huge-page segment of
 * 64 MiB, 1 GiB and 4 GiB (median of several pairs), next to the raw
 * shmat + shmdt pair in the VH process measured in the same run, and how the
 * time grows with the size. veo_shmat runs in the VE process: shmat,
 * IPC_STAT, the huge-page check (smaps of the new mapping), and one DMAATB
 * entry per 2 MiB page; veo_shmdt releases them and detaches.
 * Reserves the huge pages it needs and gives them back. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/shm.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"
#include "ve_offload.h"
#include "veo_vhveshm.h"

int main(void)
{
    static const uint64_t sizes[] = { 64ull << 20, 1ull << 30, 4ull << 30 };
    double per[3] = { 0 };
    struct veo_proc_handle *h = veo_proc_create(0);
    if (!h) {
        perror("veo_proc_create");
        return 1;
    }
    /* the first few thousand VEO calls of a process are slower (the call
     * path warms up): do them before measuring */
    for (int r = 0; r < 5000; r++)
        veo_shmget(h, 0x7dffffff, 0, SHM_HUGETLB);
    printf("bench-veo-shmat: veo_shmat + veo_shmdt of a populated huge-page segment (median)\n");
    {
        /* the floor: one VEO call into the VE-side runtime doing almost
         * nothing (veo_shmget of a missing key: one failing shmget) */
        double t[200];
        for (int r = 0; r < 200; r++) {
            double t0 = bench_now();
            veo_shmget(h, 0x7dffffff, 0, SHM_HUGETLB);
            t[r] = bench_now() - t0;
        }
        qsort(t, 200, sizeof(double), bench_cmp_double);
        printf("one VEO call into the VE runtime (veo_shmget, ENOENT): %.1f us median\n", t[100] * 1e6);
    }
    printf("%8s %6s %14s %14s %14s %14s %10s\n", "size", "pairs", "veo_shmat us", "veo_shmdt us",
           "veo pair us", "raw pair us", "veo/raw");
    for (int i = 0; i < 3; i++) {
        uint64_t sz = sizes[i];
        if (bench_hugepages_ensure_free((long)(sz >> 21))) {
            printf("%6llu MiB: cannot reserve %llu huge pages, skipped\n",
                   (unsigned long long)(sz >> 20), (unsigned long long)(sz >> 21));
            continue;
        }
        int id = shmget(IPC_PRIVATE, sz, IPC_CREAT | SHM_HUGETLB | 0600);
        if (id < 0) {
            perror("shmget");
            continue;
        }
        char *p = shmat(id, NULL, 0);
        shmctl(id, IPC_RMID, NULL);
        madvise(p, sz, MADV_POPULATE_WRITE); /* as a VH program that filled it */
        int reps = sz >= (4ull << 30) ? 20 : 50;
        double *ta = malloc(reps * sizeof(double)), *td = malloc(reps * sizeof(double));
        double *tp = malloc(reps * sizeof(double)), *tr = malloc(reps * sizeof(double));
        void *v;
        for (int r = 0; r < reps; r++) {
            double t0 = bench_now();
            void *at = veo_shmat(h, id, NULL, 0, &v);
            double t1 = bench_now();
            if (at == (void *)-1 || veo_shmdt(h, at)) {
                perror("veo_shmat/veo_shmdt");
                return 1;
            }
            double t2 = bench_now();
            ta[r] = t1 - t0;
            td[r] = t2 - t1;
            tp[r] = t2 - t0;
            t0 = bench_now();
            void *q = shmat(id, NULL, 0);
            shmdt(q);
            tr[r] = bench_now() - t0;
        }
        qsort(ta, reps, sizeof(double), bench_cmp_double);
        qsort(td, reps, sizeof(double), bench_cmp_double);
        qsort(tp, reps, sizeof(double), bench_cmp_double);
        qsort(tr, reps, sizeof(double), bench_cmp_double);
        per[i] = tp[reps / 2];
        printf("%5llu MiB %6d %14.1f %14.1f %14.1f %14.1f %10.1f\n", (unsigned long long)(sz >> 20), reps,
               ta[reps / 2] * 1e6, td[reps / 2] * 1e6, tp[reps / 2] * 1e6, tr[reps / 2] * 1e6,
               tp[reps / 2] / tr[reps / 2]);
        free(ta);
        free(td);
        free(tp);
        free(tr);
        shmdt(p);
    }
    if (per[0] > 0 && per[1] > 0 && per[2] > 0)
        printf("growth: 1 GiB / 64 MiB = %.2fx (size 16x), 4 GiB / 1 GiB = %.2fx (size 4x)\n",
               per[1] / per[0], per[2] / per[1]);
    veo_proc_destroy(h);
    return 0;
}
