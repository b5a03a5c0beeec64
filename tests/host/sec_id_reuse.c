/* An identity an unprivileged reader can check (issue 7, defect 12).
 * Readers without CAP_CHECKPOINT_RESTORE/CAP_SYS_ADMIN cannot read the shm
 * file's identity through /proc/self/map_files; they used to accept an entry
 * whose key, creator pid and size matched and whose shm_ctime was not
 * older - so after the id came back (here forced through
 * kernel.shm_next_id in the test's own IPC namespace, as it comes back
 * naturally after 64 x 65536 creations), user nobody's ra_get_attachinfo
 * answered for the removed segment. Now shm_ctime must match exactly
 * unless the file identity settles it:
 *  1. a placed segment: nobody sees its attachment (the positive case);
 *  2. IPC_SET through librashm's shmctl: the entry follows, nobody still
 *     sees it;
 *  3. IPC_SET behind librashm's back: nobody no longer trusts the entry
 *     (and does not delete it), root still does (file identity);
 *  4. the segment removed behind librashm's back and its id given to a
 *     plain segment of the same creator, key and size a second later:
 *     nobody does not accept the old entry, root deletes it as stale. */
#define _GNU_SOURCE
#include "sec.h"

#include <sys/rset.h>

#include <rashm.h>

#define SIZE (4 * (size_t)page_size())

/* exit 1: the attachment is seen; 0: no attachment; 2: error. */
static int read_attach(void *p)
{
    int id = (int)(intptr_t)p;
    errno = 0;
    attachinfo_t *ai = ra_get_attachinfo(R_SHM, shm_id(id), 0, 0, 0);
    if (ai == (attachinfo_t *)-1) {
        fprintf(stderr, "uid %d: ra_get_attachinfo(%d): %s\n", (int)geteuid(), id, strerror(errno));
        return 2;
    }
    int seen = ai != NULL;
    if (ai)
        ra_free_attachinfo(ai);
    struct rashm_placement *q = rashm_query(id);
    if (!q) {
        fprintf(stderr, "uid %d: rashm_query(%d): %s\n", (int)geteuid(), id, strerror(errno));
        return 2;
    }
    if (q->registered != seen) {
        fprintf(stderr, "uid %d: rashm_query and ra_get_attachinfo disagree\n", (int)geteuid());
        seen = 2;
    }
    rashm_placement_free(q);
    return seen;
}

static int placed(void)
{
    return ra_shmget(IPC_PRIVATE, SIZE, IPC_CREAT | 0644, R_SRADID, srad_id(0), P_BALANCED);
}

static int entry_exists(int id)
{
    char path[256];
    struct stat st;
    snprintf(path, sizeof path, "%s/0/seg.%d", sec_reg, id);
    return lstat(path, &st) == 0;
}

static void chmod_seg(int id, mode_t mode, int raw)
{
    struct shmid_ds ds;
    CHECK_EQ(shmctl(id, IPC_STAT, &ds), 0);
    ds.shm_perm.mode = mode;
    sec_next_second();   /* so that shm_ctime moves */
    CHECK_EQ(raw ? sec_ipc_set_raw(id, &ds) : shmctl(id, IPC_SET, &ds), 0);
}

int main(void)
{
    sec_isolate();
    check_begin();

    /* 1-3 */
    int id = placed();
    CHECK(id >= 0);
    if (id < 0)
        return check_end();
    CHECK_EQ(sec_run_as(NOBODY, read_attach, (void *)(intptr_t)id), 1);
    CHECK_EQ(in_child(read_attach, (void *)(intptr_t)id), 1);
    chmod_seg(id, 0604, 0);
    CHECK_EQ(sec_run_as(NOBODY, read_attach, (void *)(intptr_t)id), 1);
    chmod_seg(id, 0644, 1);
    CHECK_EQ(sec_run_as(NOBODY, read_attach, (void *)(intptr_t)id), 0);
    CHECK(entry_exists(id));
    CHECK_EQ(in_child(read_attach, (void *)(intptr_t)id), 1);
    CHECK_EQ(shmctl(id, IPC_RMID, NULL), 0);
    CHECK(!entry_exists(id));

    /* 4: natural id reuse, forced */
    int reused = -1;
    for (int attempt = 0; attempt < 5 && reused < 0; attempt++) {
        int old = placed();
        CHECK(old >= 0);
        if (old < 0)
            break;
        CHECK_EQ(sec_run_as(NOBODY, read_attach, (void *)(intptr_t)old), 1);
        CHECK_EQ(sec_rmid_raw(old), 0);   /* the entry stays behind */
        CHECK(entry_exists(old));
        sec_next_second();
        CHECK_EQ(sec_set_next_id(old), 0);
        int got = shmget(IPC_PRIVATE, SIZE, IPC_CREAT | 0644);
        CHECK(got >= 0);
        if (got == old)
            reused = got;
        else if (got >= 0)
            CHECK_EQ(sec_rmid_raw(got), 0);
    }
    CHECK(reused >= 0);
    if (reused >= 0) {
        /* same id, creator pid, key (IPC_PRIVATE) and size as the entry */
        struct shmid_ds ds;
        CHECK_EQ(shmctl(reused, IPC_STAT, &ds), 0);
        CHECK_EQ(ds.shm_cpid, getpid());
        CHECK_EQ(sec_run_as(NOBODY, read_attach, (void *)(intptr_t)reused), 0);
        CHECK(entry_exists(reused));      /* nobody could not delete it anyway */
        CHECK_EQ(in_child(read_attach, (void *)(intptr_t)reused), 0);
        CHECK(!entry_exists(reused));     /* root: stale by the file identity, deleted */
        CHECK_EQ(shmctl(reused, IPC_RMID, NULL), 0);
    }
    CHECK_EQ(sec_segments(), 0);
    return check_end();
}
