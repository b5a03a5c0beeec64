/* The placement registry: one small file per placed segment under
 * RASHM_REGISTRY_DIR (default /dev/shm/rashm-registry, tmpfs, world
 * readable), holding the segment's ranges and policies so that any process
 * can answer "what is this segment attached to" and re-apply per-attach
 * policies.
 *
 * Identity: System V ids are reused (and so are the inode numbers the
 * kernel gives shm files: they are the id), so an entry is tied to the
 * segment it was written for: key, creator pid, size, shm_ctime and an
 * identity of the segment's shm file read through /proc/self/map_files of
 * an attach (seg_mapping_birth: the tmpfs inode's random generation number
 * for 4 KiB segments, the creation time for hugetlb; needs
 * CAP_CHECKPOINT_RESTORE or CAP_SYS_ADMIN, without which the other fields
 * alone decide). librashm's shmctl also deletes the entry on IPC_RMID.
 * An entry whose segment is gone, or whose identity no longer matches, is
 * stale: it is ignored and deleted (pruned) when met. Files are replaced
 * with rename(), so readers never see half an entry.
 *
 * Layout: <dir>/<creator uid>/seg.<shmid>. The top directory is sticky and
 * world-writable like /tmp; each creator's directory belongs to that uid, so
 * nobody can plant or block another user's entries, and an entry left by
 * one user never stands in the way of another user's segment that gets the
 * same id. Entries are trusted only when the file and its directory belong
 * to the segment's creator or to root. */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"

#define REG_MAGIC 0x72617368u /* "rash" */
#define REG_VERSION 1

static void reg_path(const struct rashm_cfg *c, uid_t cuid, int shmid, char *buf, size_t len)
{
    snprintf(buf, len, "%s/%u/seg.%d", c->registry_dir, (unsigned)cuid, shmid);
}

/* Creates <dir> (sticky, world-writable) and <dir>/<cuid> (owned by cuid). */
static int ensure_dirs(const struct rashm_cfg *c, uid_t cuid)
{
    if (mkdir(c->registry_dir, 01777) == 0)
        chmod(c->registry_dir, 01777);  /* not narrowed by the umask */
    else if (errno != EEXIST)
        return -errno;
    char sub[300];
    snprintf(sub, sizeof sub, "%s/%u", c->registry_dir, (unsigned)cuid);
    if (mkdir(sub, 0755) == 0) {
        if (geteuid() != cuid && chown(sub, cuid, (gid_t)-1)) {
            int e = errno;
            rmdir(sub);
            return -e;
        }
        return 0;
    }
    if (errno != EEXIST)
        return -errno;
    struct stat st;
    if (stat(sub, &st) || !S_ISDIR(st.st_mode) || (st.st_uid != cuid && st.st_uid != 0))
        return -EPERM;
    return 0;
}

int reg_store(int shmid, const void *base, uint64_t page_size, int hugetlb, const struct plan *p,
              const struct rashm_range *ranges, int nranges)
{
    struct rashm_cfg c;
    cfg_read(&c);
    struct shmid_ds ds;
    if (shmctl(shmid, IPC_STAT, &ds))
        return -errno;
    uint64_t birth = 0;
    if (seg_mapping_birth(base, &birth))
        birth = 0;
    int rc;
    size_t sz = sizeof(struct reg_entry) + (size_t)p->n * sizeof(struct reg_range);
    struct reg_entry *e = calloc(1, sz);
    if (!e)
        return -ENOMEM;
    e->magic = REG_MAGIC;
    e->version = REG_VERSION;
    e->shmid = shmid;
    e->key = ds.shm_perm.__key;
    e->cpid = ds.shm_cpid;
    e->segsz = ds.shm_segsz;
    e->ctime = ds.shm_ctime;
    e->birth = birth;
    e->hugetlb = hugetlb;
    e->page_size = page_size;
    e->nranges = p->n;
    for (int i = 0; i < p->n; i++) {
        const struct plan_entry *pe = &p->e[i];
        struct reg_range *r = &e->r[i];
        r->offset = pe->offset;
        r->length = pe->length;
        r->policy = pe->policy;
        r->eff_policy = pe->eff_policy;
        r->origin = pe->origin;
        r->srad = pe->srad;
        r->range_index = pe->range_index;
        r->mode = pe->mode;
        r->populate_now = pe->populate_now;
        r->per_attach = pe->per_attach;
        r->nodes = pe->nodes;
        r->mask = pe->mask;
        if (pe->range_index >= 0 && pe->range_index < nranges)
            r->cpus = ranges[pe->range_index].cpus;
        if (pe->per_attach)
            e->has_per_attach = 1;
    }
    rc = ensure_dirs(&c, ds.shm_perm.cuid);
    if (rc)
        goto free_entry;
    char path[320], tmp[352];
    reg_path(&c, ds.shm_perm.cuid, shmid, path, sizeof path);
    snprintf(tmp, sizeof tmp, "%s.tmp.%d", path, (int)getpid());
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        rc = -errno;
        goto free_entry;
    }
    if (write(fd, e, sz) != (ssize_t)sz) {
        rc = errno ? -errno : -EIO;
        close(fd);
        goto unlink_tmp;
    }
    close(fd);
    if (rename(tmp, path)) {
        rc = -errno;
        goto unlink_tmp;
    }
    free(e);
    return 0;
