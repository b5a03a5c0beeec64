/* Host-memory loads and stores of VE code (<rashm_ve_hostmem.h>) end to
 * end: 8- and 4-byte loads and stores through a VH-VE SHM attach seen by
 * the VH's own mapping of the segment (and the other way), through VE
 * memory registered in the DMAATB, ordering with the fences against a VH
 * thread, the clocks' ordering and plausible rates; and the VE exceptions:
 * a VEHVA nothing translates, a store into an SHM_RDONLY attach, a
 * misaligned access, a store to the system timer. */
#include "vedma_common.h"

#include <pthread.h>
#include <stdatomic.h>
#include <sys/shm.h>

static uint64_t lib_sym(struct veo_proc_handle *h, const char *name)
{
    uint64_t lib = veo_load_library(h, HOSTMEM_VE_LIB);
    uint64_t s = lib ? veo_get_sym(h, lib, name) : 0;
    if (!s) {
        fprintf(stderr, "cannot find %s in %s\n", name, HOSTMEM_VE_LIB);
        exit(1);
    }
    return s;
}

/* runs fn(a0, a1, a2, a3) in h; the command state, *ret its value */
static int ve(struct veo_proc_handle *h, const char *fn, uint64_t a0, uint64_t a1, uint64_t a2,
              uint64_t a3, uint64_t *ret)
{
    struct veo_args *a = veo_args_alloc();
    uint64_t r = 0;
    veo_args_set_u64(a, 0, a0);
    veo_args_set_u64(a, 1, a1);
    veo_args_set_u64(a, 2, a2);
    veo_args_set_u64(a, 3, a3);
    /* the VEO_COMMAND_* state (veo_call_sync answers only 0/-1, as AVEO's);
     * the first context opened is the main one */
    struct veo_thr_ctxt *c = veo_get_context(h, 0);
    if (!c)
        c = veo_context_open(h);
    uint64_t id = veo_call_async(c, lib_sym(h, fn), a);
    int st = id == VEO_REQUEST_ID_INVALID ? -1 : veo_call_wait_result(c, id, &r);
    veo_args_free(a);
    if (ret)
        *ret = r;
    return st;
}

static uint64_t ok(struct veo_proc_handle *h, const char *fn, uint64_t a0, uint64_t a1)
{
    uint64_t r = 0;
    CHECK_EQ(ve(h, fn, a0, a1, 0, 0, &r), VEO_COMMAND_OK);
    return r;
}

/* A fresh VE process, the segment attached read-write (*vehva) and
 * read-only (*vehva_ro). */
static struct veo_proc_handle *setup(int id, uint64_t *vehva, uint64_t *vehva_ro)
{
    struct veo_proc_handle *h = vt_proc();
    void *v = NULL, *vr = NULL;
    CHECK(veo_shmat(h, id, NULL, 0, &v) != (void *)-1);
    CHECK(veo_shmat(h, id, NULL, SHM_RDONLY, &vr) != (void *)-1);
    *vehva = (uint64_t)(uintptr_t)v;
    *vehva_ro = (uint64_t)(uintptr_t)vr;
    return h;
}

/* One VE call that must end in an exception; the process goes with it. */
static void exception_case(int id, const char *what, const char *fn, int ro, uint64_t off,
                           uint64_t abs_addr)
{
    uint64_t vehva, vehva_ro, r;
    struct veo_proc_handle *h = setup(id, &vehva, &vehva_ro);
    uint64_t addr = abs_addr ? abs_addr : (ro ? vehva_ro : vehva) + off;
    int st = ve(h, fn, addr, 0x42, 0, 0, &r);
    if (st != VEO_COMMAND_EXCEPTION)
        fprintf(stderr, "%s: state %d\n", what, st);
    CHECK_EQ(st, VEO_COMMAND_EXCEPTION);
    CHECK_EQ(veo_proc_destroy(h), 0);
}

struct vh_reader {
    volatile uint64_t *seg;
    uint64_t n, seq, bad;
    int seen;
};

/* VH side of the store-fence check: once the flag shows seq, every word
 * stored before the fence must be there */
static void *reader(void *arg)
{
    struct vh_reader *r = arg;
    double end = 0;
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    end = (double)ts.tv_sec + 10;
    for (;;) {
        if (__atomic_load_n(&r->seg[0], __ATOMIC_ACQUIRE) == r->seq)
            break;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        if ((double)ts.tv_sec > end)
            return NULL;
    }
    r->seen = 1;
    for (uint64_t i = 0; i < r->n; i++)
        r->bad += r->seg[8 + i] != r->seq * 1000000 + i;
    return NULL;
}

