/* ra_shmget / ra_shmgetv argument checks and their order, on fake
 * topologies. With a fake topology nothing can be placed, so a call whose
 * arguments pass every check ends in ENOTSUP without creating anything:
 * that is how "valid" is observed here. Real segments: tests/host. */
#define _GNU_SOURCE
#include <string.h>
#include <sys/shm.h>
#include <sys/rset.h>
#include <unistd.h>

#include "check.h"
#include "rashm.h"
#include "topos.h"

#define MiB (1ull << 20)
#define SEG (16 * MiB)

static rsethandle_t all;

static void vec(subrange_t v[2])
{
    memset(v, 0, 2 * sizeof *v);
    v[0].su_offset = 0;
    v[0].su_length = SEG / 2;
    v[0].su_rstype = R_RSET;
    v[0].su_rsid.at_rset = all;
    v[0].su_policy = P_BALANCED;
    v[1].su_offset = SEG / 2;
    v[1].su_length = SEG / 2;
    v[1].su_rstype = R_SRADID;
    v[1].su_rsid.at_sradid = 3;
    v[1].su_policy = P_FIRST_TOUCH;
}

static int getv(subrange_t *v, int n, int flags)
{
    return ra_shmgetv(IPC_PRIVATE, SEG, IPC_CREAT | 0600 | flags, n, v);
}

static void subranges(void)
{
    subrange_t v[2];
    vec(v);
    CHECK_ERRNO(getv(v, 2, 0), -1, ENOTSUP);            /* all valid */
    CHECK_ERRNO(getv(v, 0, 0), -1, EINVAL);
    CHECK_ERRNO(getv(v, -1, 0), -1, EINVAL);
    CHECK_ERRNO(getv(v, RASHM_MAX_RANGES + 1, 0), -1, EINVAL);
    CHECK_ERRNO(getv(NULL, 2, 0), -1, EINVAL);
#define BAD(field, value, err)                       \
    do {                                             \
        vec(v);                                      \
        v[1].field = value;                          \
        CHECK_ERRNO(getv(v, 2, 0), -1, err);         \
    } while (0)
    BAD(su_rstype, R_PROCESS, EINVAL);
    BAD(su_rstype, R_SHM, EINVAL);
    BAD(su_rstype, 77, EINVAL);
    BAD(su_policy, 3, EINVAL);
    BAD(su_policy, P_BALANCED | R_MIGRATE_SYNC, EINVAL);
    BAD(su_rsoffset, 4096, EINVAL);
    BAD(su_rslength, 1, EINVAL);
    BAD(su_offset, SEG / 2 + 100, EINVAL);            /* not page-aligned */
    BAD(su_offset, -4096, EINVAL);
    BAD(su_offset, SEG, EINVAL);                      /* starts at the end */
    BAD(su_length, 100, EINVAL);
    BAD(su_length, SEG, EINVAL);                      /* runs past the end */
    BAD(su_length, 0, ENOTSUP);                       /* 0: to the end, valid */
    BAD(su_rsid.at_sradid, 4, ENODEV);                /* 4 SRADs: 0-3 */
    BAD(su_rsid.at_sradid, -1, ENODEV);
    /* R_RSET with a bad handle or no CPUs */
    vec(v);
    v[0].su_rsid.at_rset = NULL;
    CHECK_ERRNO(getv(v, 2, 0), -1, EINVAL);
    rsethandle_t empty = rs_alloc(RS_EMPTY);
    rs_op(RS_ADDRESOURCE, empty, NULL, R_MEMPS, 0);   /* memory alone names no CPU */
    v[0].su_rsid.at_rset = empty;
    CHECK_ERRNO(getv(v, 2, 0), -1, EINVAL);
    rs_free(empty);
    /* page size is the segment's: huge pages need 2 MiB multiples */
    vec(v);
    v[1].su_offset = SEG / 2 + 4096;
    v[1].su_length = SEG / 2 - 4096;
    CHECK_ERRNO(getv(v, 2, 0), -1, ENOTSUP);
    CHECK_ERRNO(getv(v, 2, SHM_HUGETLB), -1, EINVAL);
    CHECK_ERRNO(getv(v, 2, SHM_LGPAGE | SHM_PIN), -1, EINVAL);
    vec(v);
    CHECK_ERRNO(getv(v, 2, SHM_HUGETLB), -1, ENOTSUP);
    /* order: every EINVAL before any ENODEV, whatever the subrange */
    vec(v);
    v[0].su_rstype = R_SRADID;
    v[0].su_rsid.at_sradid = 9;
    v[1].su_policy = 7;
    CHECK_ERRNO(getv(v, 2, 0), -1, EINVAL);
    /* enhanced affinity off: ENOTSUP before ENODEV, R_RSET unaffected */
    setenv("RASHM_ENHANCED_AFFINITY", "0", 1);
    vec(v);
    v[1].su_rsid.at_sradid = 9;
    CHECK_ERRNO(getv(v, 2, 0), -1, ENOTSUP);
    CHECK_ERRNO(ra_shmget(IPC_PRIVATE, SEG, IPC_CREAT | 0600, R_SRADID, v[1].su_rsid, P_DEFAULT), -1, ENOTSUP);
    unsetenv("RASHM_ENHANCED_AFFINITY");
}

