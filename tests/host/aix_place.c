/* ra_shmget / ra_shmgetv on this machine for every policy, both attachment
 * types and one page size (argv[1]: "4k" or "huge"): the call succeeds,
 * ra_get_attachinfo reports per range the type, the resource and the policy
 * that were asked for, and the memory really lives on a node of the set
 * (move_pages, the kernel's answer, not the library's). */
#define _GNU_SOURCE
#include "check.h"
#include "host.h"

#include <numaif.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/rset.h>

static rsethandle_t part;
static size_t pgsz;
static int hugeflag;

/* Checks that attachinfo for [off, off+len) is exactly one entry equal to
 * (rstype, policy) and, for R_SRADID, the SRAD; for R_RSET, a set with the
 * same CPUs as `want`. */
static void expect_attach(int id, off64_t off, size64_t len, rstype_t rstype, unsigned policy,
                          sradid_t srad, rsethandle_t want, int line)
{
    int failures_before = check_failures;
    rsid_t r;
    memset(&r, 0, sizeof r);
    r.at_shmid = id;
    attachinfo_t *ai = ra_get_attachinfo(R_SHM, r, off, len, 0);
    if (ai == NULL || ai == (attachinfo_t *)-1) {
        fprintf(stderr, "line %d: ra_get_attachinfo(%d, %lld, %llu): %s\n", line, id, (long long)off,
                (unsigned long long)len, ai ? strerror(errno) : "no attachment");
        check_failures++;
        return;
    }
    CHECK_EQ(ai->at_rstype, rstype);
    CHECK_EQ(ai->at_policy, policy);
    CHECK(ai->next_resource == NULL);
    if (rstype == R_SRADID && ai->at_rstype == R_SRADID)
        CHECK_EQ(ai->at_rsid.at_sradid, srad);
    if (rstype == R_RSET && ai->at_rstype == R_RSET && want) {
        CHECK(ai->at_rsid.at_rset != NULL);
        if (ai->at_rsid.at_rset) {
            rsethandle_t a = rs_alloc(RS_EMPTY), b = rs_alloc(RS_EMPTY);
            rs_op(RS_COPY, ai->at_rsid.at_rset, a, R_PROCS, 0);
            rs_op(RS_COPY, want, b, R_PROCS, 0);
            CHECK_EQ(rs_op(RS_ISEQUAL, a, b, 0, 0), 1);
            rs_free(a);
            rs_free(b);
        }
    }
    if (check_failures != failures_before)
        fprintf(stderr, "  (the checks above come from line %d)\n", line);
    CHECK_EQ(ra_free_attachinfo(ai), 0);
}

/* Touches the whole segment and asks the kernel where every page is: on a
 * one-node machine every page is resident, on node 0. */
static void expect_resident_on_node0(int id, size_t size)
{
    char *p = shmat(id, NULL, 0);
    CHECK(p != (char *)-1);
    if (p == (char *)-1)
        return;
    memset(p, 1, size);
    size_t n = size / pgsz;
    void **pages = calloc(n, sizeof *pages);
    int *status = calloc(n, sizeof *status);
    for (size_t i = 0; i < n; i++)
        pages[i] = p + i * pgsz;
    CHECK_EQ(move_pages(0, n, pages, NULL, status, 0), 0);
    size_t on0 = 0;
    for (size_t i = 0; i < n; i++)
        on0 += status[i] == 0;
    CHECK_EQ(on0, n);
    free(pages);
    free(status);
    CHECK_EQ(shmdt(p), 0);

    struct shmid_ds ds;
    CHECK_EQ(shmctl(id, IPC_STAT, &ds), 0);
    CHECK_EQ(ds.shm_segsz, size);
}

static const unsigned policies[] = { P_DEFAULT, P_FIRST_TOUCH, P_BALANCED };

static void whole_segment(void)
{
    size_t size = 8 * pgsz;
    for (size_t i = 0; i < sizeof policies / sizeof *policies; i++) {
        int id = ra_shmget(IPC_PRIVATE, size, IPC_CREAT | hugeflag | 0600, R_RSET, rset_id(part), policies[i]);
        CHECK(id >= 0);
        if (id >= 0) {
            expect_attach(id, 0, 0, R_RSET, policies[i], 0, part, __LINE__);
            expect_attach(id, (off64_t)pgsz, pgsz, R_RSET, policies[i], 0, part, __LINE__);
            expect_resident_on_node0(id, size);
            RMID(id);
        }
        id = ra_shmget(IPC_PRIVATE, size, IPC_CREAT | hugeflag | 0600, R_SRADID, srad_id(0), policies[i]);
        CHECK(id >= 0);
        if (id >= 0) {
            expect_attach(id, 0, 0, R_SRADID, policies[i], 0, NULL, __LINE__);
            expect_resident_on_node0(id, size);
            RMID(id);
        }
    }
}

