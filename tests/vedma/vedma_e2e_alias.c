/* Attack (issue 7, defect 9): one segment attached twice gives two VEHVAs
 * for the same pages. An overlapping DMA between the two views must give
 * the bytes memmove gives on the segment (checked against memmove on a copy
 * made by the VH), whatever the order of the two views' host addresses and
 * of the offsets, for small and large transfers. The same between a
 * vh_shmat view and VE code's own attach of the segment registered as VE
 * memory. Non-overlapping copies between the views, too. */
#include "vedma_common.h"

#define SEG (16 * MB)

static char *seg, *ref;

static void fill(void)
{
    for (size_t i = 0; i < SEG; i += 4)
        *(uint32_t *)(seg + i) = (uint32_t)(i * 2654435761u) ^ 0x5a5a0000u;
    memcpy(ref, seg, SEG);
}

/* the segment holds what memmove on the reference gives */
static int matches(uint64_t dst_off, uint64_t src_off, size_t n)
{
    memmove(ref + dst_off, ref + src_off, n);
    return memcmp(seg, ref, SEG) == 0;
}

int main(void)
{
    check_begin();
    int id = vt_hugeseg(vt_key(6), SEG, 0600);
    seg = shmat(id, NULL, 0);
    CHECK(seg != (void *)-1);
    ref = malloc(SEG);
    struct veo_proc_handle *h = vt_proc();
    void *v1, *v2;
    void *a1 = veo_shmat(h, id, NULL, 0, &v1);
    void *a2 = veo_shmat(h, id, NULL, 0, &v2);
    CHECK(a1 != (void *)-1 && a2 != (void *)-1);
    CHECK(v1 != v2 && a1 != a2); /* two views */
    uint64_t w[2] = { (uint64_t)v1, (uint64_t)v2 };

    /* dst view, src view, dst offset, src offset, size */
    static const struct {
        uint64_t d, s;
        size_t n;
    } cases[] = {
        { 0, 4, 4096 },                  /* small, 4 bytes apart, both ways */
        { 4, 0, 4096 },
        { 1000, 0, 64 * 1024 },
        { 0, 4096 + 8, 64 * 1024 },
        { 0, 4, 4 * MB },                /* large: many bounce pieces */
        { 4, 0, 4 * MB },
        { 3 * MB, 2 * MB + 4096, 5 * MB }, /* across huge pages */
        { 2 * MB + 4096, 3 * MB, 5 * MB },
        { 100, 100, 1 * MB },            /* the same bytes */
        { 0, 8 * MB, 8 * MB },           /* no overlap */
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++)
        for (int dv = 0; dv < 2; dv++) {
            fill();
            int r = veo_dma_post_wait(h, w[dv] + cases[c].d, w[!dv] + cases[c].s,
                                      (int)cases[c].n);
            CHECK_EQ(r, 0);
            if (!matches(cases[c].d, cases[c].s, cases[c].n)) {
                fprintf(stderr, "case %zu (dst view %d): wrong bytes\n", c, dv);
                CHECK(0);
            }
        }
    /* the same view: an ordinary overlapping copy */
    fill();
    CHECK_EQ(veo_dma_post_wait(h, w[0], w[0] + 4, 4 * MB), 0);
    CHECK(matches(0, 4, 4 * MB));

    /* VE code attaches the segment itself and registers that view as VE
     * memory: it aliases the vh_shmat view */
    static const struct {
        int64_t d, s, n, vemem_dst;
    } vc[] = {
        { 0, 4, 4 * MB, 1 }, { 4, 0, 4 * MB, 1 }, { 0, 4, 4 * MB, 0 }, { 4, 0, 4 * MB, 0 },
        { 8, 0, 4096, 1 },   { 0, 8, 4096, 0 },
    };
    for (size_t c = 0; c < sizeof vc / sizeof vc[0]; c++) {
        fill();
        uint64_t r = 1;
        struct veo_args *a = veo_args_alloc();
        veo_args_set_i64(a, 0, id);
        veo_args_set_u64(a, 1, w[0]);
        veo_args_set_i64(a, 2, vc[c].d);
        veo_args_set_i64(a, 3, vc[c].s);
        veo_args_set_i64(a, 4, vc[c].n);
        veo_args_set_i64(a, 5, vc[c].vemem_dst);
        CHECK_EQ(veo_call_sync(h, vt_sym(h, "vt_alias_vemem"), a, &r), VEO_COMMAND_OK);
        veo_args_free(a);
        CHECK_EQ((int64_t)r, 0);
        if (!matches((uint64_t)vc[c].d, (uint64_t)vc[c].s, (size_t)vc[c].n)) {
            fprintf(stderr, "VE-memory view case %zu: wrong bytes\n", c);
            CHECK(0);
        }
    }

    CHECK_EQ(veo_shmdt(h, a1), 0);
    CHECK_EQ(veo_shmdt(h, a2), 0);
    CHECK_EQ(vt_nattch(id), 1);
    veo_proc_destroy(h);
    shmdt(seg);
    shmctl(id, IPC_RMID, NULL);
    free(ref);
    CHECK_EQ(vt_helpers_of_mine(), 0);
    return check_end();
}
