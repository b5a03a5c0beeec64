/* Every errno the seed lists for ra_shmget/ra_shmgetv that one node can
 * show (EPERM and ENOTSUP have their own programs: they need a restricted
 * child and a switched-off environment), each provoked on its own, and for
 * each failure: no segment left behind. */
#define _GNU_SOURCE
#include "check.h"
#include "host.h"

#include <grp.h>
#include <pwd.h>
#include <stdint.h>
#include <sys/resource.h>
#include <sys/rset.h>

#include <rashm.h>   /* RASHM_MAX_RANGES: the documented bound of rangecnt */

static rsethandle_t part;
static long pg;

#define SEG (16 * 4096L)        /* every subrange test uses a 64 KiB segment */

/* Two valid subranges covering the segment; tests break one field of [1]. */
static void good_vec(subrange_t v[2])
{
    memset(v, 0, 2 * sizeof *v);
    v[0].su_offset = 0;
    v[0].su_length = SEG / 2;
    v[0].su_rstype = R_RSET;
    v[0].su_rsid.at_rset = part;
    v[0].su_policy = P_BALANCED;
    v[1].su_offset = SEG / 2;
    v[1].su_length = SEG / 2;
    v[1].su_rstype = R_SRADID;
    v[1].su_rsid.at_sradid = 0;
    v[1].su_policy = P_FIRST_TOUCH;
}

static int getv(subrange_t *v, int n)
{
    return ra_shmgetv(IPC_PRIVATE, SEG, IPC_CREAT | 0600, n, v);
}

/* The policy ra_get_attachinfo reports for [off, off+len) of segment id;
 * -1 if it reports none or more than one. */
static int policy_of(int id, off64_t off, size64_t len)
{
    rsid_t r;
    memset(&r, 0, sizeof r);
    r.at_shmid = id;
    attachinfo_t *ai = ra_get_attachinfo(R_SHM, r, off, len, 0);
    if (ai == NULL || ai == (attachinfo_t *)-1)
        return -1;
    int pol = ai->next_resource ? -1 : (int)ai->at_policy;
    CHECK_EQ(ra_free_attachinfo(ai), 0);
    return pol;
}

static void einval_ra_shmget(void)
{
    rsid_t r = rset_id(part);
    /* rstype: not R_RSET / R_SRADID (R_PROCESS, R_SHM and R_SUBRANGE are
     * rstypes elsewhere in AIX but not valid targets here), or garbage */
    CHECK_FAILS_CLEAN(ra_shmget(IPC_PRIVATE, SEG, IPC_CREAT | 0600, R_NADA, r, P_DEFAULT), EINVAL);
    CHECK_FAILS_CLEAN(ra_shmget(IPC_PRIVATE, SEG, IPC_CREAT | 0600, R_PROCESS, r, P_DEFAULT), EINVAL);
    CHECK_FAILS_CLEAN(ra_shmget(IPC_PRIVATE, SEG, IPC_CREAT | 0600, R_SHM, r, P_DEFAULT), EINVAL);
    CHECK_FAILS_CLEAN(ra_shmget(IPC_PRIVATE, SEG, IPC_CREAT | 0600, R_SUBRANGE, r, P_DEFAULT), EINVAL);
    CHECK_FAILS_CLEAN(ra_shmget(IPC_PRIVATE, SEG, IPC_CREAT | 0600, 12345, r, P_DEFAULT), EINVAL);
    CHECK_FAILS_CLEAN(ra_shmget(IPC_PRIVATE, SEG, IPC_CREAT | 0600, -1, r, P_DEFAULT), EINVAL);
    /* att_flags: one of P_DEFAULT, P_FIRST_TOUCH, P_BALANCED and nothing else */
    CHECK_FAILS_CLEAN(ra_shmget(IPC_PRIVATE, SEG, IPC_CREAT | 0600, R_RSET, r, 3), EINVAL);
    CHECK_FAILS_CLEAN(ra_shmget(IPC_PRIVATE, SEG, IPC_CREAT | 0600, R_RSET, r, P_BALANCED | 0x100), EINVAL);
    CHECK_FAILS_CLEAN(ra_shmget(IPC_PRIVATE, SEG, IPC_CREAT | 0600, R_RSET, r, 0x80000000u), EINVAL);
    CHECK_FAILS_CLEAN(ra_shmget(IPC_PRIVATE, SEG, IPC_CREAT | 0600, R_SRADID, srad_id(0), 7), EINVAL);
    /* an R_RSET with no handle, or an empty set (no CPU to derive nodes from) */
    CHECK_FAILS_CLEAN(ra_shmget(IPC_PRIVATE, SEG, IPC_CREAT | 0600, R_RSET, rset_id(NULL), P_DEFAULT), EINVAL);
    rsethandle_t empty = rs_alloc(RS_EMPTY);
    CHECK_FAILS_CLEAN(ra_shmget(IPC_PRIVATE, SEG, IPC_CREAT | 0600, R_RSET, rset_id(empty), P_BALANCED), EINVAL);
    rs_free(empty);
}