int main(void)
{
    check_begin();
    key_t key = vt_key(9);
    int id = vt_hugeseg(key, 2 * MB, 0600);
    volatile uint64_t *seg = shmat(id, NULL, 0);
    CHECK(seg != (void *)-1);
    uint64_t vehva, vehva_ro, r;
    struct veo_proc_handle *h = setup(id, &vehva, &vehva_ro);

    /* 8- and 4-byte stores from VE code, seen by the VH's mapping */
    ok(h, "hm_st64", vehva + 64, 0x0123456789abcdefull);
    CHECK_EQ(seg[8], 0x0123456789abcdefull);
    ok(h, "hm_st32", vehva + 2 * MB - 4, 0xfeedbeefu);
    CHECK_EQ(((volatile uint32_t *)seg)[2 * MB / 4 - 1], 0xfeedbeefu);
    ok(h, "hm_st32", vehva + 68, 0x55aa55aau); /* the high half of seg[8] */
    CHECK_EQ(seg[8], 0x55aa55aa89abcdefull);
    /* loads: what the VH wrote, through both attaches (read-only loads fine) */
    seg[100] = 0xa5a5a5a5deadbeefull;
    CHECK_EQ(ok(h, "hm_ld64", vehva + 800, 0), 0xa5a5a5a5deadbeefull);
    CHECK_EQ(ok(h, "hm_ld64", vehva_ro + 800, 0), 0xa5a5a5a5deadbeefull);
    CHECK_EQ(ok(h, "hm_ld32", vehva + 800, 0) & 0xffffffffu, 0xdeadbeefu);
    CHECK_EQ(ok(h, "hm_ld32", vehva_ro + 804, 0) & 0xffffffffu, 0xa5a5a5a5u);
    /* the system timer at its VEHVA: two reads, in order, not zero */
    uint64_t s1 = ok(h, "hm_ld64", 0x1000, 0), s2 = ok(h, "hm_ld64", 0x1000, 0);
    CHECK(s1 > 0 && s2 >= s1);

    /* VE memory registered in the DMAATB */
    CHECK_EQ(ok(h, "hm_vemem", 0, 0), 0);

    /* store fence: a VH thread that sees the flag sees every word before it */
    for (uint64_t seq = 1; seq <= 3; seq++) {
        struct vh_reader rd = {seg, 200, seq, 0, 0};
        pthread_t t;
        CHECK_EQ(pthread_create(&t, NULL, reader, &rd), 0);
        CHECK_EQ(ve(h, "hm_publish", vehva + 64, 200, vehva, seq, &r), VEO_COMMAND_OK);
        pthread_join(t, NULL);
        CHECK(rd.seen);
        CHECK_EQ(rd.bad, 0);
    }
    /* load fence: VE code that sees the VH's flag sees the words before it */
    {
        seg[0] = 0;
        struct veo_thr_ctxt *c = veo_context_open(h);
        struct veo_args *a = veo_args_alloc();
        veo_args_set_u64(a, 0, vehva + 64);
        veo_args_set_u64(a, 1, 200);
        veo_args_set_u64(a, 2, vehva);
        veo_args_set_u64(a, 3, 7);
        uint64_t req = veo_call_async(c, lib_sym(h, "hm_consume"), a);
        for (uint64_t i = 0; i < 200; i++)
            seg[8 + i] = 7 * 1000000 + i;
        __atomic_store_n(&seg[0], 7, __ATOMIC_RELEASE);
        CHECK_EQ(veo_call_wait_result(c, req, &r), VEO_COMMAND_OK);
        CHECK_EQ(r, 0);
        veo_args_free(a);
    }

    /* clocks: monotonic, rates plausible against the host clock (1.4 GHz
     * and 800 MHz; wide bounds: this checks the scale, not the timing) */
    {
        uint64_t out[5] = {0};
        struct veo_args *a = veo_args_alloc();
        veo_args_set_u64(a, 0, 50);
        veo_args_set_stack(a, VEO_INTENT_OUT, 1, (char *)out, sizeof out);
        CHECK_EQ(veo_call_sync(h, lib_sym(h, "hm_clocks"), a, &r), VEO_COMMAND_OK);
        veo_args_free(a);
        CHECK_EQ(out[0], 1);
        CHECK(out[4] > 10);
        CHECK(out[3] >= 50000000u);
        double ghz = (double)out[1] / (double)out[3], stm = (double)out[2] / (double)out[3];
        if (ghz < 1.2 || ghz > 1.6 || stm < 0.6 || stm > 1.0)
            fprintf(stderr, "usrcc %.3f GHz, STM %.3f GHz\n", ghz, stm);
        CHECK(ghz > 1.2 && ghz < 1.6);
        CHECK(stm > 0.6 && stm < 1.0);
    }
    CHECK_EQ(veo_proc_destroy(h), 0);

    /* VE exceptions: each ends its call with VEO_COMMAND_EXCEPTION */
    seg[8] = 0x55aa55aa89abcdefull;
    exception_case(id, "unregistered VEHVA", "hm_ld64", 0, 0, 0x8f00000000ull);
    exception_case(id, "outside every region", "hm_st32", 0, 0, 0x100000000000ull);
    exception_case(id, "store to SHM_RDONLY", "hm_st64", 1, 64, 0);
    exception_case(id, "4-byte store to SHM_RDONLY", "hm_st32", 1, 64, 0);
    exception_case(id, "misaligned load", "hm_ld64", 0, 4, 0);
    exception_case(id, "past the registration", "hm_ld64", 0, 4 * MB, 0);
    exception_case(id, "store to the system timer", "hm_st64", 0, 0, 0x1000);
    /* the failed stores changed nothing */
    CHECK_EQ(seg[8], 0x55aa55aa89abcdefull);

    CHECK_EQ(vt_helpers_of_mine(), 0);
    shmdt((void *)seg);
    shmctl(id, IPC_RMID, NULL);
    return check_end();
}
