/* ra_attach(R_SUBRANGE, ..., R_MIGRATE_ASYNC): pages already placed on one
 * SRAD move to another after the call returns (they are counted with
 * move_pages until they have all moved, for at most 20 s). R_MIGRATE_SYNC:
 * they have all moved when the call returns. Needs two SRADs (a one-SRAD
 * machine checks only that the calls succeed). */
#define _GNU_SOURCE
#include "common.h"
#include <sys/mman.h>
#include <sys/rset.h>
#include <sys/syscall.h>

#define NPAGES 256

static int on_node(char *p, int node)
{
    void *pages[NPAGES];
    int status[NPAGES], n = 0;
    for (int i = 0; i < NPAGES; i++)
        pages[i] = p + (size_t)i * 4096;
    if (syscall(SYS_move_pages, 0, NPAGES, pages, NULL, status, 0))
        return -1;
    for (int i = 0; i < NPAGES; i++)
        n += status[i] == node;
    return n;
}

/* an R_PROCMEM subrange of [p, p + NPAGES pages) */
static void place(char *p, sradid_t srad, uint_t flags, int expect)
{
    subrange_t s;
    memset(&s, 0, sizeof s);
    s.su_offset = (off64_t)(uintptr_t)p;
    s.su_length = NPAGES * 4096;
    s.su_rstype = R_PROCMEM;
    s.su_rsid.at_pid = RS_MYSELF;
    rsid_t sub, to;
    sub.at_subrange = &s;
    to.at_sradid = srad;
    EXPECT(ra_attach(R_SUBRANGE, sub, R_SRADID, to, flags) == expect);
}

static int srad_node(int srad)
{
    /* the memory pool of the SRAD's RAD */
    rsethandle_t all = rs_alloc(RS_SYSTEM), rad = rs_alloc(RS_EMPTY);
    rs_getrad(all, rad, (uint_t)rs_getinfo(NULL, R_SRADSDL, 0), (uint_t)srad, 0);
    int node = -1, max = rs_getinfo(rad, R_MAXMEMPS, 0);
    for (int n = 0; n < max && node < 0; n++)
        if (rs_op(RS_TESTRESOURCE, rad, NULL, R_MEMPS, (uint_t)n) == 1)
            node = n;
    rs_free(all);
    rs_free(rad);
    return node;
}

int main(void)
{
    rsethandle_t all = rs_alloc(RS_SYSTEM);
    int nsrads = rs_numrads(all, (uint_t)rs_getinfo(NULL, R_SRADSDL, 0), 0);
    rs_free(all);
    char *p = mmap(NULL, NPAGES * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    EXPECT(p != MAP_FAILED);
    place(p, 0, P_DEFAULT, 0);
    memset(p, 1, NPAGES * 4096);
    if (nsrads < 2) {
        place(p, 0, P_DEFAULT | R_MIGRATE_ASYNC, 0);
        place(p, 0, P_DEFAULT | R_MIGRATE_SYNC, 0);
        printf("one SRAD: nothing can move\n");
        return finish("migrate_async");
    }
    int n0 = srad_node(0), n1 = srad_node(1);
    EXPECT(on_node(p, n0) == NPAGES);
    place(p, 1, P_DEFAULT | R_MIGRATE_ASYNC, 0);
    int moved = 0;
    for (int i = 0; i < 2000 && moved != NPAGES; i++) {
        moved = on_node(p, n1);
        if (moved != NPAGES)
            usleep(10000);
    }
    printf("async: %d of %d pages on node %d\n", moved, NPAGES, n1);
    EXPECT(moved == NPAGES);
    place(p, 0, P_DEFAULT | R_MIGRATE_SYNC, 0);
    EXPECT(on_node(p, n0) == NPAGES);
    munmap(p, NPAGES * 4096);
    return finish("migrate_async");
}