static void einval_ra_shmgetv(void)
{
    subrange_t v[2];

    good_vec(v);
    v[1].su_offset = SEG / 2 + 100;                 /* offset not page-aligned */
    v[1].su_length = SEG / 2 - pg;
    CHECK_FAILS_CLEAN(getv(v, 2), EINVAL);

    good_vec(v);
    v[1].su_length = SEG / 2 - 100;                 /* length not page-aligned */
    CHECK_FAILS_CLEAN(getv(v, 2), EINVAL);

    good_vec(v);
    v[1].su_length = SEG / 2 + pg;                  /* runs past the end */
    CHECK_FAILS_CLEAN(getv(v, 2), EINVAL);

    good_vec(v);
    v[1].su_offset = SEG;                           /* starts at the end */
    v[1].su_length = pg;
    CHECK_FAILS_CLEAN(getv(v, 2), EINVAL);

    good_vec(v);
    v[1].su_offset = SEG + pg;                      /* starts past the end, "to the end" */
    v[1].su_length = 0;
    CHECK_FAILS_CLEAN(getv(v, 2), EINVAL);

    good_vec(v);
    v[1].su_offset = -(off64_t)pg;                  /* negative offset */
    CHECK_FAILS_CLEAN(getv(v, 2), EINVAL);

    good_vec(v);
    v[1].su_length = (size64_t)0 - (size64_t)pg;    /* offset + length wraps around */
    CHECK_FAILS_CLEAN(getv(v, 2), EINVAL);

    good_vec(v);
    v[1].su_rstype = R_PROCESS;                     /* bad su_rstype */
    CHECK_FAILS_CLEAN(getv(v, 2), EINVAL);
    v[1].su_rstype = 99;
    CHECK_FAILS_CLEAN(getv(v, 2), EINVAL);

    good_vec(v);
    v[1].su_policy = 3;                             /* bad su_policy */
    CHECK_FAILS_CLEAN(getv(v, 2), EINVAL);
    v[1].su_policy = P_BALANCED | 0x200;
    CHECK_FAILS_CLEAN(getv(v, 2), EINVAL);

    good_vec(v);
    v[1].su_rsoffset = pg;                          /* reserved fields must be 0 */
    CHECK_FAILS_CLEAN(getv(v, 2), EINVAL);
    good_vec(v);
    v[1].su_rslength = pg;
    CHECK_FAILS_CLEAN(getv(v, 2), EINVAL);

    good_vec(v);
    v[0].su_rsid.at_rset = NULL;                    /* R_RSET without a set */
    CHECK_FAILS_CLEAN(getv(v, 2), EINVAL);

    good_vec(v);                                    /* rangecnt and the vector */
    CHECK_FAILS_CLEAN(getv(v, 0), EINVAL);
    CHECK_FAILS_CLEAN(getv(v, -1), EINVAL);
    CHECK_FAILS_CLEAN(getv(v, INT32_MIN), EINVAL);
    CHECK_FAILS_CLEAN(getv(NULL, 1), EINVAL);
    CHECK_FAILS_CLEAN(getv(NULL, 0), EINVAL);
    /* more subranges than the documented bound */
    subrange_t *many = calloc(RASHM_MAX_RANGES + 1, sizeof *many);
    for (int i = 0; i <= RASHM_MAX_RANGES; i++) {
        many[i].su_rstype = R_SRADID;
        many[i].su_policy = P_BALANCED;
        many[i].su_offset = 0;
        many[i].su_length = pg;
    }
    CHECK_FAILS_CLEAN(getv(many, RASHM_MAX_RANGES + 1), EINVAL);
    /* ... while the bound itself is accepted */
    int id = getv(many, RASHM_MAX_RANGES);
    CHECK(id >= 0);
    RMID(id);
    free(many);
}

