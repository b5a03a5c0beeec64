/* ra_mmap, ra_mmapv, ra_attach(R_SUBRANGE / R_SHM) and ra_detach on this
 * machine: the policy the kernel reports for each part of the mapping. */
#define _GNU_SOURCE
#include <string.h>
#include <sys/mman.h>
#include <sys/rset.h>
#include <sys/shm.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "check.h"
#include "rashm.h"

#define MiB (1ul << 20)

static int mode_at(void *addr)
{
    int mode = -1;
    unsigned long mask[16] = {0};
    if (syscall(SYS_get_mempolicy, &mode, mask, 1025UL, addr, 2 /* MPOL_F_ADDR */))
        return -1;
    return mode;
}

int main(void)
{
    check_begin();
    if (!rashm_numa_available())
        return TEST_SKIP;
    rsethandle_t part = rs_alloc(RS_PARTITION);
    rsid_t r;
    memset(&r, 0, sizeof r);
    r.at_rset = part;

    char *a = ra_mmap(NULL, 4 * MiB, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0, R_RSET, r,
                      P_BALANCED);
    CHECK(a != MAP_FAILED);
    if (a != MAP_FAILED) {
        CHECK_EQ(mode_at(a), 3);                 /* MPOL_INTERLEAVE */
        CHECK_EQ(mode_at(a + 4 * MiB - 4096), 3);
        munmap(a, 4 * MiB);
    }

    subrange_t v[2];
    memset(v, 0, sizeof v);
    v[0].su_length = 2 * MiB;
    v[0].su_rstype = R_RSET;
    v[0].su_rsid.at_rset = part;
    v[0].su_policy = P_FIRST_TOUCH;
    v[1].su_offset = 2 * MiB;
    v[1].su_length = 1 * MiB;
    v[1].su_rstype = R_SRADID;
    v[1].su_rsid.at_sradid = 0;
    v[1].su_policy = P_BALANCED;
    a = ra_mmapv(NULL, 4 * MiB, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0, 2, v);
    CHECK(a != MAP_FAILED);
    if (a != MAP_FAILED) {
        /* first touch over the partition's nodes: MPOL_LOCAL when they are
         * every node with memory, else MPOL_PREFERRED_MANY */
        rashm_cpuset_t pc;
        rashm_nodeset_t pn, every;
        rashm_topo_partition(rashm_topo(), &pc, NULL);
        rashm_topo_cpus_to_nodes(rashm_topo(), &pc, &pn);
        rashm_topo_all_nodes(rashm_topo(), &every);
        CHECK_EQ(mode_at(a), rashm_nodeset_equal(&pn, &every) ? 4 : 5);
        CHECK_EQ(mode_at(a + 2 * MiB), 3);       /* SRAD 0, balanced */
        CHECK_EQ(mode_at(a + 3 * MiB), 0);       /* no subrange: left alone */
        /* ra_attach R_SUBRANGE moves a range to another policy, with migration */
        memset(a, 1, 4 * MiB);
        subrange_t s;
        memset(&s, 0, sizeof s);
        s.su_offset = (off64_t)(uintptr_t)(a + 3 * MiB);
        s.su_length = 1 * MiB;
        rsid_t id1;
        memset(&id1, 0, sizeof id1);
        id1.at_subrange = &s;
        CHECK_EQ(ra_attach(R_SUBRANGE, id1, R_RSET, r, P_BALANCED | R_MIGRATE_SYNC), 0);
        CHECK_EQ(mode_at(a + 3 * MiB), 3);
        CHECK_EQ(ra_detach(R_SUBRANGE, id1, R_RSET, id1, 0), 0);
        CHECK_EQ(mode_at(a + 3 * MiB), 0);
        s.su_offset += 100;                      /* not page-aligned */
        CHECK_ERRNO(ra_attach(R_SUBRANGE, id1, R_RSET, r, P_BALANCED), -1, EINVAL);
        munmap(a, 4 * MiB);
    }
    /* failing checks leave no mapping behind: bad subrange, then SRAD 99 */
    v[1].su_rsid.at_sradid = 99;
    errno = 0;
    CHECK(ra_mmapv(NULL, 4 * MiB, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0, 2, v) == MAP_FAILED);
    CHECK_EQ(errno, ENODEV);

    /* ra_attach R_SHM: an existing plain segment gets a placement, visible
     * through ra_get_attachinfo; ra_detach takes it away */
    int id = shmget(IPC_PRIVATE, 4 * MiB, IPC_CREAT | 0600);
    CHECK(id >= 0);
    rsid_t sid;
    memset(&sid, 0, sizeof sid);
    sid.at_shmid = id;
    CHECK(ra_get_attachinfo(R_SHM, sid, 0, 0, 0) == NULL);
    rsid_t srad;
    memset(&srad, 0, sizeof srad);
    srad.at_sradid = 0;
    CHECK_EQ(ra_attach(R_SHM, sid, R_SRADID, srad, P_FIRST_TOUCH | R_MIGRATE_ASYNC), 0);
    attachinfo_t *ai = ra_get_attachinfo(R_SHM, sid, 0, 0, 0);
    CHECK(ai != NULL && ai != (attachinfo_t *)-1);
    if (ai && ai != (attachinfo_t *)-1) {
        CHECK_EQ(ai->at_rstype, R_SRADID);
        CHECK_EQ(ai->at_rsid.at_sradid, 0);
        CHECK_EQ(ai->at_policy, P_FIRST_TOUCH);
        CHECK(ai->next_resource == NULL);
        CHECK_EQ(ra_free_attachinfo(ai), 0);
    }
    char *p = shmat(id, NULL, 0);
    /* shared policy: MPOL_PREFERRED_MANY {SRAD 0's node}, or MPOL_LOCAL
     * when that node is every node with memory (a one-node machine) */
    rashm_nodeset_t all;
    rashm_topo_all_nodes(rashm_topo(), &all);
    CHECK_EQ(mode_at(p), rashm_nodeset_count(&all) == 1 ? 4 : 5);
    shmdt(p);
    CHECK_EQ(ra_detach(R_SHM, sid, R_RSET, sid, 0), 0);
    CHECK(ra_get_attachinfo(R_SHM, sid, 0, 0, 0) == NULL);
    p = shmat(id, NULL, 0);
    CHECK_EQ(mode_at(p), 0);
    shmdt(p);
    CHECK_EQ(shmctl(id, IPC_RMID, NULL), 0);
    rs_free(part);
    return check_end();
}