unlink_tmp:
    unlink(tmp);
free_entry:
    free(e);
    return rc;
}

static int read_entry(const char *path, uid_t cuid, struct reg_entry **out)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
        return -errno;
    struct stat st;
    if (fstat(fd, &st) || !S_ISREG(st.st_mode) || (st.st_uid != cuid && st.st_uid != 0) ||
        st.st_size < (off_t)sizeof(struct reg_entry) || st.st_size > (64 << 20)) {
        close(fd);
        return -ENOENT;
    }
    struct reg_entry *e = malloc((size_t)st.st_size);
    if (!e) {
        close(fd);
        return -ENOMEM;
    }
    ssize_t n = read(fd, e, (size_t)st.st_size);
    close(fd);
    if (n != st.st_size || e->magic != REG_MAGIC || e->version != REG_VERSION || e->nranges < 0 ||
        (size_t)st.st_size != sizeof *e + (size_t)e->nranges * sizeof(struct reg_range)) {
        free(e);
        return -ENOENT;
    }
    *out = e;
    return 0;
}

int reg_exists(int shmid)
{
    struct rashm_cfg c;
    cfg_read(&c);
    struct shmid_ds ds;
    if (shmctl(shmid, IPC_STAT, &ds))
        return 0;
    char path[320];
    reg_path(&c, ds.shm_perm.cuid, shmid, path, sizeof path);
    return access(path, F_OK) == 0;
}

/* 1: entry describes the segment now behind shmid; 0: stale; -errno: can't tell */
static int entry_valid(const struct reg_entry *e, int shmid, const void *mapped)
{
    struct shmid_ds ds;
    if (shmctl(shmid, IPC_STAT, &ds))
        return (errno == EINVAL || errno == EIDRM) ? 0 : -errno;
    /* IPC_RMID turns the key into IPC_PRIVATE while attaches remain */
    int removed = (ds.shm_perm.mode & SHM_DEST) != 0;
    if ((!removed && ds.shm_perm.__key != e->key) || ds.shm_cpid != e->cpid || ds.shm_segsz != e->segsz ||
        ds.shm_ctime < e->ctime)
        return 0;
    if (!e->birth)
        return 1;
    uint64_t birth = 0;
    int rc;
    if (mapped) {
        rc = seg_mapping_birth(mapped, &birth);
    } else {
        void *a = seg_shmat_raw(shmid, NULL, SHM_RDONLY);
        if (a == (void *)-1)
            return errno == EACCES ? 1 : -errno;
        rc = seg_mapping_birth(a, &birth);
        seg_shmdt_raw(a);
    }
    if (rc)
        return 1;      /* cannot read the creation time here: trust the rest */
    return birth == e->birth;
}

int reg_load(int shmid, const void *mapped, struct reg_entry **out)
{
    struct rashm_cfg c;
    cfg_read(&c);
    struct shmid_ds ds;
    if (shmctl(shmid, IPC_STAT, &ds))
        return (errno == EINVAL || errno == EIDRM) ? -ENOENT : -errno;
    char path[320];
    reg_path(&c, ds.shm_perm.cuid, shmid, path, sizeof path);
    struct reg_entry *e = NULL;
    int rc = read_entry(path, ds.shm_perm.cuid, &e);
    if (rc)
        return rc == -ENOMEM ? rc : -ENOENT;
    rc = e->shmid == shmid ? entry_valid(e, shmid, mapped) : 0;
    if (rc == 1) {
        *out = e;
        return 0;
    }
    if (rc == 0) {
        rashm_dbg("registry: entry for shmid %d is stale, removed", shmid);
        unlink(path);
    }
    free(e);
    return rc < 0 ? rc : -ENOENT;
}

void reg_remove(int shmid, uid_t cuid)
{
    struct rashm_cfg c;
    cfg_read(&c);
    char path[320];
    reg_path(&c, cuid, shmid, path, sizeof path);
    unlink(path);
}

/* Prunes one creator's directory. */
static void prune_dir(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *de;
    while ((de = readdir(d))) {
        int id;
        char extra;
        char path[1024];
        snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
        if (sscanf(de->d_name, "seg.%d%c", &id, &extra) == 1) {
            struct shmid_ds ds;
            /* only the cheap test here: the segment is gone */
            if (shmctl(id, IPC_STAT, &ds) && (errno == EINVAL || errno == EIDRM))
                unlink(path);
        } else if (strstr(de->d_name, ".tmp.")) {
            /* a writer that died between write and rename */
            int pid = atoi(strrchr(de->d_name, '.') + 1);
            if (pid > 0 && kill(pid, 0) && errno == ESRCH)
                unlink(path);
        }
    }
    closedir(d);
}

void reg_prune(void)
{
    struct rashm_cfg c;
    cfg_read(&c);
    DIR *d = opendir(c.registry_dir);
    if (!d)
        return;
    struct dirent *de;
    while ((de = readdir(d))) {
        unsigned uid;
        char extra;
        if (sscanf(de->d_name, "%u%c", &uid, &extra) != 1)
            continue;
        /* unlink works only where we may: our own directory, or all as root */
        if (geteuid() != 0 && uid != (unsigned)geteuid())
            continue;
        char sub[600];
        snprintf(sub, sizeof sub, "%s/%s", c.registry_dir, de->d_name);
        prune_dir(sub);
    }
    closedir(d);
}