/* Where two errors apply, the first in the documented order wins:
 * rangevec/rangecnt, then every subrange's EINVAL checks, then ENOTSUP,
 * ENODEV, EPERM, then shmget's errors. (ENOTSUP's place is checked in
 * aix_enotsup.c, EPERM's in aix_eperm.c.) */
static void order_of_checks(void)
{
    subrange_t v[2];
    key_t key = test_key(2);

    /* EINVAL of a later subrange beats ENODEV of an earlier one */
    good_vec(v);
    v[0].su_rstype = R_SRADID;
    v[0].su_rsid.at_sradid = 1000;
    v[1].su_policy = 9;
    CHECK_FAILS_CLEAN(getv(v, 2), EINVAL);
    /* within a subrange su_rstype comes before the rest: a bad rstype with
     * a bad offset is still EINVAL (same errno; nothing to order) */

    /* ENODEV before shmget's ENOENT and EEXIST */
    CHECK_FAILS_CLEAN(ra_shmget(key, SEG, 0600, R_SRADID, srad_id(1000), P_DEFAULT), ENODEV);
    int id = ra_shmget(key, SEG, IPC_CREAT | IPC_EXCL | 0600, R_SRADID, srad_id(0), P_DEFAULT);
    CHECK(id >= 0);
    CHECK_FAILS_CLEAN(ra_shmget(key, SEG, IPC_CREAT | IPC_EXCL | 0600, R_SRADID, srad_id(1000), P_DEFAULT), ENODEV);
    /* EINVAL (arguments) before shmget's EEXIST / EINVAL-size */
    CHECK_FAILS_CLEAN(ra_shmget(key, SEG, IPC_CREAT | IPC_EXCL | 0600, R_SRADID, srad_id(0), 5), EINVAL);
    good_vec(v);
    v[1].su_rslength = 1;
    CHECK_FAILS_CLEAN(ra_shmgetv(key, SEG, IPC_CREAT | IPC_EXCL | 0600, 2, v), EINVAL);
    RMID(id);
    /* and before ENOENT */
    CHECK_FAILS_CLEAN(ra_shmget(key, SEG, 0600, 77, srad_id(0), P_DEFAULT), EINVAL);
    CHECK_FAILS_CLEAN(ra_shmgetv(key, SEG, 0600, 0, v), EINVAL);
}

/* EACCES from shmget: an unprivileged user asks for root's 0600 segment. */
struct eacces_arg {
    key_t key;
    int id;
};

