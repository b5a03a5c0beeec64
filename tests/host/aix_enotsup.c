/* ENOTSUP: an SRADID attachment while enhanced affinity is switched off
 * (this test runs with RASHM_ENHANCED_AFFINITY=0, set by CTest), and where
 * ENOTSUP stands in the order of checks: after EINVAL, before ENODEV, EPERM
 * and shmget's errors. R_RSET attachments keep working. */
#define _GNU_SOURCE
#include "check.h"
#include "host.h"

#include <sys/rset.h>

#include <rashm.h>

#define SEG (8 * 4096L)

int main(void)
{
    check_begin();
    const char *env = getenv("RASHM_ENHANCED_AFFINITY");
    if (!env || strcmp(env, "0") != 0) {
        fprintf(stderr, "run with RASHM_ENHANCED_AFFINITY=0 (CTest sets it)\n");
        return 1;
    }
    CHECK_EQ(rashm_config_enhanced_affinity(), 0);
    rsethandle_t part = rs_alloc(RS_PARTITION);
    CHECK(part != NULL);
    key_t key = test_key(7);

    /* whole segment and subrange, every policy, existing and absent SRADs */
    for (unsigned pol = P_DEFAULT; pol <= P_BALANCED; pol++) {
        CHECK_FAILS_CLEAN(ra_shmget(IPC_PRIVATE, SEG, IPC_CREAT | 0600, R_SRADID, srad_id(0), pol), ENOTSUP);
        CHECK_FAILS_CLEAN(ra_shmget(IPC_PRIVATE, SEG, IPC_CREAT | SHM_PIN | 0600, R_SRADID, srad_id(0), pol), ENOTSUP);
    }
    subrange_t v[2];
    memset(v, 0, sizeof v);
    v[0].su_length = SEG / 2;
    v[0].su_rstype = R_RSET;
    v[0].su_rsid.at_rset = part;
    v[0].su_policy = P_BALANCED;
    v[1].su_offset = SEG / 2;
    v[1].su_rstype = R_SRADID;
    v[1].su_rsid.at_sradid = 0;
    v[1].su_policy = P_FIRST_TOUCH;
    CHECK_FAILS_CLEAN(ra_shmgetv(IPC_PRIVATE, SEG, IPC_CREAT | 0600, 2, v), ENOTSUP);

    /* order: EINVAL first ... */
    CHECK_FAILS_CLEAN(ra_shmget(IPC_PRIVATE, SEG, IPC_CREAT | 0600, R_SRADID, srad_id(0), 9), EINVAL);
    v[0].su_rsoffset = 4096;
    CHECK_FAILS_CLEAN(ra_shmgetv(IPC_PRIVATE, SEG, IPC_CREAT | 0600, 2, v), EINVAL);
    v[0].su_rsoffset = 0;
    /* ... then ENOTSUP before ENODEV ... */
    CHECK_FAILS_CLEAN(ra_shmget(IPC_PRIVATE, SEG, IPC_CREAT | 0600, R_SRADID, srad_id(1000), P_DEFAULT), ENOTSUP);
    /* ... and before shmget's ENOENT / EEXIST */
    CHECK_FAILS_CLEAN(ra_shmget(key, SEG, 0600, R_SRADID, srad_id(0), P_DEFAULT), ENOTSUP);
    int id = shmget(key, SEG, IPC_CREAT | IPC_EXCL | 0600);
    CHECK(id >= 0);
    CHECK_FAILS_CLEAN(ra_shmget(key, SEG, IPC_CREAT | IPC_EXCL | 0600, R_SRADID, srad_id(0), P_DEFAULT), ENOTSUP);
    RMID(id);

    /* R_RSET attachments do not depend on enhanced affinity */
    rsid_t r;
    memset(&r, 0, sizeof r);
    r.at_rset = part;
    id = ra_shmget(IPC_PRIVATE, SEG, IPC_CREAT | 0600, R_RSET, r, P_BALANCED);
    CHECK(id >= 0);
    RMID(id);
    v[1].su_rstype = R_RSET;
    v[1].su_rsid.at_rset = part;
    id = ra_shmgetv(IPC_PRIVATE, SEG, IPC_CREAT | 0600, 2, v);
    CHECK(id >= 0);
    RMID(id);

    /* no home SRAD without enhanced affinity */
    CHECK_EQ(rs_get_homesrad(), SRADID_ANY);
    rs_free(part);
    return check_end();
}
