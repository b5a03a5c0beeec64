/* Several VE processes and contexts at once, driven by several VH threads:
 * one huge-page segment attached by every VE process (nattch counts them
 * all), each VH thread moving its own slice through its own VE process and
 * checking the data; two VH threads sharing one VE process; a VE function on
 * a second context doing VE-side vh_shm* + DMA meanwhile. */
#include "vedma_common.h"
#include <pthread.h>

#define NPROC 3
#define SLICE (8 * MB)

static char *seg;
static int segid;
static key_t segkey;

struct job {
    struct veo_proc_handle *h;
    uint64_t shm_vehva, mem_vehva, ve;
    int slice, rounds, fails;
};

static void *vh_thread(void *arg)
{
    struct job *j = arg;
    char *buf = malloc(SLICE);
    uint64_t off = (uint64_t)j->slice * SLICE;
    for (int r = 0; r < j->rounds; r++) {
        /* SHM slice -> VE memory -> back into the slice's second half */
        if (veo_dma_post_wait(j->h, j->mem_vehva + off, j->shm_vehva + off, SLICE / 2))
            j->fails++;
        if (veo_read_mem(j->h, buf, j->ve + off, SLICE / 2) || memcmp(buf, seg + off, SLICE / 2))
            j->fails++;
        ve_dma_handle_t dh;
        int rc;
        while ((rc = veo_dma_post(j->h, j->shm_vehva + off + SLICE / 2, j->mem_vehva + off,
                                  SLICE / 2, &dh)) == -EAGAIN)
            ;
        if (rc)
            j->fails++;
        while ((rc = veo_dma_poll(j->h, &dh)) == -EAGAIN)
            ;
        if (rc || memcmp(seg + off, seg + off + SLICE / 2, SLICE / 2))
            j->fails++;
    }
    free(buf);
    return NULL;
}

int main(void)
{
    check_begin();
    segkey = vt_key(6);
    segid = vt_hugeseg(segkey, (NPROC + 1) * SLICE, 0600);
    seg = shmat(segid, NULL, 0);
    CHECK(seg != (void *)-1);
    for (size_t i = 0; i < (NPROC + 1) * SLICE; i += 4)
        *(uint32_t *)(seg + i) = (uint32_t)(i ^ 0x9e3779b9u);

    struct veo_proc_handle *h[NPROC];
    void *at[NPROC], *hm[NPROC];
    struct job jobs[NPROC + 1];
    for (int p = 0; p < NPROC; p++) {
        void *v;
        h[p] = vt_proc();
        at[p] = veo_shmat(h[p], segid, NULL, 0, &v);
        CHECK(at[p] != (void *)-1);
        CHECK_EQ(veo_alloc_hmem(h[p], &hm[p], (NPROC + 1) * SLICE), 0);
        uint64_t mv = veo_register_mem_to_dmaatb(hm[p], (NPROC + 1) * SLICE);
        CHECK(mv != (uint64_t)-1);
        jobs[p] = (struct job){ h[p], (uint64_t)v, mv, (uint64_t)veo_get_hmem_addr(hm[p]), p, 20, 0 };
    }
    CHECK_EQ(vt_nattch(segid), NPROC + 1);
    /* a fourth VH thread shares process 0, on slice 3 */
    jobs[NPROC] = jobs[0];
    jobs[NPROC].slice = NPROC;

    /* meanwhile VE code on a second context of process 1 */
    struct veo_thr_ctxt *ctx = veo_context_open(h[1]);
    struct veo_thr_ctxt *ctx2 = veo_context_open(h[1]);
    CHECK(ctx2 != NULL && ctx2 != ctx);
    uint64_t ve2;
    CHECK_EQ(veo_alloc_mem(h[1], &ve2, 4 * MB), 0);
    struct veo_args *a = veo_args_alloc();
    veo_args_set_i64(a, 0, segkey);
    veo_args_set_u64(a, 1, ve2);
    veo_args_set_u64(a, 2, 4 * MB);
    uint64_t req = veo_call_async(ctx2, vt_sym(h[1], "vt_vh_shm_copy"), a);
    CHECK(req != VEO_REQUEST_ID_INVALID);

    pthread_t t[NPROC + 1];
    for (int i = 0; i <= NPROC; i++)
        pthread_create(&t[i], NULL, vh_thread, &jobs[i]);
    for (int i = 0; i <= NPROC; i++) {
        pthread_join(t[i], NULL);
        CHECK_EQ(jobs[i].fails, 0);
    }
    uint64_t r = 1;
    CHECK_EQ(veo_call_wait_result(ctx2, req, &r), VEO_COMMAND_OK);
    CHECK_EQ((int64_t)r, 0);
    char *buf = malloc(4 * MB);
    CHECK_EQ(veo_read_mem(h[1], buf, ve2, 4 * MB), 0);
    CHECK(memcmp(buf, seg, 4 * MB) == 0);
    free(buf);
    veo_args_free(a);
    veo_context_close(ctx2);

    for (int p = 0; p < NPROC; p++) {
        CHECK_EQ(veo_unregister_mem_from_dmaatb(h[p], jobs[p].mem_vehva), 0);
        CHECK_EQ(veo_shmdt(h[p], at[p]), 0);
        CHECK_EQ(vt_nattch(segid), NPROC - p);
        veo_free_hmem(hm[p]);
        veo_proc_destroy(h[p]);
    }
    shmdt(seg);
    shmctl(segid, IPC_RMID, NULL);
    CHECK_EQ(vt_helpers_of_mine(), 0); /* every VE process ended and was reaped */
    return check_end();
}
