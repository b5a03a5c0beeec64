/* librashm's interposers of libc's shmat and shmctl (and rashm_attach,
 * the same attach without the RASHM_SHMAT switch): per-attach policy of
 * huge-page segments, registry entries that follow IPC_RMID and IPC_SET.
 * Nothing else in the core calls these; internal calls use shm.c. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "internal.h"

/* May this process act on the registry entries of segments created by
 * cuid? An entry is a file its creator can write. A privileged process
 * (set-id or file capabilities: AT_SECURE; or root) uses only entries of
 * segments created by root or by its own effective uid, so another user
 * cannot steer what it does; an ordinary process may use any entry, it
 * has no more rights than the entry's author over the mapping. */
static int entry_usable_here(uid_t cuid)
{
    uid_t eu = geteuid();
    if (getauxval(AT_SECURE) || eu == 0)
        return cuid == 0 || cuid == eu;
    return 1;
}

/* Per-attach policy for huge-page segments (the kernel keeps none on the
 * segment): first-touch ranges get their MPOL_PREFERRED_MANY/LOCAL policy
 * on every new mapping, so the pages each attacher touches first come from
 * its nearest node of the set.
 * Only on the mapping this attach just made, and only when the kernel says
 * it is a hugetlb mapping: the page size, the mapping's bounds and the
 * segment size all come from the kernel, and the entry must agree with
 * them (seg_entry_load). A read-only attach is treated alike: read faults
 * allocate huge pages of a shared mapping too, under this VMA's policy. */
static void reapply(int shmid, void *p, int shmflg)
{
    (void)shmflg;
    if (!reg_exists(shmid) || !apply_numa_available())
        return;
    struct seg_map_info mi;
    if (seg_mapping_info(p, &mi) || !mi.hugetlb || mi.start != (uint64_t)(uintptr_t)p)
        return;
    struct shmid_ds ds;
    if (seg_shmctl_raw(shmid, IPC_STAT, &ds))
        return;
    if (!entry_usable_here(ds.shm_perm.cuid)) {
        rashm_dbg("shmat: shmid %d was created by uid %u: its registry entry is not used by a privileged process",
                  shmid, (unsigned)ds.shm_perm.cuid);
        return;
    }
    /* the mapping's extent: the segment rounded up to huge pages, all of
     * it inside the VMA the kernel reports for this attach */
    uint64_t maplen = plan_end(ds.shm_segsz, mi.page_size);
    if (maplen > mi.length)
        return;
    struct reg_entry *e;
    /* no topology here (loading it would cost every process its first
     * huge-page shmat a few ms): a mask naming a node the machine lacks
     * only makes mbind fail, and mbind keeps a policy to existing nodes */
    if (seg_entry_load(shmid, p, &mi, 0, &e))
        return;
    if (e->segsz == ds.shm_segsz && e->has_per_attach) {
        for (int i = 0; i < e->nranges; i++) {
            struct reg_range *r = &e->r[i];
            /* checked by reg_check_entry already; again here, overflow-safe,
             * because an mbind outside the mapping would hit other memory */
            if (!r->per_attach || r->offset > maplen || r->length > maplen - r->offset)
                continue;
            int rc = apply_mbind((char *)p + r->offset, r->length, r->mode, &r->mask, 0);
            if (rc)
                rashm_dbg("shmat: re-applying policy to shmid %d failed: %s", shmid, strerror(-rc));
        }
    }
    free(e);
}

void *rashm_attach(int shmid, const void *addr, int shmflg)
{
    void *p = seg_shmat_raw(shmid, addr, shmflg);
    if (p == (void *)-1)
        return p;
    int saved = errno;
    reapply(shmid, p, shmflg);
    errno = saved;
    return p;
}

/* librashm's shmat: programs linked with -lrashm get per-attach placement
 * of huge-page segments from their ordinary shmat calls. */
RASHM_API void *shmat(int shmid, const void *addr, int shmflg);
void *shmat(int shmid, const void *addr, int shmflg)
{
    struct rashm_cfg c;
    if (cfg_read(&c)) {
        /* a bad RASHM_* value (reported on stderr): refuse before attaching */
        errno = EINVAL;
        return (void *)-1;
    }
    void *p = seg_shmat_raw(shmid, addr, shmflg);
    if (p == (void *)-1)
        return p;
    int saved = errno;
    if (c.shmat_hook)
        reapply(shmid, p, shmflg);
    errno = saved;
    return p;
}

/* IPC_RMID and the registry entry with it (its path needs the creator's
 * uid, so read it first). */
int seg_rmid_and_forget(int shmid)
{
    struct shmid_ds ds;
    int have = seg_shmctl_raw(shmid, IPC_STAT, &ds) == 0;
    int rc = seg_shmctl_raw(shmid, IPC_RMID, NULL);
    if (rc == 0 && have) {
        int saved = errno;
        reg_remove(shmid, ds.shm_perm.cuid);
        errno = saved;
    }
    return rc;
}

/* librashm's shmctl: libc's, plus forgetting the registry entry of a
 * segment removed with IPC_RMID, so the entry cannot outlive it. */
RASHM_API int shmctl(int shmid, int cmd, struct shmid_ds *buf);
int shmctl(int shmid, int cmd, struct shmid_ds *buf)
{
    if (cmd == IPC_RMID)
        return seg_rmid_and_forget(shmid);
    if (cmd == IPC_SET) {
        /* IPC_SET moves shm_ctime, which readers without a file identity
         * use to tell the segment from a later one on the same id: follow
         * it in the entry */
        struct shmid_ds before;
        int have = seg_shmctl_raw(shmid, IPC_STAT, &before) == 0;
        int rc = seg_shmctl_raw(shmid, cmd, buf);
        if (rc == 0 && have) {
            int saved = errno;
            reg_refresh(shmid, (int64_t)before.shm_ctime);
            errno = saved;
        }
        return rc;
    }
    return seg_shmctl_raw(shmid, cmd, buf);
}