static int eacces_child(void *p)
{
    struct eacces_arg *a = p;
    struct passwd *pw = getpwnam("nobody");
    uid_t uid = pw ? pw->pw_uid : 65534;
    gid_t gid = pw ? pw->pw_gid : 65534;
    if (setgroups(0, NULL) != 0 || setgid(gid) != 0 || setuid(uid) != 0) {
        perror("dropping to nobody");
        return 2;
    }
    subrange_t v[2];
    good_vec(v);
    CHECK_FAILS_CLEAN(ra_shmget(a->key, SEG, 0600, R_RSET, rset_id(part), P_BALANCED), EACCES);
    CHECK_FAILS_CLEAN(ra_shmget(a->key, SEG, IPC_CREAT | 0600, R_SRADID, srad_id(0), P_DEFAULT), EACCES);
    CHECK_FAILS_CLEAN(ra_shmgetv(a->key, SEG, 0600, 2, v), EACCES);
    /* and the placement of root's 0600 segment cannot be read either */
    rsid_t r;
    memset(&r, 0, sizeof r);
    r.at_shmid = a->id;
    CHECK_ERRNO(ra_get_attachinfo(R_SHM, r, 0, 0, 0), (attachinfo_t *)-1, EACCES);
    /* an unprivileged process may place its own new segments: nothing
     * stands for CAP_NUMA_ATTACH beyond the partition rule */
    int id = ra_shmget(IPC_PRIVATE, SEG, IPC_CREAT | 0600, R_RSET, rset_id(part), P_BALANCED);
    CHECK(id >= 0);
    RMID(id);
    return check_failures ? 1 : 0;
}

/* ENOSPC from shmget: the limits are per IPC namespace, so a child in a new
 * namespace lowers them without touching the machine's: shmmni = 1 with one
 * segment already there, then shmall smaller than the segment. Segments
 * left in that namespace die with it; the cpid count still checks the call
 * itself left nothing. */
static int write_sysctl(const char *name, const char *val)
{
    char path[128];
    snprintf(path, sizeof path, "/proc/sys/kernel/%s", name);
    FILE *f = fopen(path, "w");
    if (!f)
        return -1;
    int ok = fputs(val, f) >= 0;
    return fclose(f) == 0 && ok ? 0 : -1;
}

static int enospc_child(void *unused)
{
    if (unshare(CLONE_NEWIPC) != 0) {
        perror("unshare(CLONE_NEWIPC)");
        return 77;
    }
    subrange_t v[2];
    good_vec(v);
    CHECK_EQ(write_sysctl("shmmni", "1"), 0);
    int id = shmget(IPC_PRIVATE, SEG, IPC_CREAT | 0600);
    CHECK(id >= 0);
    CHECK_FAILS_CLEAN(ra_shmget(IPC_PRIVATE, SEG, IPC_CREAT | 0600, R_RSET, rset_id(part), P_BALANCED), ENOSPC);
    CHECK_FAILS_CLEAN(ra_shmgetv(IPC_PRIVATE, SEG, IPC_CREAT | SHM_PIN | 0600, 2, v), ENOSPC);
    RMID(id);
    CHECK_EQ(write_sysctl("shmmni", "16"), 0);
    CHECK_EQ(write_sysctl("shmall", "4"), 0);          /* pages: less than SEG */
    CHECK_FAILS_CLEAN(ra_shmget(IPC_PRIVATE, SEG, IPC_CREAT | 0600, R_SRADID, srad_id(0), P_FIRST_TOUCH), ENOSPC);
    CHECK_FAILS_CLEAN(ra_shmgetv(IPC_PRIVATE, SEG, IPC_CREAT | 0600, 2, v), ENOSPC);
    return check_failures ? 1 : 0;
}

static void enospc(void)
{
    if (geteuid() != 0) {
        fprintf(stderr, "not root: ENOSPC case skipped\n");
        return;
    }
    int rc = in_child(enospc_child, NULL);
    if (rc == 77)
        fprintf(stderr, "note: no IPC namespace here: ENOSPC case skipped\n");
    else
        CHECK_EQ(rc, 0);
}

/* Failures after the segment exists (docs/aix.md, stage 6): SHM_PIN for a
 * user without CAP_IPC_LOCK. With RLIMIT_MEMLOCK 0 the kernel refuses
 * SHM_LOCK (EPERM); with a limit smaller than the segment, locking runs out
 * (ENOMEM). Either way the segment the call made must be gone. */
