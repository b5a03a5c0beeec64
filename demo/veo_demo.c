/* rashm VEO demo: VH-VE SHM and VE DMA on the software Vector Engine.
 *
 * The VH program creates a 64 MiB huge-page System V segment and fills it,
 * attaches it to a VE process with veo_shmat (the VE process itself attaches
 * it, so shm_nattch rises), and calls a VE function that DMAs the data into
 * VE memory, computes a checksum there and DMAs a result record back into the
 * segment. The VH checks the record and the VE memory, then undoes everything
 * (segment, VE process, and the huge pages it reserved, if it had to). */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/shm.h>
#include <time.h>
#include <unistd.h>

#include "ve_offload.h"
#include "veo_vhveshm.h"

#include "hugepool.h"

#define SEG_SIZE (64ull << 20)
#define RESULT_OFF (SEG_SIZE - 4096)
#define DEMO_MAGIC 0x5645444d4f4b2121ULL

struct demo_result {
    uint64_t magic, checksum, words, dma_exceptions;
};


static long read_long(const char *path, const char *field)
{
    char line[256];
    long v = -1;
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    while (fgets(line, sizeof line, f)) {
        if (!field) {
            v = strtol(line, NULL, 10);
            break;
        }
        if (!strncmp(line, field, strlen(field))) {
            v = strtol(line + strlen(field), NULL, 10);
            break;
        }
    }
    fclose(f);
    return v;
}

static uint64_t checksum(const uint32_t *w, uint64_t n)
{
    uint64_t a = 1, b = 0;
    for (uint64_t i = 0; i < n; i++) {
        a = (a + w[i]) % 0xffffffffULL;
        b = (b + a) % 0xffffffffULL;
    }
    return b << 32 | a;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* The VE library: $RASHM_DEMO_VE_LIB, else ../lib/ next to this program. */
static void ve_lib_path(char *out, size_t len)
{
    const char *env = getenv("RASHM_DEMO_VE_LIB");
    char exe[PATH_MAX];
    ssize_t n;
    if (env && *env) {
        snprintf(out, len, "%s", env);
        return;
    }
    n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n > 0) {
        exe[n] = 0;
        char *slash = strrchr(exe, '/');
        if (slash) {
            *slash = 0;
            snprintf(out, len, "%.*s/../lib/libve-demo-kernel.so", (int)(sizeof exe - 32), exe);
            if (access(out, R_OK) == 0)
                return;
        }
    }
    snprintf(out, len, "libve-demo-kernel.so");
}