static void single(void)
{
    rsid_t r;
    memset(&r, 0, sizeof r);
    r.at_rset = all;
    CHECK_ERRNO(ra_shmget(IPC_PRIVATE, SEG, IPC_CREAT | 0600, R_RSET, r, P_BALANCED), -1, ENOTSUP);
    CHECK_ERRNO(ra_shmget(IPC_PRIVATE, SEG, IPC_CREAT | 0600, R_NADA, r, P_BALANCED), -1, EINVAL);
    CHECK_ERRNO(ra_shmget(IPC_PRIVATE, SEG, IPC_CREAT | 0600, R_SUBRANGE, r, P_BALANCED), -1, EINVAL);
    CHECK_ERRNO(ra_shmget(IPC_PRIVATE, SEG, IPC_CREAT | 0600, R_RSET, r, 3), -1, EINVAL);
    CHECK_ERRNO(ra_shmget(IPC_PRIVATE, SEG, IPC_CREAT | 0600, R_RSET, r, P_DEFAULT | R_ATTACH_STRSET), -1, EINVAL);
    /* rstype is checked before att_flags and before the handle */
    r.at_rset = NULL;
    CHECK_ERRNO(ra_shmget(IPC_PRIVATE, SEG, IPC_CREAT | 0600, 99, r, 99), -1, EINVAL);
    CHECK_ERRNO(ra_shmget(IPC_PRIVATE, SEG, IPC_CREAT | 0600, R_RSET, r, P_DEFAULT), -1, EINVAL);
    memset(&r, 0, sizeof r);
    r.at_sradid = 2;
    CHECK_ERRNO(ra_shmget(IPC_PRIVATE, SEG, IPC_CREAT | 0600, R_SRADID, r, P_FIRST_TOUCH), -1, ENOTSUP);
    r.at_sradid = 4;
    CHECK_ERRNO(ra_shmget(IPC_PRIVATE, SEG, IPC_CREAT | 0600, R_SRADID, r, P_FIRST_TOUCH), -1, ENODEV);
    CHECK_ERRNO(ra_shmget(IPC_PRIVATE, SEG, IPC_CREAT | 0600, R_SRADID, r, 5), -1, EINVAL);
}

/* EPERM: a partition narrower than the machine (fake topology whose
 * allowed cpuset is package 0 only). */
