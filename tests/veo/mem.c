/* VE memory: alloc/free, capacity (ENOMEM), read/write of all sizes, VE
 * addresses fault on the VH, library data, and hmem. */
#include "veo_test.h"

#include <errno.h>
#include <sys/wait.h>

int main(void)
{
    check_begin();
    setenv("RASHM_VE_MEM_SIZE", "256M", 1);
    struct veo_setup s;
    if (veo_setup(&s, 0, VE_TESTLIB, 0))
        return check_end();
    struct veo_proc_handle *h = s.h;
    uint64_t lib = s.lib;

    /* alloc / free / capacity */
    uint64_t a1, a2, a3;
    CHECK_EQ(veo_alloc_mem(h, &a1, 1000), 0);
    CHECK_EQ(veo_alloc_mem(h, &a2, 100u << 20), 0);
    CHECK(a1 != a2);
    CHECK_EQ(a2 % (64u << 20), 0); /* big blocks are DMAATB-aligned */
    CHECK_ERRNO(veo_alloc_mem(h, &a3, 200u << 20), -1, ENOMEM); /* only ~156 MiB left */
    CHECK_ERRNO(veo_alloc_mem(h, &a3, 0), -1, EINVAL);
    CHECK_EQ(veo_free_mem(h, a2), 0);
    CHECK_EQ(veo_alloc_mem(h, &a3, 150u << 20), 0); /* room again */
    CHECK_EQ(veo_free_mem(h, a3), 0);
    CHECK_EQ(veo_free_mem(h, a3), -1); /* twice */
    CHECK_EQ(veo_free_mem(h, 0x1234), -1); /* never allocated */
    CHECK_EQ(veo_free_mem(h, a1 + 8), -1); /* inside a block */

    /* fill the node with small blocks, free every other, coalesce */
    enum { NB = 2000 };
    static uint64_t blk[NB];
    int got = 0;
    for (int i = 0; i < NB; i++)
        got += veo_alloc_mem(h, &blk[i], 4096) == 0;
    CHECK_EQ(got, NB);
    for (int i = 0; i < NB; i += 2)
        CHECK_EQ(veo_free_mem(h, blk[i]), 0);
    for (int i = 1; i < NB; i += 2)
        CHECK_EQ(veo_free_mem(h, blk[i]), 0);
    CHECK_EQ(veo_free_mem(h, a1), 0);
    CHECK_EQ(veo_alloc_mem(h, &a3, 250u << 20), 0); /* everything came back */
    CHECK_EQ(veo_free_mem(h, a3), 0);

    /* read/write at many sizes and offsets */
    size_t max = 32u << 20;
    unsigned char *src = malloc(max), *dst = malloc(max);
    for (size_t i = 0; i < max; i++)
        src[i] = (unsigned char)(i * 31 + 7);
    uint64_t buf;
    CHECK_EQ(veo_alloc_mem(h, &buf, max + 64), 0);
    size_t sizes[] = {1, 7, 8, 100, 4095, 4096, 4097, 65536, 1u << 20, 5u << 20, max};
    for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
        size_t sz = sizes[k], off = k % 5;
        memset(dst, 0, sz);
        CHECK_EQ(veo_write_mem(h, buf + off, src, sz), 0);
        CHECK_EQ(veo_read_mem(h, dst, buf + off, sz), 0);
        CHECK(memcmp(src, dst, sz) == 0);
    }
    /* VE code sees what the VH wrote, and the VH sees what VE code wrote */
    struct veo_args *a = veo_args_alloc();
    uint64_t v = 0x0123456789abcdefull, r = 0;
    CHECK_EQ(veo_write_mem(h, buf, &v, 8), 0);
    veo_args_set_u64(a, 0, buf);
    CHECK_EQ(veo_call_sync(h, sym(h, lib, "ve_load"), a, &r), VEO_COMMAND_OK);
    CHECK_EQ(r, v);
    veo_args_set_u64(a, 1, 0x55aa55aa55aa55aaull);
    CHECK_EQ(veo_call_sync(h, sym(h, lib, "ve_store"), a, &r), VEO_COMMAND_OK);
    CHECK_EQ(veo_read_mem(h, &r, buf, 8), 0);
    CHECK_EQ(r, 0x55aa55aa55aa55aaull);

    /* data of a VE library, by symbol */
    uint64_t counter = sym(h, lib, "ve_counter");
    CHECK_EQ(veo_read_mem(h, &r, counter, 8), 0);
    CHECK_EQ(r, 42);
    char msg[64];
    CHECK_EQ(veo_read_mem(h, msg, sym(h, lib, "ve_message"), sizeof msg), 0);
    CHECK(strcmp(msg, "hello from the VE") == 0);

    /* bad VE addresses fail, they do not crash the VE process */
    CHECK(veo_read_mem(h, &r, 8, 8) < 0);
    CHECK(veo_write_mem(h, 8, &v, 8) < 0);
    CHECK(veo_read_mem(h, dst, 8, 1u << 20) < 0);
    CHECK(veo_write_mem(h, 16, src, 1u << 20) < 0);
    CHECK_EQ(veo_read_mem(h, &r, buf, 8), 0); /* still alive */
    CHECK_EQ(veo_read_mem(NULL, &r, buf, 8), -1);

    /* a VE address is not a VH pointer: dereferencing it on the VH faults */
    pid_t p = fork();
    if (p == 0) {
        signal(SIGSEGV, SIG_DFL); /* not a sanitizer's report: the plain fault */
        volatile uint64_t x = *(volatile uint64_t *)(uintptr_t)buf;
        (void)x;
        _exit(0);
    }
    int st = 0;
    waitpid(p, &st, 0);
    CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGSEGV);

    /* hmem */
    void *hm = NULL, *hm2 = NULL;
    CHECK_EQ(veo_alloc_hmem(h, &hm, 1u << 20), 0);
    CHECK(veo_is_ve_addr(hm));
    CHECK(!veo_is_ve_addr(src));
    CHECK_EQ(veo_get_proc_identifier_from_hmem(hm), veo_proc_identifier(h));
    CHECK(veo_get_proc_handle_from_hmem(hm) == h);
    CHECK(veo_get_proc_handle_from_hmem(src) == NULL);
    CHECK_EQ(veo_get_pid_from_hmem(hm), veo_get_pid_from_hmem(hm)); /* stable */
    CHECK(veo_get_pid_from_hmem(hm) > 0 && is_helper(veo_get_pid_from_hmem(hm)));
    uint64_t hve = (uint64_t)(uintptr_t)veo_get_hmem_addr(hm);
    CHECK(hve >= 0x200000000000ull && hve < 0x210000000000ull);
    CHECK(veo_set_proc_identifier((void *)(uintptr_t)hve, veo_proc_identifier(h)) == hm);
    CHECK_EQ(veo_hmemcpy(hm, src, 1u << 20), 0);          /* VH -> VE */
    memset(dst, 0, 1u << 20);
    CHECK_EQ(veo_read_mem(h, dst, hve, 1u << 20), 0);
    CHECK(memcmp(src, dst, 1u << 20) == 0);
    CHECK_EQ(veo_alloc_hmem(h, &hm2, 1u << 20), 0);
    CHECK_EQ(veo_hmemcpy(hm2, hm, 1u << 20), 0);          /* VE -> VE */
    memset(dst, 0, 1u << 20);
    CHECK_EQ(veo_hmemcpy(dst, hm2, 1u << 20), 0);         /* VE -> VH */
    CHECK(memcmp(src, dst, 1u << 20) == 0);
    CHECK_EQ(veo_hmemcpy(dst, src, 100), 0);              /* VH -> VH */
    /* hmem as a call argument: the VE function gets the tagged pointer, as
     * in AVEO, and strips it (veo_get_hmem_addr of <veo_ve.h>) */
    veo_args_clear(a);
    CHECK_EQ(veo_args_set_hmem(a, 0, hm), 0);
    CHECK_EQ(veo_call_sync(h, sym(h, lib, "ve_hmem_load"), a, &r), VEO_COMMAND_OK);
    uint64_t first8;
    memcpy(&first8, src, 8);
    CHECK_EQ(r, first8);
    /* ... or uses it as it is, as AVEO's VE code may on the card: a load, a
     * store seen by the VH, and the same memory under its VE address */
    CHECK_EQ(veo_call_sync(h, sym(h, lib, "ve_hmem_load_direct"), a, &r), VEO_COMMAND_OK);
    CHECK_EQ(r, first8);
    veo_args_set_u64(a, 1, 0x5a5a0123456789a5ull);
    CHECK_EQ(veo_call_sync(h, sym(h, lib, "ve_hmem_store_direct"), a, &r), VEO_COMMAND_OK);
    uint64_t back8 = 0;
    CHECK_EQ(veo_read_mem(h, &back8, hve, 8), 0);
    CHECK_EQ(back8, 0x5a5a0123456789a5ull);
    CHECK_EQ(veo_write_mem(h, hve, src, 8), 0);
    /* a plain VE address is no hmem pointer, on either side (AVEO: untagged) */
    CHECK(!veo_is_ve_addr((void *)(uintptr_t)hve));
    veo_args_clear(a);
    veo_args_set_u64(a, 0, hve);
    CHECK_EQ(veo_call_sync(h, sym(h, lib, "ve_is_hmem"), a, &r), VEO_COMMAND_OK);
    CHECK_EQ(r, 0);
    veo_args_set_u64(a, 0, (uint64_t)(uintptr_t)hm);
    CHECK_EQ(veo_call_sync(h, sym(h, lib, "ve_is_hmem"), a, &r), VEO_COMMAND_OK);
    CHECK_EQ(r, 1);
    veo_args_clear(a);
    /* a plain VH pointer is passed as it is and is no VE address there */
    CHECK_EQ(veo_args_set_hmem(a, 0, src), 0);
    CHECK_EQ(veo_call_sync(h, sym(h, lib, "ve_hmem_load"), a, &r), VEO_COMMAND_OK);
    CHECK_EQ(r, 0xbad);
    /* another process's hmem copy: VE(h) -> VE(h2) */
    struct veo_proc_handle *h2 = veo_proc_create(0);
    CHECK(h2 != NULL);
    void *hm3 = NULL;
    CHECK_EQ(veo_alloc_hmem(h2, &hm3, 1u << 20), 0);
    CHECK(veo_get_proc_handle_from_hmem(hm3) == h2);
    CHECK_EQ(veo_hmemcpy(hm3, hm, 1u << 20), 0);
    memset(dst, 0, 1u << 20);
    CHECK_EQ(veo_hmemcpy(dst, hm3, 1u << 20), 0);
    CHECK(memcmp(src, dst, 1u << 20) == 0);
    CHECK_EQ(veo_free_hmem(hm3), 0);
    CHECK_EQ(veo_free_hmem(hm3), -1);
    veo_proc_destroy(h2);
    CHECK(veo_get_proc_handle_from_hmem(hm3) == NULL || veo_get_proc_handle_from_hmem(hm3) == h);
    CHECK_EQ(veo_free_hmem(hm), 0);
    CHECK_EQ(veo_free_hmem(hm2), 0);
    /* AVEO: without a process, hmem is VH memory; veo_free_hmem frees a
     * plain VH pointer */
    void *vh = NULL;
    CHECK_EQ(veo_alloc_hmem(NULL, &vh, 4096), 0);
    CHECK(vh != NULL && !veo_is_ve_addr(vh));
    CHECK_EQ(veo_hmemcpy(vh, src, 4096), 0);
    CHECK(memcmp(vh, src, 4096) == 0);
    CHECK_EQ(veo_free_hmem(vh), 0);

    CHECK_EQ(veo_free_mem(h, buf), 0);
    veo_args_free(a);
    free(src);
    free(dst);
    CHECK_EQ(veo_proc_destroy(h), 0);
    return check_end();
}
