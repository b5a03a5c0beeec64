/* An existing key. AIX attaches only a segment the call creates; rashm
 * documents (sys/rset.h) that without IPC_EXCL the existing id is returned
 * after shmget's own checks and its placement, population and lock are left
 * alone. This test holds the library to that. */
#define _GNU_SOURCE
#include "check.h"
#include "host.h"

#include <sys/rset.h>

#define SEG (8 * 4096L)

static rsethandle_t part;

/* rstype/policy of the single attachment of the whole segment; -2 for "no
 * attachment", -1 for an error or several. */
static int attach_of(int id, int *rstype)
{
    attachinfo_t *ai = ra_get_attachinfo(R_SHM, shm_id(id), 0, 0, 0);
    if (ai == NULL)
        return -2;
    if (ai == (attachinfo_t *)-1)
        return -1;
    int pol = ai->next_resource ? -1 : (int)ai->at_policy;
    *rstype = ai->at_rstype;
    ra_free_attachinfo(ai);
    return pol;
}

static long long rss_of(int id)
{
    char line[512];
    long long rss = -1;
    FILE *f = fopen("/proc/sysvipc/shm", "r");
    if (!f)
        return -1;
    if (fgets(line, sizeof line, f))
        while (fgets(line, sizeof line, f)) {
            long long v[15];
            if (sscanf(line, "%lld %lld %llo %lld %lld %lld %lld %lld %lld %lld %lld %lld %lld %lld %lld",
                       &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7], &v[8], &v[9], &v[10],
                       &v[11], &v[12], &v[13], &v[14]) == 15 &&
                v[1] == id)
                rss = v[14];
        }
    fclose(f);
    return rss;
}

int main(void)
{
    check_begin();
    part = rs_alloc(RS_PARTITION);
    CHECK(part != NULL);
    key_t key = test_key(5);
    int rt = -1;

    /* a placed segment under the key */
    int id = ra_shmget(key, SEG, IPC_CREAT | 0600, R_RSET, rset_id(part), P_BALANCED);
    CHECK(id >= 0);
    CHECK_EQ(attach_of(id, &rt), P_BALANCED);
    CHECK_EQ(rt, R_RSET);

    /* IPC_CREAT without IPC_EXCL and a different attachment: same id,
     * placement unchanged */
    CHECK_EQ(ra_shmget(key, SEG, IPC_CREAT | 0600, R_SRADID, srad_id(0), P_FIRST_TOUCH), id);
    CHECK_EQ(attach_of(id, &rt), P_BALANCED);
    CHECK_EQ(rt, R_RSET);
    /* without IPC_CREAT: a lookup */
    CHECK_EQ(ra_shmget(key, SEG, 0600, R_SRADID, srad_id(0), P_FIRST_TOUCH), id);
    CHECK_EQ(attach_of(id, &rt), P_BALANCED);
    /* a smaller size is fine (shmget's rule), ranges checked against it */
    subrange_t v[1];
    memset(v, 0, sizeof v);
    v[0].su_rstype = R_SRADID;
    v[0].su_policy = P_FIRST_TOUCH;
    CHECK_EQ(ra_shmgetv(key, SEG / 2, IPC_CREAT | 0600, 1, v), id);
    CHECK_EQ(attach_of(id, &rt), P_BALANCED);
    /* a larger size: shmget's EINVAL, and the segment is still there */
    CHECK_ERRNO(ra_shmget(key, 2 * SEG, IPC_CREAT | 0600, R_RSET, rset_id(part), P_BALANCED), -1, EINVAL);
    struct shmid_ds ds;
    CHECK_EQ(shmctl(id, IPC_STAT, &ds), 0);
    /* SHM_PIN on an existing unpinned segment pins nothing */
    CHECK_EQ(ra_shmget(key, SEG, IPC_CREAT | SHM_PIN | 0600, R_RSET, rset_id(part), P_BALANCED), id);
    CHECK_EQ(shmctl(id, IPC_STAT, &ds), 0);
    CHECK_EQ(ds.shm_perm.mode & SHM_LOCKED, 0);
    CHECK_EQ(rss_of(id), 0);
    RMID(id);

    /* a plain shmget segment under the key: returned, and still has no
     * attachment */
    id = shmget(key, SEG, IPC_CREAT | IPC_EXCL | 0600);
    CHECK(id >= 0);
    CHECK_EQ(attach_of(id, &rt), -2);
    CHECK_EQ(ra_shmget(key, SEG, IPC_CREAT | 0600, R_RSET, rset_id(part), P_BALANCED), id);
    CHECK_EQ(attach_of(id, &rt), -2);
    RMID(id);

    /* the key is free again: now the call creates and places */
    id = ra_shmget(key, SEG, 0600, R_RSET, rset_id(part), P_BALANCED);
    CHECK_EQ(id, -1);
    id = ra_shmget(key, SEG, IPC_CREAT | 0600, R_SRADID, srad_id(0), P_FIRST_TOUCH);
    CHECK(id >= 0);
    CHECK_EQ(attach_of(id, &rt), P_FIRST_TOUCH);
    CHECK_EQ(rt, R_SRADID);
    RMID(id);
    rs_free(part);
    return check_end();
}