/* Three subranges, three policies, both attachment types. */
static void subranges(void)
{
    size_t size = 12 * pgsz;
    subrange_t v[3];
    memset(v, 0, sizeof v);
    v[0].su_offset = 0;
    v[0].su_length = 4 * pgsz;
    v[0].su_rstype = R_RSET;
    v[0].su_rsid.at_rset = part;
    v[0].su_policy = P_BALANCED;
    v[1].su_offset = 4 * pgsz;
    v[1].su_length = 4 * pgsz;
    v[1].su_rstype = R_SRADID;
    v[1].su_rsid.at_sradid = 0;
    v[1].su_policy = P_FIRST_TOUCH;
    v[2].su_offset = 8 * pgsz;
    v[2].su_length = 0;                     /* to the end */
    v[2].su_rstype = R_RSET;
    v[2].su_rsid.at_rset = part;
    v[2].su_policy = P_DEFAULT;
    int id = ra_shmgetv(IPC_PRIVATE, size, IPC_CREAT | hugeflag | 0600, 3, v);
    CHECK(id >= 0);
    if (id < 0)
        return;
    expect_attach(id, 0, 4 * pgsz, R_RSET, P_BALANCED, 0, part, __LINE__);
    expect_attach(id, (off64_t)pgsz, pgsz, R_RSET, P_BALANCED, 0, part, __LINE__);
    expect_attach(id, 4 * pgsz, 4 * pgsz, R_SRADID, P_FIRST_TOUCH, 0, NULL, __LINE__);
    expect_attach(id, 8 * pgsz, 0, R_RSET, P_DEFAULT, 0, part, __LINE__);
    expect_attach(id, 11 * pgsz, pgsz, R_RSET, P_DEFAULT, 0, part, __LINE__);

    /* a query across two ranges lists both attachments */
    rsid_t r;
    memset(&r, 0, sizeof r);
    r.at_shmid = id;
    attachinfo_t *ai = ra_get_attachinfo(R_SHM, r, 3 * pgsz, 2 * pgsz, 0);
    CHECK(ai != NULL && ai != (attachinfo_t *)-1);
    if (ai && ai != (attachinfo_t *)-1) {
        int n = 0, saw_bal = 0, saw_ft = 0;
        for (attachinfo_t *a = ai; a; a = a->next_resource) {
            n++;
            saw_bal |= a->at_policy == P_BALANCED && a->at_rstype == R_RSET;
            saw_ft |= a->at_policy == P_FIRST_TOUCH && a->at_rstype == R_SRADID;
        }
        CHECK_EQ(n, 2);
        CHECK(saw_bal && saw_ft);
        CHECK_EQ(ra_free_attachinfo(ai), 0);
    }
    /* the query's own errors */
    CHECK_ERRNO(ra_get_attachinfo(R_SHM, r, 0, 0, 1), (attachinfo_t *)-1, EINVAL);
    CHECK_ERRNO(ra_get_attachinfo(R_SHM, r, (off64_t)size, pgsz, 0), (attachinfo_t *)-1, EINVAL);
    CHECK_ERRNO(ra_free_attachinfo(NULL), -1, EINVAL);
    CHECK_ERRNO(ra_free_attachinfo((attachinfo_t *)-1), -1, EINVAL);
    CHECK_ERRNO(ra_get_attachinfo(R_PROCESS, r, 0, 0, 0), (attachinfo_t *)-1, EINVAL);
    rsid_t gone;
    memset(&gone, 0, sizeof gone);
    gone.at_shmid = 0x7ffffff0;                 /* no such segment */
    CHECK_ERRNO(ra_get_attachinfo(R_SHM, gone, 0, 0, 0), (attachinfo_t *)-1, EINVAL);

    expect_resident_on_node0(id, size);
    RMID(id);
}

/* Offsets and lengths must be multiples of the segment's page size. */
static void alignment_of_this_page_size(void)
{
    if (!hugeflag)
        return;
    size_t size = 4 * pgsz;
    subrange_t v[1];
    memset(v, 0, sizeof v);
    v[0].su_offset = 4096;                    /* 4 KiB-aligned but not 2 MiB */
    v[0].su_length = pgsz;
    v[0].su_rstype = R_SRADID;
    v[0].su_policy = P_BALANCED;
    CHECK_FAILS_CLEAN(ra_shmgetv(IPC_PRIVATE, size, IPC_CREAT | hugeflag | 0600, 1, v), EINVAL);
    v[0].su_offset = 0;
    v[0].su_length = pgsz + 4096;
    CHECK_FAILS_CLEAN(ra_shmgetv(IPC_PRIVATE, size, IPC_CREAT | hugeflag | 0600, 1, v), EINVAL);
}

int main(int argc, char **argv)
{
    check_begin();
    int huge = argc > 1 && !strcmp(argv[1], "huge");
    pgsz = huge ? HUGE_2M : (size_t)page_size();
    hugeflag = huge ? SHM_HUGETLB : 0;
    part = rs_alloc(RS_PARTITION);
    CHECK(part != NULL);
    if (!part)
        return check_end();
    whole_segment();
    subranges();
    alignment_of_this_page_size();
    rs_free(part);
    return check_end();
}