static int pin_refused_child(void *unused)
{
    struct passwd *pw = getpwnam("nobody");
    if (setgroups(0, NULL) != 0 || setgid(pw ? pw->pw_gid : 65534) != 0 || setuid(pw ? pw->pw_uid : 65534) != 0) {
        perror("dropping to nobody");
        return 2;
    }
    struct rlimit rl = { 0, 4096 };          /* soft 0 now, 4 KiB allowed later */
    CHECK_EQ(setrlimit(RLIMIT_MEMLOCK, &rl), 0);
    CHECK_FAILS_CLEAN(ra_shmget(IPC_PRIVATE, 16 * SEG, IPC_CREAT | SHM_PIN | 0600, R_SRADID, srad_id(0), P_BALANCED), EPERM);
    subrange_t v[2];
    good_vec(v);
    CHECK_FAILS_CLEAN(ra_shmgetv(IPC_PRIVATE, SEG, IPC_CREAT | SHM_PIN | 0600, 2, v), EPERM);
    /* a keyed segment goes too, and the key is free again afterwards */
    key_t key = test_key(13);
    CHECK_FAILS_CLEAN(ra_shmget(key, SEG, IPC_CREAT | SHM_PIN | 0600, R_RSET, rset_id(part), P_FIRST_TOUCH), EPERM);
    CHECK_ERRNO(shmget(key, 0, 0), -1, ENOENT);
    rl.rlim_cur = 4096;
    CHECK_EQ(setrlimit(RLIMIT_MEMLOCK, &rl), 0);
    CHECK_FAILS_CLEAN(ra_shmget(IPC_PRIVATE, 16 * SEG, IPC_CREAT | SHM_PIN | 0600, R_SRADID, srad_id(0), P_BALANCED), ENOMEM);
    /* without SHM_PIN the same user is fine */
    int id = ra_shmget(IPC_PRIVATE, 16 * SEG, IPC_CREAT | 0600, R_SRADID, srad_id(0), P_BALANCED);
    CHECK(id >= 0);
    RMID(id);
    return check_failures ? 1 : 0;
}

static void pin_refused(void)
{
    if (geteuid() != 0) {
        fprintf(stderr, "not root: SHM_PIN refusal case skipped\n");
        return;
    }
    CHECK_EQ(in_child(pin_refused_child, NULL), 0);
}

static void eacces(void)
{
    if (geteuid() != 0) {
        fprintf(stderr, "not root: EACCES case skipped\n");
        return;
    }
    struct eacces_arg a = { test_key(3), -1 };
    int id = ra_shmget(a.key, SEG, IPC_CREAT | IPC_EXCL | 0600, R_RSET, rset_id(part), P_BALANCED);
    CHECK(id >= 0);
    a.id = id;
    CHECK_EQ(in_child(eacces_child, &a), 0);
    RMID(id);
}

/* AIX: su_length 0 means "to the end of the object". */
static void length_zero_is_to_the_end(void)
{
    subrange_t v[2];
    good_vec(v);
    v[1].su_length = 0;
    v[1].su_policy = P_FIRST_TOUCH;
    int id = getv(v, 2);
    CHECK(id >= 0);
    if (id < 0)
        return;
    CHECK_EQ(policy_of(id, 0, SEG / 2), P_BALANCED);
    CHECK_EQ(policy_of(id, SEG / 2, SEG / 2), P_FIRST_TOUCH);
    CHECK_EQ(policy_of(id, SEG - pg, pg), P_FIRST_TOUCH);      /* the last page too */
    CHECK_EQ(policy_of(id, SEG / 2, 0), P_FIRST_TOUCH);        /* and 0 here as well */
    RMID(id);

    /* a single range of length 0 from offset 0: the whole segment */
    good_vec(v);
    v[0].su_length = 0;
    id = getv(v, 1);
    CHECK(id >= 0);
    if (id >= 0) {
        CHECK_EQ(policy_of(id, 0, 0), P_BALANCED);
        CHECK_EQ(policy_of(id, SEG - pg, pg), P_BALANCED);
        RMID(id);
    }
}