int main(void)
{
    int rc = 1, id = -1;
    struct rcom_hp_loan loan = {0};
    char *seg = (void *)-1;
    struct veo_proc_handle *h = NULL;
    void *at = (void *)-1, *vehva = NULL;
    uint64_t ve_buf = 0;
    char lib[PATH_MAX + 64];
    struct shmid_ds ds;

    printf("rashm VEO demo: VH-VE SHM + VE DMA on the software Vector Engine\n");
    /* 1. huge pages: borrow what is missing by delta (hugepool.h), give it
     * back at the end; never write an absolute vm.nr_hugepages, which would
     * undo whatever else grew or shrank the pool meanwhile */
    long need = (long)(SEG_SIZE >> 21);
    if (rcom_hp_ensure_free(need, &loan) < 0) {
        fprintf(stderr, "need %ld free 2 MiB huge pages and cannot borrow them (run as root)\n", need);
        return 1;
    }
    if (loan.pages)
        printf("  borrowed %ld huge pages (vm.nr_hugepages now %ld)\n", loan.pages, read_long(RCOM_HP_KNOB, NULL));
    /* 2. the segment, filled on the VH */
    key_t key = (key_t)(0x7d000000 | (getpid() & 0xffffff));
    id = shmget(key, SEG_SIZE, IPC_CREAT | IPC_EXCL | SHM_HUGETLB | 0600);
    if (id < 0) {
        perror("shmget(SHM_HUGETLB)");
        goto give_back;
    }
    seg = shmat(id, NULL, 0);
    if (seg == (void *)-1) {
        perror("shmat");
        goto remove;
    }
    for (uint64_t i = 0; i < RESULT_OFF / 4; i++)
        ((uint32_t *)seg)[i] = (uint32_t)(i * 2654435761u) ^ 0xdeadbeefu;
    memset(seg + RESULT_OFF, 0, 4096);
    uint64_t want = checksum((const uint32_t *)seg, RESULT_OFF / 4);
    printf("  VH   : segment key 0x%x shmid %d, %llu MiB of 2 MiB pages, filled; checksum %016llx\n",
           key, id, SEG_SIZE >> 20, (unsigned long long)want);

    /* 3. a VE process attaches it */
    h = veo_proc_create(0);
    if (!h) {
        perror("veo_proc_create");
        goto detach;
    }
    int veid = veo_shmget(h, key, SEG_SIZE, SHM_HUGETLB);
    at = veid < 0 ? (void *)-1 : veo_shmat(h, veid, NULL, 0, &vehva);
    if (at == (void *)-1) {
        perror("veo_shmget/veo_shmat");
        goto destroy;
    }
    shmctl(id, IPC_STAT, &ds);
    printf("  VE   : veo_shmat -> VEHVA %p (DMAATB 2 MiB region); shm_nattch now %lu (VH + VE process)\n",
           vehva, (unsigned long)ds.shm_nattch);

    /* 4. the VE function: DMA in, checksum, DMA the result back */
    ve_lib_path(lib, sizeof lib);
    uint64_t libh = veo_load_library(h, lib);
    uint64_t fn = libh ? veo_get_sym(h, libh, "demo_checksum") : 0;
    if (!fn || veo_alloc_mem(h, &ve_buf, SEG_SIZE)) {
        fprintf(stderr, "cannot load %s or allocate VE memory\n", lib);
        goto shmdt_ve;
    }
    struct veo_args *a = veo_args_alloc();
    veo_args_set_u64(a, 0, (uint64_t)vehva);
    veo_args_set_u64(a, 1, ve_buf);
    veo_args_set_u64(a, 2, SEG_SIZE);
    veo_args_set_u64(a, 3, RESULT_OFF);
    uint64_t ret = 0;
    double t0 = now();
    int st = veo_call_sync(h, fn, a, &ret);
    double t1 = now();
    veo_args_free(a);
    if (st != VEO_COMMAND_OK || (int64_t)ret != 0) {
        fprintf(stderr, "VE function failed: state %d, result %lld\n", st, (long long)(int64_t)ret);
        goto free_ve;
    }
    printf("  VE   : demo_checksum DMA'd %llu MiB into VE memory at 0x%llx, summed it, DMA'd the result back (%.1f ms)\n",
           RESULT_OFF >> 20, (unsigned long long)ve_buf, (t1 - t0) * 1e3);

    /* 5. check both */
    struct demo_result res;
    memcpy(&res, seg + RESULT_OFF, sizeof res);
    int ok_rec = res.magic == DEMO_MAGIC && res.dma_exceptions == 0 && res.words == RESULT_OFF / 4;
    int ok_sum = res.checksum == want;
    char *copy = malloc(1 << 20);
    int ok_mem = copy != NULL;
    for (uint64_t off = 0; ok_mem && off < RESULT_OFF; off += 1 << 20) {
        uint64_t len = RESULT_OFF - off < (1 << 20) ? RESULT_OFF - off : (1 << 20);
        ok_mem = veo_read_mem(h, copy, ve_buf + off, len) == 0 && !memcmp(copy, seg + off, len);
    }
    free(copy);
    printf("  check: result record in the segment ........ %s\n", ok_rec ? "ok" : "WRONG");
    printf("  check: VE checksum %016llx = VH checksum ... %s\n", (unsigned long long)res.checksum,
           ok_sum ? "ok" : "WRONG");
    printf("  check: VE memory holds the segment's data .. %s\n", ok_mem ? "ok" : "WRONG");
    rc = ok_rec && ok_sum && ok_mem ? 0 : 1;

free_ve:
    veo_free_mem(h, ve_buf);
shmdt_ve:
    if (veo_shmdt(h, at)) {
        perror("veo_shmdt");
        rc = 1;
    }
destroy:
    veo_proc_destroy(h);
detach:
    shmdt(seg);
remove:
    if (id >= 0) {
        shmctl(id, IPC_STAT, &ds);
        printf("  clean: shm_nattch back to %lu; segment removed; VE process destroyed\n",
               (unsigned long)ds.shm_nattch);
        shmctl(id, IPC_RMID, NULL);
    }
give_back:
    if (loan.pages) {
        long n = loan.pages;
        rcom_hp_return(&loan, NULL);
        printf("  clean: %ld borrowed huge pages given back (vm.nr_hugepages now %ld)\n", n,
               read_long(RCOM_HP_KNOB, NULL));
    }
    printf("%s\n", rc == 0 ? "VEO demo: OK" : "VEO demo: FAILED");
    return rc;
}