static void partition(void)
{
    char path[128];
    CHECK_EQ(write_tmp_xml(TOPO_XML_MEMONLY_PART0, "part0", path, sizeof path), 0);
    unsetenv("RASHM_TOPOLOGY_SYNTHETIC");
    setenv("RASHM_TOPOLOGY_XML", path, 1);
    rsethandle_t machine = rs_alloc(RS_ALL), part = rs_alloc(RS_PARTITION);
    rsid_t r;
    memset(&r, 0, sizeof r);
    r.at_rset = machine;
    CHECK_ERRNO(ra_shmget(IPC_PRIVATE, SEG, IPC_CREAT | 0600, R_RSET, r, P_BALANCED), -1, EPERM);
    r.at_rset = part;
    CHECK_ERRNO(ra_shmget(IPC_PRIVATE, SEG, IPC_CREAT | 0600, R_RSET, r, P_BALANCED), -1, ENOTSUP);
    memset(&r, 0, sizeof r);
    r.at_sradid = 1;                      /* package 1's node: CPUs outside the partition */
    CHECK_ERRNO(ra_shmget(IPC_PRIVATE, SEG, IPC_CREAT | 0600, R_SRADID, r, P_BALANCED), -1, EPERM);
    r.at_sradid = 0;
    CHECK_ERRNO(ra_shmget(IPC_PRIVATE, SEG, IPC_CREAT | 0600, R_SRADID, r, P_BALANCED), -1, ENOTSUP);
    r.at_sradid = 2;                      /* the memory-only node is no SRAD */
    CHECK_ERRNO(ra_shmget(IPC_PRIVATE, SEG, IPC_CREAT | 0600, R_SRADID, r, P_BALANCED), -1, ENODEV);
    /* order: ENODEV (any subrange) before EPERM (any subrange) */
    subrange_t v[2];
    memset(v, 0, sizeof v);
    v[0].su_length = SEG / 2;
    v[0].su_rstype = R_RSET;
    v[0].su_rsid.at_rset = machine;
    v[1].su_offset = SEG / 2;
    v[1].su_rstype = R_SRADID;
    v[1].su_rsid.at_sradid = 5;
    CHECK_ERRNO(ra_shmgetv(IPC_PRIVATE, SEG, IPC_CREAT | 0600, 2, v), -1, ENODEV);
    v[1].su_rsid.at_sradid = 0;
    CHECK_ERRNO(ra_shmgetv(IPC_PRIVATE, SEG, IPC_CREAT | 0600, 2, v), -1, EPERM);
    rs_free(machine);
    rs_free(part);
    unlink(path);
    unsetenv("RASHM_TOPOLOGY_XML");
}

static void others(void)
{
    rsid_t r;
    memset(&r, 0, sizeof r);
    r.at_rset = all;
    rsid_t id1;
    memset(&id1, 0, sizeof id1);
    id1.at_shmid = 0;
    CHECK_ERRNO(ra_attach(R_NADA, id1, R_RSET, r, P_BALANCED), -1, EINVAL);
    /* process 0 does not exist (RS_MYSELF names this one) */
    CHECK_ERRNO(ra_attach(R_PROCESS, id1, R_RSET, r, P_BALANCED), -1, ESRCH);
    CHECK_ERRNO(ra_attach(R_SHM, id1, R_SHM, r, P_BALANCED), -1, EINVAL);
    CHECK_ERRNO(ra_attach(R_SHM, id1, R_RSET, r, 0x10000), -1, EINVAL);
    CHECK_ERRNO(ra_attach(R_SHM, id1, R_RSET, r, 3), -1, EINVAL);
    id1.at_subrange = NULL;
    CHECK_ERRNO(ra_attach(R_SUBRANGE, id1, R_RSET, r, P_BALANCED), -1, EINVAL);
    CHECK_ERRNO(ra_detach(R_SHM, id1, R_RSET, id1, 1), -1, EINVAL);
    CHECK_ERRNO(ra_detach(R_NADA, id1, R_RSET, id1, 0), -1, EINVAL);
    CHECK(ra_get_attachinfo(R_SHM, id1, 0, 0, 1) == (attachinfo_t *)-1);
    CHECK_EQ(errno, EINVAL);
    CHECK(ra_get_attachinfo(R_FILDES, id1, 0, 0, 0) == (attachinfo_t *)-1);
    CHECK_EQ(errno, EINVAL);
    CHECK_ERRNO(ra_free_attachinfo(NULL), -1, EINVAL);
    CHECK_ERRNO(ra_free_attachinfo((attachinfo_t *)-1), -1, EINVAL);
    /* ra_mmap: same checks, then ENOTSUP on a fake topology, nothing mapped */
    errno = 0;
    CHECK(ra_mmap(NULL, SEG, 3, 0x22, -1, 0, R_RSET, r, 9) == (void *)-1);
    CHECK_EQ(errno, EINVAL);
    errno = 0;
    CHECK(ra_mmap(NULL, SEG, 3, 0x22, -1, 0, R_RSET, r, P_BALANCED) == (void *)-1);
    CHECK_EQ(errno, ENOTSUP);
}

int main(void)
{
    check_begin();
    setenv("RASHM_TOPOLOGY_SYNTHETIC", TOPO_PACK2, 1);
    all = rs_alloc(RS_ALL);
    CHECK(all != NULL);
    subranges();
    single();
    others();
    partition();
    setenv("RASHM_TOPOLOGY_SYNTHETIC", TOPO_PACK2, 1);
    rs_free(all);
    return check_end();
}