static void enodev(void)
{
    subrange_t v[2];
    int nsrad = rs_numrads(part, (unsigned)rs_getinfo(NULL, R_SRADSDL, 0), 0);
    CHECK(nsrad >= 1);
    CHECK_FAILS_CLEAN(ra_shmget(IPC_PRIVATE, SEG, IPC_CREAT | 0600, R_SRADID, srad_id((sradid_t)nsrad), P_DEFAULT), ENODEV);
    CHECK_FAILS_CLEAN(ra_shmget(IPC_PRIVATE, SEG, IPC_CREAT | 0600, R_SRADID, srad_id(1000), P_BALANCED), ENODEV);
    CHECK_FAILS_CLEAN(ra_shmget(IPC_PRIVATE, SEG, IPC_CREAT | 0600, R_SRADID, srad_id(-2), P_BALANCED), ENODEV);
    good_vec(v);
    v[1].su_rsid.at_sradid = (sradid_t)nsrad;
    CHECK_FAILS_CLEAN(getv(v, 2), ENODEV);
    /* every existing SRAD works */
    for (int s = 0; s < nsrad; s++) {
        int id = ra_shmget(IPC_PRIVATE, SEG, IPC_CREAT | 0600, R_SRADID, srad_id((sradid_t)s), P_FIRST_TOUCH);
        CHECK(id >= 0);
        RMID(id);
    }
}

/* shmget's own errors come through unchanged. */
static void shmget_errors(void)
{
    rsid_t r = rset_id(part);
    key_t key = test_key(1);
    subrange_t v[2];

    /* ENOENT: no segment for the key and no IPC_CREAT */
    CHECK_FAILS_CLEAN(ra_shmget(key, SEG, 0600, R_RSET, r, P_DEFAULT), ENOENT);
    good_vec(v);
    CHECK_FAILS_CLEAN(ra_shmgetv(key, SEG, 0600, 2, v), ENOENT);

    /* EEXIST: IPC_CREAT|IPC_EXCL on a key that exists */
    int id = ra_shmget(key, SEG, IPC_CREAT | IPC_EXCL | 0600, R_RSET, r, P_BALANCED);
    CHECK(id >= 0);
    CHECK_FAILS_CLEAN(ra_shmget(key, SEG, IPC_CREAT | IPC_EXCL | 0600, R_RSET, r, P_BALANCED), EEXIST);
    CHECK_FAILS_CLEAN(ra_shmgetv(key, SEG, IPC_CREAT | IPC_EXCL | 0600, 2, v), EEXIST);
    /* EINVAL: the key exists with a smaller size */
    CHECK_FAILS_CLEAN(ra_shmget(key, 2 * SEG, 0600, R_RSET, r, P_BALANCED), EINVAL);
    RMID(id);

    /* EINVAL: size 0, or beyond shmmax */
    CHECK_FAILS_CLEAN(ra_shmget(IPC_PRIVATE, 0, IPC_CREAT | 0600, R_RSET, r, P_DEFAULT), EINVAL);
    unsigned long long shmmax = 0;
    FILE *f = fopen("/proc/sys/kernel/shmmax", "r");
    if (f) {
        if (fscanf(f, "%llu", &shmmax) != 1)
            shmmax = 0;
        fclose(f);
    }
    CHECK(shmmax > 0);
    if (shmmax > 0 && shmmax < UINT64_MAX)
        CHECK_FAILS_CLEAN(ra_shmget(IPC_PRIVATE, (size64_t)shmmax + 1, IPC_CREAT | 0600, R_RSET, r, P_DEFAULT), EINVAL);

    /* ENOMEM: huge pages that the pool cannot back (1 TiB) */
    CHECK_FAILS_CLEAN(ra_shmget(IPC_PRIVATE, (size64_t)1 << 40, IPC_CREAT | SHM_HUGETLB | 0600, R_RSET, r, P_BALANCED), ENOMEM);
}

int main(void)
{
    check_begin();
    pg = page_size();
    part = rs_alloc(RS_PARTITION);
    CHECK(part != NULL);
    if (!part)
        return check_end();

    einval_ra_shmget();
    einval_ra_shmgetv();
    length_zero_is_to_the_end();
    enodev();
    shmget_errors();
    order_of_checks();
    eacces();
    enospc();
    pin_refused();

    rs_free(part);
    return check_end();
}
